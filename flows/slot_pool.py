"""Hand Prefect concurrency slots from one vendor job to the next without asking the server again.

Why: with one Prefect slot per job, every job costs three API writes (acquire, renew, release),
and a caller that finds the limit full sleeps for the server's ``Retry-After`` (up to 30 s, scaled
by the queue) while slots freed meanwhile stay idle. On SQLite those writes also collide with
everything else the server records and come back as 503s with 2 s, 4 s, ... back-offs.

A pool keeps up to ``size`` slots of one global limit, each held by a keeper thread inside
Prefect's own ``concurrency()`` (which renews the lease, and lets it expire if the process dies).
A keeper passes its slot to one waiting job after another, and gives it back to Prefect once no
job has wanted it for ``idle_seconds``, so other processes' runs are not kept waiting by an idle
pool. The global limit still bounds every process together.
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager


class _Ticket:
    """One job's place in the queue: granted a slot, or told why none came."""

    def __init__(self) -> None:
        self.granted = threading.Event()
        self.returned = threading.Event()
        self.error: BaseException | None = None


class SlotPool:
    """Up to ``size`` slots of one limit, handed over locally (see the module docstring).

    ``hold_slot`` is a context manager factory that holds one slot of the global limit while open
    (``prefect.concurrency.sync.concurrency`` in production; anything with the same shape in tests).
    """

    def __init__(self, size: int, hold_slot: Callable[[], AbstractContextManager[object]], idle_seconds: float = 1.0,
                 name: str = "slots") -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self.size = size
        self.idle_seconds = idle_seconds
        self.name = name
        self._hold_slot = hold_slot
        self._cond = threading.Condition()
        self._waiting: deque[_Ticket] = deque()
        self._keepers = 0
        self._idle = 0
        self._draining = False

    @property
    def keepers(self) -> int:
        """Slots this pool holds (or is acquiring) right now."""
        with self._cond:
            return self._keepers

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the block; waits while the pool's slots are all in use."""
        ticket = _Ticket()
        with self._cond:
            self._waiting.append(ticket)
            if len(self._waiting) > self._idle and self._keepers < self.size:
                self._keepers += 1
                self._start_keeper()
            self._cond.notify()
        try:
            ticket.granted.wait()
        except BaseException:  # interrupted while queued: leave the queue, or hand back a slot just granted
            with self._cond:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
            ticket.returned.set()
            raise
        if ticket.error is not None:
            raise ticket.error
        try:
            yield
        finally:
            ticket.returned.set()

    def warm(self, count: int, wait_seconds: float = 30.0) -> None:
        """Start taking up to ``count`` slots now, for jobs that will ask within ``wait_seconds``.

        A batch calls this before its items are prepared, so that acquiring the slots (an API
        round trip each, slow while the server records the batch's new task runs) overlaps the
        preparation instead of following it.
        """
        with self._cond:
            extra = max(0, min(count, self.size) - self._keepers)
            self._keepers += extra
        for _ in range(extra):
            self._start_keeper(first_wait=wait_seconds)

    def _start_keeper(self, first_wait: float | None = None) -> None:
        # A copy of the caller's context: Prefect finds its API settings (and test harness) there.
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(self._keep, first_wait), name=f"{self.name}-keeper",
                         daemon=True).start()

    def cancel_waiting(self, error: BaseException) -> int:
        """Fail every job still queued for a slot with ``error``; returns how many there were.

        For a batch that is stopping (SIGTERM, Ctrl-C, a crash): its queued jobs would otherwise
        wait for slots that may never come, and the process could not exit until they did.
        """
        with self._cond:
            doomed, self._waiting = list(self._waiting), deque()
            self._cond.notify_all()
        for ticket in doomed:
            ticket.error = error
            ticket.granted.set()
        return len(doomed)

    def drain(self, timeout: float = 30.0) -> None:
        """Give every idle slot back to Prefect now (the end of a batch) and wait until it is."""
        with self._cond:
            self._draining = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._keepers == 0 or bool(self._waiting), timeout)
            self._draining = False

    def _keep(self, first_wait: float | None = None) -> None:
        error: BaseException | None = None
        try:
            with self._hold_slot():
                wait = first_wait or self.idle_seconds
                while (ticket := self._next_ticket(wait)) is not None:
                    ticket.granted.set()
                    ticket.returned.wait()
                    wait = self.idle_seconds
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting jobs, which raise it
            error = exc
        self._retire(error)

    def _next_ticket(self, wait: float) -> _Ticket | None:
        """The next waiting job; None after ``wait`` seconds without one, or when draining."""
        with self._cond:
            self._idle += 1
            self._cond.wait_for(lambda: bool(self._waiting) or self._draining, timeout=wait)
            self._idle -= 1
            return self._waiting.popleft() if self._waiting else None

    def _retire(self, error: BaseException | None) -> None:
        """Count this keeper out once its slot is back; the queue must not be left unserved."""
        doomed: list[_Ticket] = []
        with self._cond:
            self._keepers -= 1
            if error is None and len(self._waiting) > self._idle and self._keepers < self.size:
                # A job came in while this keeper was giving its slot back.
                self._keepers += 1
                self._start_keeper()
            elif error is not None and self._waiting and self._keepers == 0:
                doomed, self._waiting = list(self._waiting), deque()
            self._cond.notify_all()
        for ticket in doomed:
            ticket.error = error
            ticket.granted.set()
