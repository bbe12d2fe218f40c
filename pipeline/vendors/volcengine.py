"""Volcengine caption generation (``/submit``, ``/query``) and caption alignment (``/ata/...``).

Contract: ``vendor-docs/volcengine-caption-summary.md`` and ``volcengine-ata.txt``, plus what
real client code shows (NOTES.md): the auth header is literally ``Bearer; {token}``; ``code``
arrives as an int or a string; 2000 (and, in some deployments, 1000) means "processing".

Example::

    client = VolcengineClient(VolcengineCredentials("appid", "token"))
    task_id = client.submit_caption_file("talk.wav", CaptionOptions(language="zh-CN"))
    response = client.wait_caption(task_id)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pipeline import errors
from pipeline.media.limits import VOLCENGINE_LIMITS
from pipeline.vendors.answers import normalized_code
from pipeline.vendors.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    RetryPolicy,
    Timeouts,
    call_with_retries,
    json_body,
    raise_for_transport_status,
)
from pipeline.vendors.pacing import Pace, account_key, paced
from pipeline.vendors.polling import DEFAULT_POLL, Pending, PollPolicy, poll_until_done

log = logging.getLogger(__name__)

VENDOR = "volcengine"
DEFAULT_BASE_URL = "https://openspeech.bytedance.com/api/v1/vc"
LANGUAGES = ("zh-CN", "en-US", "ja-JP", "ko-KR", "es-MX", "ru-RU", "fr-FR", "yue", "wuu", "nan", "ug")
CAPTION_TYPES = ("auto", "speech", "singing")
ATA_CAPTION_TYPES = ("speech", "singing")
PROCESSING_CODES = {"2000", "1000"}
UPLOAD_CHUNK = 256 * 1024

# code → (error class, what the user should do)
CODES: dict[str, tuple[type[errors.VendorError], str]] = {
    "1001": (errors.InvalidRequestError, "check the request parameters (appid, language, caption_type, text)"),
    "1002": (errors.AuthenticationError, "check VOLCENGINE_TOKEN and VOLCENGINE_APPID: invalid, expired or not granted"),
    "1003": (errors.RateLimitedError, "too many requests per second for this appid; slow down"),
    "1004": (errors.QuotaExceededError, "this appid's call allowance is used up; raise it in the console"),
    "1005": (errors.ServerBusyError, "the service is overloaded; try again later"),
    "1010": (errors.InvalidRequestError, "the audio is too long; split it into parts"),
    "1011": (errors.InvalidRequestError, "the audio is too large; re-extract it under 200 MB"),
    "1012": (errors.InvalidRequestError, "the audio format is invalid; use WAV/M4A/MP3/MP4/MOV/OGG"),
    "1013": (errors.InvalidRequestError, "the audio is silent; check the right track was used"),
    "1020": (errors.TaskFailedError, "recognition waited too long; submit again later"),
    "1021": (errors.TaskFailedError, "recognition took too long; submit again or split the audio"),
    "1022": (errors.TaskFailedError, "recognition failed; submit again"),
    "1099": (errors.TaskFailedError, "unknown vendor error; submit again or contact Volcengine"),
}


@dataclass(frozen=True)
class VolcengineCredentials:
    """``appid`` identifies the application; ``token`` is the secret (masked in repr)."""

    appid: str
    token: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VolcengineCredentials:
        """Read ``VOLCENGINE_APPID`` and ``VOLCENGINE_TOKEN``.

        Raises:
            InputError: when either is missing.
        """
        env = os.environ if environ is None else environ
        missing = [name for name in ("VOLCENGINE_APPID", "VOLCENGINE_TOKEN") if not env.get(name)]
        if missing:
            raise errors.InputError(f"{' and '.join(missing)} not set; export them or use the sandbox (the default target)")
        return cls(env["VOLCENGINE_APPID"], env["VOLCENGINE_TOKEN"])

    def __repr__(self) -> str:
        return f"VolcengineCredentials(appid={self.appid!r}, token='***')"


def _flag(value: bool) -> str:
    return "True" if value else "False"


@dataclass(frozen=True)
class CaptionOptions:
    """Caption generation parameters (``None`` leaves the vendor default).

    ``words_per_line``/``max_lines`` shape the vendor's own utterances; our subtitle engine
    re-segments from word times anyway, so they are unset by default. ``caption_type`` defaults
    to speech rather than the vendor's auto because Volcengine applies ``use_punc`` to speech only.
    """

    language: str = "zh-CN"
    caption_type: str = "speech"
    use_punc: bool = True
    use_itn: bool = True
    words_per_line: int | None = None
    max_lines: int | None = None
    use_ddc: bool | None = None
    with_speaker_info: bool | None = None
    use_capitalize: bool | None = None
    boosting_table_id: str | None = None
    asr_appid: str | None = None

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise errors.InputError(f"language={self.language!r} is not supported; use one of {', '.join(LANGUAGES)}")
        if self.caption_type not in CAPTION_TYPES:
            raise errors.InputError(f"caption_type={self.caption_type!r}; use one of {', '.join(CAPTION_TYPES)}")
        if self.words_per_line is not None and self.words_per_line < 1:
            raise errors.InputError("words_per_line must be a positive number")
        if self.max_lines is not None and self.max_lines < 1:
            raise errors.InputError("max_lines must be a positive number")
        if self.boosting_table_id and not self.asr_appid:
            raise errors.InputError("boosting_table_id needs asr_appid as well")

    def params(self) -> dict[str, str]:
        params = {"language": self.language, "caption_type": self.caption_type,
                  "use_punc": _flag(self.use_punc), "use_itn": _flag(self.use_itn)}
        for name in ("words_per_line", "max_lines", "boosting_table_id", "asr_appid"):
            value = getattr(self, name)
            if value is not None:
                params[name] = str(value)
        for name in ("use_ddc", "with_speaker_info", "use_capitalize"):
            value = getattr(self, name)
            if value is not None:
                params[name] = _flag(value)
        return params


@dataclass(frozen=True)
class AtaOptions:
    """Caption alignment parameters. ``sta_punc_mode``: 1 drop sentence-final, 2 spaces, 3 keep all."""

    caption_type: str = "speech"
    sta_punc_mode: int = 1
    # Documented as fixed values; some sources call them deprecated, so they can be turned off.
    send_fixed_params: bool = True

    def __post_init__(self) -> None:
        if self.caption_type not in ATA_CAPTION_TYPES:
            raise errors.InputError(f"caption_type={self.caption_type!r}; alignment takes speech or singing")
        if self.sta_punc_mode not in (1, 2, 3):
            raise errors.InputError(f"sta_punc_mode={self.sta_punc_mode}; use 1, 2 or 3")

    def params(self) -> dict[str, str]:
        params = {"caption_type": self.caption_type, "sta_punc_mode": str(self.sta_punc_mode)}
        if self.send_fixed_params:
            params.update(caption_category="2", cluster="ata_cluster")
        return params


def error_for(body: Mapping[str, Any]) -> errors.VendorError:
    """The typed error for a non-zero, non-processing response."""
    code = normalized_code(body)
    message = str(body.get("message") or body.get("msg") or "no message")
    cls, hint = CODES.get(code, (errors.VendorError, "unexpected code; see the Volcengine error table"))
    if code == "1001" and "not found" in message.lower():
        # A query for an id the service does not know: expired, or submitted to another account.
        cls, hint = errors.TaskNotFoundError, "the vendor does not know this task id (expired, or another account's)"
    elif code == "1022" and "not granted" in message:
        # Accounts from the newer console are not granted vc.async.default on these endpoints.
        cls, hint = errors.AuthenticationError, "this account is not granted the caption service; enable it in the console"
    return cls(VENDOR, code, message, hint)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(UPLOAD_CHUNK):
            yield chunk


class VolcengineClient:
    """Submit and query caption and alignment jobs.

    Args:
        credentials: appid and token.
        base_url: the ``.../api/v1/vc`` root (the sandbox's or the real one).
        transport: an httpx transport, e.g. ``httpx.MockTransport`` in unit tests.
        pace: requests per second for this appid, shared by every client of it in the process
            (``pipeline.vendors.pacing``; None: unpaced).
    """

    def __init__(
        self,
        credentials: VolcengineCredentials,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        poll: PollPolicy = DEFAULT_POLL,
        transport: httpx.BaseTransport | None = None,
        pace: Pace | None = None,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self.retry = retry
        self.poll = poll
        self.pacer, transport = paced(VENDOR, account_key(self.base_url, credentials.appid), pace, transport)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeouts.httpx(),
            transport=transport,
            headers={"Authorization": f"Bearer; {credentials.token}"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VolcengineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------

    def _params(self, extra: Mapping[str, str]) -> dict[str, str]:
        return {"appid": self.credentials.appid, **extra}

    def _check(self, response: httpx.Response, what: str) -> Mapping[str, Any]:
        raise_for_transport_status(response, what)
        body = json_body(response, what)
        code = normalized_code(body)
        if code == "0" or code in PROCESSING_CODES:
            return body
        error = error_for(body)
        if isinstance(error, errors.RateLimitedError) and self.pacer is not None:
            self.pacer.back_off()  # every thread of this appid waits, not only the one refused
        raise error

    def _submit_built(self, path: str, what: str, build: Any) -> str:
        """Submit with a request built afresh per attempt (a streamed body cannot be replayed)."""

        def send() -> str:
            body = self._check(self._http.post(path, **build()), what)
            task_id = str(body.get("id") or "")
            if not task_id:
                raise errors.VendorError(VENDOR, normalized_code(body), "submit answered without a task id")
            log.info("%s: task %s", what, task_id)
            return task_id

        return call_with_retries(send, self.retry, idempotent=False, what=what)

    def _upload_request(self, file: Path, params: dict[str, str]) -> Any:
        size = file.stat().st_size
        headers = {"Content-Type": VOLCENGINE_LIMITS.content_type(file.suffix), "Content-Length": str(size)}
        timeout = self.timeouts.httpx(write=self.timeouts.upload_write)
        return lambda: {"params": params, "content": _file_chunks(file), "headers": headers, "timeout": timeout}

    # -- caption ----------------------------------------------------------------------------

    def submit_caption_url(self, url: str, options: CaptionOptions = CaptionOptions()) -> str:
        """Submit a caption job for media the vendor downloads from ``url``; returns the task id."""
        params = self._params(options.params())
        return self._submit_built("/submit", "volcengine caption submit", lambda: {"params": params, "json": {"url": url}})

    def submit_caption_file(self, path: str | os.PathLike[str], options: CaptionOptions = CaptionOptions()) -> str:
        """Upload a local audio file (streamed from disk, never read whole); returns the task id."""
        file = Path(path)
        return self._submit_built("/submit", "volcengine caption submit", self._upload_request(file, self._params(options.params())))

    def query_caption(self, task_id: str, blocking: bool = False) -> Mapping[str, Any] | Pending[Mapping[str, Any]]:
        """Ask once; the finished response, or ``Pending`` while processing."""
        return self._query("/query", task_id, blocking, "volcengine caption query")

    def wait_caption(self, task_id: str, *, blocking: bool = True, on_pending: Any = None,
                     cancel: threading.Event | None = None) -> Mapping[str, Any]:
        """Poll until the caption job finishes; returns the response with ``utterances``."""
        return self._wait("/query", task_id, blocking, "volcengine caption", on_pending, cancel)

    # -- alignment (ATA) --------------------------------------------------------------------

    def submit_ata_url(self, url: str, text: str, options: AtaOptions = AtaOptions()) -> str:
        """Submit an alignment job for ``text`` against media at ``url``; returns the task id."""
        _require_text(text)
        params = self._params(options.params())
        return self._submit_built("/ata/submit", "volcengine ata submit",
                                  lambda: {"params": params, "json": {"url": url, "audio_text": text}})

    def submit_ata_file(self, path: str | os.PathLike[str], text: str, options: AtaOptions = AtaOptions()) -> str:
        """Upload audio and text as multipart (``data`` + ``audio-text``); returns the task id."""
        _require_text(text)
        file = Path(path)
        params = self._params(options.params())
        content_type = VOLCENGINE_LIMITS.content_type(file.suffix)
        timeout = self.timeouts.httpx(write=self.timeouts.upload_write)

        def build() -> dict[str, Any]:
            # httpx streams file objects in multipart bodies instead of reading them whole.
            return {"params": params, "timeout": timeout, "data": {"audio-text": text},
                    "files": {"data": (file.name, file.open("rb"), content_type)}}

        return self._submit_built("/ata/submit", "volcengine ata submit", build)

    def query_ata(self, task_id: str, blocking: bool = False) -> Mapping[str, Any] | Pending[Mapping[str, Any]]:
        return self._query("/ata/query", task_id, blocking, "volcengine ata query")

    def wait_ata(self, task_id: str, *, blocking: bool = True, on_pending: Any = None,
                 cancel: threading.Event | None = None) -> Mapping[str, Any]:
        return self._wait("/ata/query", task_id, blocking, "volcengine ata", on_pending, cancel)

    # -- shared query/wait ------------------------------------------------------------------

    def _query(self, path: str, task_id: str, blocking: bool, what: str) -> Mapping[str, Any] | Pending[Mapping[str, Any]]:
        params = self._params({"id": task_id, "blocking": "1" if blocking else "0"})
        # A blocking query may be held open for a while: give it a longer read timeout.
        timeout = self.timeouts.httpx(read=self.timeouts.blocking_read) if blocking else httpx.USE_CLIENT_DEFAULT

        def ask() -> Mapping[str, Any] | Pending[Mapping[str, Any]]:
            try:
                response = self._http.get(path, params=params, timeout=timeout)
            except httpx.ReadTimeout as exc:
                if blocking:
                    raise BlockingQueryTimeout(f"{what}: blocking query held longer than {self.timeouts.blocking_read:.0f} s") from exc
                raise
            body = self._check(response, what)
            if normalized_code(body) in PROCESSING_CODES:
                return Pending(str(body.get("message") or "processing"))
            return body

        return call_with_retries(ask, self.retry, idempotent=True, what=what)

    def _wait(self, path: str, task_id: str, blocking: bool, what: str, on_pending: Any,
              cancel: threading.Event | None = None) -> Mapping[str, Any]:
        state = {"blocking": blocking}

        def ask() -> Mapping[str, Any] | Pending[Mapping[str, Any]]:
            try:
                return self._query(path, task_id, state["blocking"], what)
            except BlockingQueryTimeout:
                # Nobody documents how long blocking=1 holds a request: fall back to plain polling.
                log.warning("%s: blocking query timed out; polling without blocking", what)
                state["blocking"] = False
                return Pending("blocking query timed out")

        return poll_until_done(ask, self.poll, what=f"{what} task {task_id}", on_pending=on_pending, cancel=cancel)


class BlockingQueryTimeout(errors.TransportError):
    """A ``blocking=1`` query outlived the read timeout; the job itself may be fine."""

    retryable = False


def _require_text(text: str) -> None:
    if not text or not text.strip():
        raise errors.InputError("alignment text is empty; give the script to align")


__all__ = [
    "AtaOptions",
    "CaptionOptions",
    "CODES",
    "DEFAULT_BASE_URL",
    "LANGUAGES",
    "VolcengineClient",
    "VolcengineCredentials",
    "error_for",
    "normalized_code",
]

