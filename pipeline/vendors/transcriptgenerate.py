"""TranscriptGenerate open API: transcripts of short videos from their share links.

Contract: ``vendor-docs/transcriptgenerate-open-api.txt`` (no public client code exists).
Endpoints under ``/transcript-api/v1``: ``task/create``, ``task/query``, ``quota/usage``,
``quota/concurrency``. Every answer is ``{"code", "msg", "data"}``; ``code`` is 200, 401, 500 or
601, and the gateway may send 401/500 as the HTTP status too, with the same JSON body. So the
body is read before the HTTP status: an HTTP 500 saying "Task not found" is an answer, not an
outage.

How codes map to errors (``error_for``):

    401 (any message)                                   AuthenticationError
    500 Video URL cannot be empty / Failed to extract … / The URL is too long …
                                                        InvalidRequestError
    500 This platform is not supported …               UnsupportedPlatformError
    500 Task ID cannot be empty                         InvalidRequestError
    500 Task not found / You do not have permission …   TaskNotFoundError
    500 anything else                                   ServerBusyError (retried on queries only)
    601 Concurrency limit reached …                     ConcurrencyLimitError (retryable)
    601 Insufficient quota remaining …                  QuotaExceededError
    601 … Professional members only …                   AuthenticationError
    601 Multi-language translation … members only …     AuthenticationError
    601 anything else                                   VendorError

The two membership rows are AuthenticationError, not QuotaExceededError: the key is valid but
the account is not entitled to the API (or to translation). Nothing is used up, waiting or a
monthly reset does not help, only a plan change does; that is "not granted", the way the
Volcengine client treats an account not granted a service. Quota means an allowance ran out.

Example::

    client = TranscriptGenerateClient(TranscriptGenerateCredentials.from_env())
    task = client.transcribe("7.43 复制打开抖音 … https://v.douyin.com/iRNBho6u/ …")
    print(task.text_content)
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from pipeline import errors
from pipeline.vendors.answers import AnswerTable, normalized_code
from pipeline.vendors.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    Deadline,
    RetryPolicy,
    Timeouts,
    call_with_retries,
)
from pipeline.vendors.polling import Pending, PollPolicy, poll_until_done
from pipeline.vendors.share import ShareLink, parse_share_text

log = logging.getLogger(__name__)

VENDOR = "transcriptgenerate"
DEFAULT_BASE_URL = "https://api.transcriptgenerate.com/open-gateway"
API = "/transcript-api/v1"
# The documented platforms. The doc adds "more platforms, expanding": widen with ``platforms=``.
PLATFORMS = ("DOUYIN", "XHS", "KUAISHOU")
# Documented common codes; the full list lives on the vendor's site, so others are accepted if
# they look like language codes.
LANGUAGES = ("auto", "en", "ja", "ko", "zh", "fr", "de", "es")
_LANGUAGE_CODE = re.compile(r"^(auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")

STATUS_WAITING = "WAITING"
STATUS_SUCCESS = "SUCCESS"
STATUS_FAILURE = "FAILURE"

# The doc advises polling every 2-5 s; most tasks finish in 10-30 s. Queries are never held by
# the vendor, so a slow answer is no reason to skip the pause (held_threshold = inf).
DEFAULT_POLL = PollPolicy(interval=2.0, max_interval=5.0, backoff=1.25, deadline=1800.0, held_threshold=float("inf"))
# How long ``submit_when_slot_free`` waits for one of the account's task slots.
DEFAULT_SLOT_WAIT = 1800.0

_KEY_HINT = "check TRANSCRIPTGENERATE_API_KEY and TRANSCRIPTGENERATE_API_SECRET: missing, wrong, expired or disabled"

# (phrase found in ``msg``, error class, what to do). The documented message rows, matched by a
# distinctive phrase so a reworded sentence tail still maps.
MESSAGES: tuple[tuple[str, type[errors.VendorError], str], ...] = (
    ("missing api key or secret", errors.AuthenticationError, _KEY_HINT),
    ("video url cannot be empty", errors.InvalidRequestError, "pass the share text or link of the video"),
    ("failed to extract a valid platform url", errors.InvalidRequestError,
     "paste the app's share text or a link such as https://v.douyin.com/xxxxxx"),
    ("platform is not supported", errors.UnsupportedPlatformError, "use a Douyin, Xiaohongshu or Kuaishou link"),
    ("url is too long", errors.InvalidRequestError, "copy the share link again from the app"),
    ("professional members only", errors.AuthenticationError,
     "this account's plan has no API access; upgrade to Professional in the TranscriptGenerate user centre"),
    ("concurrency limit reached", errors.ConcurrencyLimitError,
     "all task slots are busy; wait for running tasks (submit_when_slot_free does)"),
    ("insufficient quota", errors.QuotaExceededError,
     "not enough transcription minutes left; check quota_usage() and top up or upgrade the plan"),
    ("translation is available for members only", errors.AuthenticationError,
     "translation needs a membership; use target_language='auto' or upgrade the plan"),
    ("task id cannot be empty", errors.InvalidRequestError, "pass the taskId returned by task/create"),
    ("task not found", errors.TaskNotFoundError, "check the task id; submit the video again if it is lost"),
    ("do not have permission to access this task", errors.TaskNotFoundError,
     "the task belongs to another account; use the key that created it"),
)
# Fallbacks by code for messages the doc does not list.
CODES: dict[str, tuple[type[errors.VendorError], str]] = {
    "401": (errors.AuthenticationError, _KEY_HINT),
    "500": (errors.ServerBusyError, "vendor system error; queries are retried, a submit is not (it may have run)"),
    "601": (errors.VendorError, "the account's plan does not allow this; see the TranscriptGenerate user centre"),
}


@dataclass(frozen=True)
class TranscriptGenerateCredentials:
    """``api_key`` identifies the account; ``api_secret`` is the secret (masked in repr)."""

    api_key: str
    api_secret: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TranscriptGenerateCredentials:
        """Read ``TRANSCRIPTGENERATE_API_KEY`` and ``TRANSCRIPTGENERATE_API_SECRET``.

        Raises:
            InputError: when either is missing.
        """
        env = os.environ if environ is None else environ
        names = ("TRANSCRIPTGENERATE_API_KEY", "TRANSCRIPTGENERATE_API_SECRET")
        missing = [name for name in names if not env.get(name)]
        if missing:
            raise errors.InputError(f"{' and '.join(missing)} not set; export them or use the sandbox (the default target)")
        return cls(env[names[0]], env[names[1]])

    def __repr__(self) -> str:
        return f"TranscriptGenerateCredentials(api_key={self.api_key!r}, api_secret='***')"


@dataclass(frozen=True)
class TaskOptions:
    """``target_language``: "auto" keeps the spoken language; a code such as "en" translates
    (members only, so the vendor answers 601 for other plans)."""

    target_language: str = "auto"

    def __post_init__(self) -> None:
        if not _LANGUAGE_CODE.match(self.target_language or ""):
            raise errors.InputError(
                f"target_language={self.target_language!r} is not a language code; use one of {', '.join(LANGUAGES)}"
            )


@dataclass(frozen=True)
class TranscriptTask:
    """One ``task/query`` answer, every documented field (``None`` where the vendor sent none).

    ``error_message`` is the vendor's status text for every status ("Video processing
    succeeded!" included); ``text_content`` and ``title`` come only with SUCCESS.
    """

    task_id: str
    status: str
    error_message: str | None = None
    text_content: str | None = None
    title: str | None = None
    platform: str | None = None
    duration: float | None = None
    video_url: str | None = None
    work_url: str | None = None
    cover: str | None = None
    create_time: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TranscriptTask:
        return cls(
            task_id=str(data.get("taskId") or ""),
            status=str(data.get("status") or "").upper(),
            error_message=_text(data.get("errorMessage")),
            text_content=_text(data.get("textContent")),
            title=_text(data.get("title")),
            platform=_text(data.get("platform")),
            duration=_number(data.get("duration")),
            video_url=_text(data.get("videoUrl")),
            work_url=_text(data.get("workUrl")),
            cover=_text(data.get("cover")),
            create_time=_text(data.get("createTime")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class QuotaUsage:
    """Remaining transcription time. Every amount is ``None`` when unlimited (the vendor's -1)
    or not sent (unlimited accounts get no ``totalMinutes``)."""

    unlimited: bool
    available_seconds: float | None = None
    available_minutes: float | None = None
    total_seconds: float | None = None
    total_minutes: float | None = None
    used_seconds: float | None = None
    used_minutes: float | None = None
    deduction_type: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> QuotaUsage:
        unlimited = bool(data.get("unlimited")) or _number(data.get("availableSeconds")) == -1
        return cls(
            unlimited=unlimited,
            available_seconds=_amount(data.get("availableSeconds")),
            available_minutes=_amount(data.get("availableMinutes")),
            total_seconds=_amount(data.get("totalSeconds")),
            total_minutes=_amount(data.get("totalMinutes")),
            used_seconds=_amount(data.get("usedSeconds")),
            used_minutes=_amount(data.get("usedMinutes")),
            deduction_type=_text(data.get("deductionType")),
        )

    def covers(self, seconds: float) -> bool:
        """True when ``seconds`` of video fit in what is left (always true when unlimited)."""
        return self.unlimited or (self.available_seconds or 0.0) >= seconds


@dataclass(frozen=True)
class ConcurrencyStatus:
    """``quota/concurrency``: running tasks, the account's maximum, free slots."""

    current: int
    maximum: int
    available: int
    can_add_task: bool

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ConcurrencyStatus:
        available = int(_number(data.get("availableConcurrency")) or 0)
        can_add = data.get("canAddTask")
        return cls(
            current=int(_number(data.get("currentConcurrency")) or 0),
            maximum=int(_number(data.get("maxConcurrency")) or 0),
            available=available,
            can_add_task=bool(can_add) if can_add is not None else available > 0,
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any) -> float | None:
    """Numbers arrive as numbers or strings ("60.0"); anything else is treated as absent."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _amount(value: Any) -> float | None:
    number = _number(value)
    return None if number is None or number == -1 else number


TABLE = AnswerTable(VENDOR, "200", MESSAGES, CODES, "unexpected code; see the TranscriptGenerate status code table", _KEY_HINT)
error_for = TABLE.error_for
read_answer = TABLE.read_answer


class TranscriptGenerateClient:
    """Create, query and wait for transcript tasks; read the account's quota and task slots.

    Args:
        credentials: API key and secret, sent as ``X-API-Key`` / ``X-API-Secret`` headers.
        base_url: the ``.../open-gateway`` root (the sandbox's or the real one).
        platforms: platform codes accepted locally before a task is created.
        transport: an httpx transport, e.g. ``httpx.MockTransport`` in unit tests.
        sleep, clock: injectable so tests never wait.
    """

    def __init__(
        self,
        credentials: TranscriptGenerateCredentials,
        base_url: str = DEFAULT_BASE_URL,
        *,
        platforms: tuple[str, ...] = PLATFORMS,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        poll: PollPolicy = DEFAULT_POLL,
        slot_wait: float | None = DEFAULT_SLOT_WAIT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.platforms = platforms
        self.retry = retry
        self.poll = poll
        self.slot_wait = slot_wait
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeouts.httpx(),
            transport=transport,
            headers={"X-API-Key": credentials.api_key, "X-API-Secret": credentials.api_secret},
        )

    def __repr__(self) -> str:
        return f"TranscriptGenerateClient(base_url={self.base_url!r}, credentials={self.credentials!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TranscriptGenerateClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- tasks ------------------------------------------------------------------------------

    def check_link(self, share_text: str) -> ShareLink:
        """Validate a share text locally, with the vendor's own messages.

        Raises:
            InputError: empty, too long or no platform link in it.
            UnsupportedPlatformError: a platform outside ``platforms``.
        """
        return parse_share_text(share_text, self.platforms, vendor=VENDOR)

    def submit(self, share_text: str, options: TaskOptions = TaskOptions()) -> str:
        """Create a task for the link in ``share_text``; returns the task id.

        Not idempotent (each task uses quota), so it is resent only when the request surely
        never arrived. A full account raises ConcurrencyLimitError at once; use
        ``submit_when_slot_free`` to wait for a slot instead.

        Raises:
            InputError, UnsupportedPlatformError: the share text was rejected locally.
            VendorError: a subclass per the module's table.
            TransportError: no usable answer.
        """
        link = self.check_link(share_text)
        payload = {"workUrl": link.url, "targetLanguage": options.target_language}
        what = "transcriptgenerate task/create"

        def send() -> str | errors.ConcurrencyLimitError:
            try:
                data = read_answer(self._http.post(f"{API}/task/create", json=payload), what)
            except errors.ConcurrencyLimitError as exc:
                # Returned, not raised: call_with_retries would retry it in a short burst, and
                # waiting for a slot is submit_when_slot_free's job.
                return exc
            task_id = str(data.get("taskId") or "")
            if not task_id:
                raise errors.VendorError(VENDOR, "200", "task/create answered without a taskId")
            log.info("%s: task %s for %s (%s)", what, task_id, link.url, data.get("message") or data.get("status"))
            return task_id

        result = call_with_retries(send, self.retry, idempotent=False, sleep=self._sleep, what=what)
        if isinstance(result, errors.ConcurrencyLimitError):
            raise result
        return result

    def submit_when_slot_free(
        self,
        share_text: str,
        options: TaskOptions = TaskOptions(),
        *,
        max_wait: float | None = None,
        on_wait: Callable[[ConcurrencyStatus], None] | None = None,
    ) -> str:
        """Create a task, waiting for a free slot when the account's concurrency is full.

        The doc's advice: on "Concurrency limit reached", watch ``quota/concurrency`` until a
        running task finishes, then create. A refused create costs nothing, so it is sent again.

        Args:
            max_wait: seconds to wait for a slot (default: the client's ``slot_wait``; a client
                built with ``slot_wait=None`` waits without limit).
            on_wait: called with the slot status after each check that found none free.

        Raises:
            DeadlineExceededError: no slot freed up within ``max_wait``.
            Everything ``submit`` raises except ConcurrencyLimitError.
        """
        deadline = Deadline(self.slot_wait if max_wait is None else max_wait, self._clock)
        while True:
            try:
                return self.submit(share_text, options)
            except errors.ConcurrencyLimitError as exc:
                log.info("transcriptgenerate: all task slots busy; waiting for one")
                self._wait_for_slot(deadline, on_wait, exc)

    def _wait_for_slot(
        self,
        deadline: Deadline,
        on_wait: Callable[[ConcurrencyStatus], None] | None,
        refused: errors.ConcurrencyLimitError,
    ) -> None:
        interval = self.poll.interval
        while True:
            left = deadline.remaining()
            if left is not None and left < interval:
                raise errors.DeadlineExceededError(
                    f"transcriptgenerate: no task slot freed within {deadline.seconds:.0f} s; "
                    "wait for running tasks or raise the slot wait"
                ) from refused
            self._sleep(interval)
            interval = min(self.poll.max_interval, interval * self.poll.backoff)
            status = self.concurrency()
            if status.can_add_task:
                return
            if on_wait:
                on_wait(status)

    def query(self, task_id: str) -> TranscriptTask:
        """Ask once for a task's state; returns it whatever the status (FAILURE included).

        Raises:
            InputError: ``task_id`` is empty.
            TaskNotFoundError: unknown task, or another account's.
        """
        if not task_id or not str(task_id).strip():
            raise errors.InputError("Task ID cannot be empty: pass the taskId returned by submit")
        what = "transcriptgenerate task/query"

        def ask() -> TranscriptTask:
            response = self._http.get(f"{API}/task/query", params={"taskId": task_id})
            return TranscriptTask.from_data(read_answer(response, what))

        return call_with_retries(ask, self.retry, idempotent=True, sleep=self._sleep, what=what)

    def wait(self, task_id: str, *, on_pending: Callable[[int, str], None] | None = None,
             cancel: threading.Event | None = None) -> TranscriptTask:
        """Poll every 2-5 s until the task succeeds; returns the finished task.

        Raises:
            TaskFailedError: the task ended in FAILURE (carries ``errorMessage``).
            DeadlineExceededError: still WAITING at the poll deadline.
        """

        def ask() -> TranscriptTask | Pending[TranscriptTask]:
            task = self.query(task_id)
            if task.status == STATUS_SUCCESS:
                return task
            if task.status == STATUS_FAILURE:
                raise errors.TaskFailedError(
                    VENDOR, None, task.error_message or "task failed without a message",
                    f"task {task_id}; submit it again, and contact TranscriptGenerate if it keeps failing",
                )
            if task.status != STATUS_WAITING:
                # An undocumented status is most likely another processing stage; the deadline bounds it.
                log.warning("transcriptgenerate task %s: unknown status %r; still waiting", task_id, task.status)
            return Pending(task.error_message or task.status)

        return poll_until_done(
            ask, self.poll, what=f"transcriptgenerate task {task_id}", on_pending=on_pending,
            sleep=self._sleep, clock=self._clock, cancel=cancel,
        )

    def transcribe(
        self,
        share_text: str,
        options: TaskOptions = TaskOptions(),
        *,
        on_pending: Callable[[int, str], None] | None = None,
    ) -> TranscriptTask:
        """Submit (waiting for a slot if needed) and wait for the transcript."""
        return self.wait(self.submit_when_slot_free(share_text, options), on_pending=on_pending)

    # -- account ----------------------------------------------------------------------------

    def quota_usage(self) -> QuotaUsage:
        """Remaining transcription time (``quota/usage``)."""
        return QuotaUsage.from_data(self._get(f"{API}/quota/usage", "transcriptgenerate quota/usage"))

    def concurrency(self) -> ConcurrencyStatus:
        """Task slots in use and free (``quota/concurrency``)."""
        return ConcurrencyStatus.from_data(self._get(f"{API}/quota/concurrency", "transcriptgenerate quota/concurrency"))

    def _get(self, path: str, what: str) -> Mapping[str, Any]:
        return call_with_retries(
            lambda: read_answer(self._http.get(path), what), self.retry, idempotent=True, sleep=self._sleep, what=what
        )


__all__ = [
    "API",
    "CODES",
    "DEFAULT_BASE_URL",
    "DEFAULT_POLL",
    "LANGUAGES",
    "MESSAGES",
    "PLATFORMS",
    "ConcurrencyStatus",
    "QuotaUsage",
    "TaskOptions",
    "TranscriptGenerateClient",
    "TranscriptGenerateCredentials",
    "TranscriptTask",
    "error_for",
    "normalized_code",
    "read_answer",
]
