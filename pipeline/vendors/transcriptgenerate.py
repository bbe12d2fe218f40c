"""TranscriptGenerate open API: transcripts of short videos from their share links.

Contract: ``vendor-docs/transcriptgenerate-open-api.txt`` (no public client code exists).
Endpoints under ``/transcript-api/v1``: ``task/create``, ``task/query``, ``quota/usage``,
``quota/concurrency``. Every answer is ``{"code", "msg", "data"}``, read body first (an HTTP 500
saying "Task not found" is an answer, not an outage).

This module is the client: which endpoint to call, what may be resent, how to wait for a task
slot and for a transcript. What a code and message mean is ``transcriptgenerate_codes`` (the
table of codes to errors is there); the credentials, options and answer records are
``transcriptgenerate_models``. Both are re-exported here, so callers import from this module.

Example::

    client = TranscriptGenerateClient(TranscriptGenerateCredentials.from_env())
    task = client.transcribe("7.43 复制打开抖音 … https://v.douyin.com/iRNBho6u/ …")
    print(task.text_content)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from pipeline import errors
from pipeline.vendors.answers import normalized_code
from pipeline.vendors.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    Deadline,
    RetryPolicy,
    Timeouts,
    call_with_retries,
)
from pipeline.vendors.pacing import Pace, account_key, paced
from pipeline.vendors.polling import Pending, PollPolicy, poll_until_done
from pipeline.vendors.share import ShareLink, parse_share_text
from pipeline.vendors.transcriptgenerate_codes import CODES, MESSAGES, TABLE, VENDOR, error_for, read_answer
from pipeline.vendors.transcriptgenerate_models import (
    LANGUAGES,
    STATUS_FAILURE,
    STATUS_SUCCESS,
    STATUS_WAITING,
    ConcurrencyStatus,
    QuotaUsage,
    TaskOptions,
    TranscriptGenerateCredentials,
    TranscriptTask,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.transcriptgenerate.com/open-gateway"
API = "/transcript-api/v1"
# The documented platforms. The doc adds "more platforms, expanding": widen with ``platforms=``.
PLATFORMS = ("DOUYIN", "XHS", "KUAISHOU")

# The doc advises polling every 2-5 s; most tasks finish in 10-30 s. Queries are never held by
# the vendor, so a slow answer is no reason to skip the pause (held_threshold = inf).
DEFAULT_POLL = PollPolicy(interval=2.0, max_interval=5.0, backoff=1.25, deadline=1800.0, held_threshold=float("inf"))
# How long ``submit_when_slot_free`` waits for one of the account's task slots.
DEFAULT_SLOT_WAIT = 1800.0
# Task options when none are given: keep the spoken language.
DEFAULT_OPTIONS = TaskOptions()


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
        pace: Pace | None = None,
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
        self.pacer, transport = paced(VENDOR, account_key(self.base_url, credentials.api_key), pace, transport)
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

    def submit(self, share_text: str, options: TaskOptions = DEFAULT_OPTIONS) -> str:
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
        options: TaskOptions = DEFAULT_OPTIONS,
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
        options: TaskOptions = DEFAULT_OPTIONS,
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
    "DEFAULT_OPTIONS",
    "DEFAULT_POLL",
    "DEFAULT_SLOT_WAIT",
    "LANGUAGES",
    "MESSAGES",
    "PLATFORMS",
    "STATUS_FAILURE",
    "STATUS_SUCCESS",
    "STATUS_WAITING",
    "TABLE",
    "VENDOR",
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
