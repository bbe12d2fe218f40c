"""One request layer for every vendor: explicit timeouts, retries with backoff and jitter, a deadline.

Retries are for failures that can pass: network errors, HTTP 5xx/429 and the vendor codes the
clients mark ``retryable`` (rate limited, busy, concurrency full). A call that would cost money
if it ran twice (a submit) is retried only when the request surely never reached the vendor:
a connection that could not be opened, or an answer that says it was refused. A read timeout
after a submit is not retried, because the vendor may already be working on it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from pipeline.errors import DeadlineExceededError, PipelineError, RateLimitedError, TransportError
from pipeline.units import wait_text

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Timeouts:
    """Per-request timeouts in seconds (the vendors advise 30 s)."""

    connect: float = 10.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0
    # Uploads of up to 200 MB need longer to send; blocking queries are held open by the vendor.
    upload_write: float = 600.0
    blocking_read: float = 60.0

    def httpx(self, read: float | None = None, write: float | None = None) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=read or self.read, write=write or self.write, pool=self.pool)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: delay = uniform(0, min(max_delay, base * 2**attempt)).

    ``rate_limited_attempts`` is the patience for "too frequent" answers (Volcengine's 1003):
    they say the request was refused unprocessed and will pass once the account's second
    clears, so they are worth many more tries than a failure of unknown cause (about two
    minutes of backoff at the defaults).
    """

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    rate_limited_attempts: int = 12

    def attempts_for(self, error: BaseException) -> int:
        return max(self.attempts, self.rate_limited_attempts) if isinstance(error, RateLimitedError) else self.attempts

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


DEFAULT_TIMEOUTS = Timeouts()
DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1, rate_limited_attempts=1)


@dataclass
class Deadline:
    """An absolute point in time (monotonic clock) after which a job gives up."""

    seconds: float | None
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float | None:
        return None if self.seconds is None else self.seconds - (self.clock() - self.started)

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0


def is_undelivered(exc: BaseException) -> bool:
    """True when the request certainly did not reach the vendor's application."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy = DEFAULT_RETRY,
    *,
    idempotent: bool = True,
    deadline: Deadline | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    what: str = "request",
) -> T:
    """Run ``fn`` and retry it on retryable failures.

    ``fn`` raises ``PipelineError`` subclasses (``retryable`` says whether to try again) or
    httpx exceptions, which are translated into ``TransportError``.

    Raises:
        TransportError: the network failed on every attempt.
        DeadlineExceededError: the deadline passed before a usable answer.
        PipelineError: the last non-retryable or exhausted error from ``fn``.
    """
    rng = rng or random.Random()
    attempt = 0
    while True:
        try:
            return fn()
        except httpx.HTTPError as exc:
            error: PipelineError = TransportError(f"{what} failed: {type(exc).__name__}: {_safe(exc)} "
                                                  f"({transport_hint(exc)})")
            retry = idempotent or is_undelivered(exc)
            cause: BaseException = exc
        except PipelineError as exc:
            retry = exc.retryable and (idempotent or not getattr(exc, "maybe_processed", False))
            error, cause = exc, exc
        attempt += 1
        attempts = policy.attempts_for(error)
        if not retry or attempt >= attempts:
            if error is cause:
                raise error
            raise error from cause
        delay = policy.delay(attempt - 1, rng)
        left = deadline.remaining() if deadline else None
        if left is not None and left < delay:
            raise DeadlineExceededError(f"{what}: deadline passed while retrying ({_without(what, error)})") from cause
        log.warning("%s: %s; retry %d/%d in %s", what, _without(what, error), attempt, attempts - 1,
                    wait_text(delay))
        sleep(delay)


def _without(what: str, error: BaseException) -> str:
    """The error's text without a leading ``what:`` (most of our messages start with it already)."""
    text = str(error)
    return text.removeprefix(f"{what}: ")


def _safe(exc: httpx.HTTPError) -> str:
    # httpx messages can quote the URL; ours carry no credentials, but keep messages short.
    return str(exc).splitlines()[0][:200] if str(exc) else "no details"


def transport_hint(exc: httpx.HTTPError) -> str:
    """What a network failure means for the user, and what to do about it."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return "the vendor could not be reached: check the network and the base URL"
    if isinstance(exc, httpx.TimeoutException):
        return "the vendor did not answer in time: it may be overloaded; try again later"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection was cut before the answer came: try again later"
    return "the request failed on the network: try again later"


STATUS_HINTS = {
    429: "too many requests: lower SUBTITLE_PIPELINE_<VENDOR>_QPS or run fewer jobs at once",
    502: "the vendor's gateway could not reach its service: try again later",
    503: "the vendor's service is unavailable: try again later",
    504: "the vendor's gateway timed out: try again later",
}


def raise_for_transport_status(response: httpx.Response, what: str) -> None:
    """Turn gateway-level failures (5xx, 429) into a retryable TransportError."""
    if response.status_code >= 500 or response.status_code == 429:
        hint = STATUS_HINTS.get(response.status_code, "the vendor failed while handling the request: try again later")
        error = TransportError(f"{what}: HTTP {response.status_code} from the vendor ({hint})")
        # 429/502/503 mean the request was turned away; after a 500 or 504 it may have run.
        error.maybe_processed = response.status_code not in (429, 502, 503)  # type: ignore[attr-defined]
        raise error


def shown_url(response: httpx.Response) -> str:
    """The request's URL fit for a message: no query (``appid``) and no user or password."""
    url = response.request.url
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def expected_body_length(response: httpx.Response) -> int | None:
    """How many decoded bytes the headers promise: Content-Length for an unencoded body, else None.

    Content-Length counts the bytes on the wire, before any gzip/deflate decoding, so it says
    nothing about the decoded length of an encoded body.
    """
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    declared = None if encoded else response.headers.get("Content-Length")
    return int(declared) if declared is not None and declared.isdigit() else None


def json_body(response: httpx.Response, what: str) -> Mapping[str, Any]:
    """The JSON object in ``response``, or a retryable TransportError when it is not one."""
    try:
        body = response.json()
    except ValueError as exc:
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            # Not the vendor's API answering (a wrong base URL, a proxy): the same request fails again.
            error = TransportError(f"{what}: HTTP {response.status_code} from {shown_url(response)}, which is not "
                                   "the vendor's API; check the base URL (and the credentials)")
            error.retryable = False
            raise error from exc
        raise TransportError(f"{what}: HTTP {response.status_code} with a body that is not JSON") from exc
    if not isinstance(body, dict):
        raise TransportError(f"{what}: HTTP {response.status_code} with JSON that is not an object")
    return body
