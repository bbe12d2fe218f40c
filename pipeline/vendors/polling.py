"""One polling loop for every vendor.

Vendors that offer blocking queries (Volcengine ``blocking=1``) hold the request until the job
is done; then the loop asks again at once. Others are asked every 2–5 s, as their docs advise,
with a gentle backoff. Every wait is bounded by the job's overall deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pipeline.errors import CancelledError, DeadlineExceededError
from pipeline.vendors.http import Deadline

T = TypeVar("T")


@dataclass(frozen=True)
class PollPolicy:
    """How often to ask: start at ``interval`` s, multiply by ``backoff`` up to ``max_interval``."""

    interval: float = 2.0
    max_interval: float = 5.0
    backoff: float = 1.25
    deadline: float | None = 6 * 3600.0
    # With blocking queries, a pending answer that took at least this long means the vendor
    # held the request; ask again immediately instead of sleeping.
    held_threshold: float = 1.0


DEFAULT_POLL = PollPolicy()


@dataclass(frozen=True)
class Pending(Generic[T]):
    """A query's answer while the job still runs (``detail`` is the vendor's status text)."""

    detail: str = ""


def poll_until_done(
    query: Callable[[], T | Pending[T]],
    policy: PollPolicy = DEFAULT_POLL,
    *,
    what: str = "job",
    on_pending: Callable[[int, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    cancel: threading.Event | None = None,
) -> T:
    """Call ``query`` until it returns something that is not ``Pending``.

    Args:
        query: asks the vendor once; returns the result or a ``Pending``.
        on_pending: called with (number of queries so far, vendor detail) after each pending answer.
        cancel: set it (from another thread) to stop waiting; the vendor job itself keeps its id
            and can be picked up again later.

    Raises:
        DeadlineExceededError: the job was still pending when ``policy.deadline`` passed.
        CancelledError: ``cancel`` was set.
    """
    deadline = Deadline(policy.deadline, clock)
    interval = policy.interval
    count = 0
    while True:
        if cancel is not None and cancel.is_set():
            raise CancelledError(f"{what}: waiting was cancelled after {count} queries; the job can be resumed by its id")
        started = clock()
        answer = query()
        count += 1
        if not isinstance(answer, Pending):
            return answer
        if on_pending:
            on_pending(count, answer.detail)
        held = clock() - started >= policy.held_threshold
        wait = 0.0 if held else interval
        left = deadline.remaining()
        if left is not None and left <= wait:
            raise DeadlineExceededError(
                f"{what}: still processing after {policy.deadline:.0f} s and {count} queries; "
                f"raise the deadline or resume later with the same task id"
            )
        if wait:
            # An Event's wait returns early when cancelled, a plain sleep would not.
            if cancel is not None:
                cancel.wait(wait)
            else:
                sleep(wait)
            interval = min(policy.max_interval, interval * policy.backoff)
