"""Pace requests per vendor account, so a batch stays under the vendor's QPS instead of suffering it.

Volcengine counts requests per appid per second and answers 1003 ("too frequent") beyond its
threshold, for queries as well as submits. Retrying after a 1003 works, but every refused request
is a round trip lost and, for a batch of many jobs polling at once, the refusals come in bursts.
A token bucket shared by every client of one account (every thread of a batch) spaces the
requests out before they are sent. When the vendor still says 1003 (its threshold is lower than
ours, or another process uses the same appid), :meth:`Pacer.back_off` holds every request of that
account back for a moment, and halves the pace for a while.

The pace comes from settings: ``SUBTITLE_PIPELINE_<VENDOR>_QPS`` (for example
``SUBTITLE_PIPELINE_VOLCENGINE_QPS=2``); ``0`` sends unpaced.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from pipeline.env import env_number

#: Requests per second per account when no setting says otherwise; below what the vendors'
#: consoles grant a new account, and far above what one job's polling needs (one query per 2-5 s).
DEFAULT_QPS = {"volcengine": 5.0, "transcriptgenerate": 5.0, "yinzi": 5.0}
QPS_ENV = "SUBTITLE_PIPELINE_{vendor}_QPS"
#: After a "too frequent" answer: how long every request of the account waits, and for how long
#: the pace stays halved.
BACK_OFF_SECONDS = 1.0
SLOW_SECONDS = 30.0


@dataclass(frozen=True)
class Pace:
    """Requests per second (None: unpaced) and how many may go at once after a quiet spell."""

    per_second: float | None
    burst: int = 1


def pace_from_settings(vendor: str, environ: dict[str, str] | None = None) -> Pace:
    """The pace for ``vendor``: ``SUBTITLE_PIPELINE_<VENDOR>_QPS``, else :data:`DEFAULT_QPS`."""
    value = env_number(QPS_ENV.format(vendor=vendor.upper()), environ)
    if value is None:
        value = DEFAULT_QPS.get(vendor)
    return Pace(value if value and value > 0 else None)


class Pacer:
    """A token bucket: :meth:`wait` returns when the next request may go (thread-safe)."""

    def __init__(self, pace: Pace, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.pace = pace
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = clock()  # when the next token is due
        self._hold_until = 0.0
        self._slow_until = 0.0
        self._ahead = threading.local()

    def take_turn_ahead(self) -> float:
        """Wait for a turn now, for this thread's next request, which then goes without waiting.

        For a submit: its intent is written to the ledger just before the request, and a crash
        between the two leaves the job in doubt. Waiting for the pace before the intent keeps
        that window to the request itself.
        """
        slept = self.wait()
        self._ahead.turn = True
        return slept

    def wait(self) -> float:
        """Take one request's turn, sleeping until it comes; returns the seconds slept."""
        if getattr(self._ahead, "turn", False):
            self._ahead.turn = False
            return 0.0
        if self.pace.per_second is None and self._hold_until == 0.0:
            return 0.0
        with self._lock:
            now = self._clock()
            interval = self._interval(now)
            # Tokens saved while idle allow a short burst, never more than ``burst``.
            earliest = max(now - interval * (self.pace.burst - 1), self._hold_until)
            turn = max(self._next, earliest)
            self._next = turn + interval
        delay = max(0.0, turn - now)
        if delay:
            self._sleep(delay)
        return delay

    def back_off(self, seconds: float = BACK_OFF_SECONDS) -> None:
        """The vendor said "too frequent": hold every request back, then go at half pace for a while."""
        with self._lock:
            now = self._clock()
            self._hold_until = max(self._hold_until, now + seconds)
            self._slow_until = now + SLOW_SECONDS

    def _interval(self, now: float) -> float:
        if self.pace.per_second is None:
            return 0.0
        interval = 1.0 / self.pace.per_second
        return 2 * interval if now < self._slow_until else interval


_pacers: dict[tuple[str, str], Pacer] = {}
_pacers_lock = threading.Lock()


def account_key(*parts: str) -> str:
    """A short digest naming an account (base URL and credential) without holding the secret."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def pacer_for(vendor: str, account: str, pace: Pace | None = None) -> Pacer:
    """The one pacer of ``vendor``'s ``account`` in this process (created with ``pace`` on first use)."""
    with _pacers_lock:
        pacer = _pacers.get((vendor, account))
        if pacer is None or (pace is not None and pacer.pace != pace):
            pacer = _pacers[(vendor, account)] = Pacer(pace or pace_from_settings(vendor))
        return pacer


class PacedTransport(httpx.BaseTransport):
    """An httpx transport that waits for the account's pacer before every request."""

    def __init__(self, pacer: Pacer, inner: httpx.BaseTransport | None = None) -> None:
        self.pacer = pacer
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.pacer.wait()
        response = self.inner.handle_request(request)
        if response.status_code == 429:  # the gateway's own "too many requests"
            self.pacer.back_off()
        return response

    def close(self) -> None:
        self.inner.close()


def paced(vendor: str, account: str, pace: Pace | None,
          transport: httpx.BaseTransport | None) -> tuple[Pacer | None, httpx.BaseTransport | None]:
    """The account's pacer and a transport that waits for it; ``(None, transport)`` when unpaced."""
    if pace is None or pace.per_second is None:
        return None, transport
    pacer = pacer_for(vendor, account, pace)
    return pacer, PacedTransport(pacer, transport)
