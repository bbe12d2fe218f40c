"""SlotPool: slots of a global limit passed from job to job locally, given back when idle."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from flows.slot_pool import SlotPool


class FakeLimit:
    """A global limit of ``size`` slots that counts how often a slot was taken from it."""

    def __init__(self, size: int, fail: BaseException | None = None) -> None:
        self.sem = threading.BoundedSemaphore(size)
        self.acquired = 0
        self.held = 0
        self.most_held = 0
        self.fail = fail
        self.lock = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        if self.fail is not None:
            raise self.fail
        with self.sem:
            with self.lock:
                self.acquired += 1
                self.held += 1
                self.most_held = max(self.most_held, self.held)
            try:
                yield
            finally:
                with self.lock:
                    self.held -= 1


def run_jobs(pool: SlotPool, count: int, gate: threading.Barrier | None = None) -> list[int]:
    """``count`` threads each take a slot; returns how many jobs held one at once, per job."""
    inside = []
    lock = threading.Lock()
    busy = [0]

    def job() -> None:
        with pool.slot():
            with lock:
                busy[0] += 1
                inside.append(busy[0])
            if gate is not None:
                gate.wait(10)
            with lock:
                busy[0] -= 1

    threads = [threading.Thread(target=job) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    return inside


def test_slots_pass_between_jobs_without_asking_the_limit_again() -> None:
    limit = FakeLimit(3)
    pool = SlotPool(3, limit.hold, idle_seconds=5)
    inside = run_jobs(pool, 30)
    assert len(inside) == 30 and max(inside) <= 3
    assert limit.acquired <= 3  # 30 jobs, at most one acquisition per slot
    pool.drain()
    assert pool.keepers == 0 and limit.held == 0


def test_the_pool_fills_all_its_slots_when_jobs_wait() -> None:
    limit = FakeLimit(4)
    pool = SlotPool(4, limit.hold, idle_seconds=5)
    inside = run_jobs(pool, 4, gate=threading.Barrier(4))  # all four must be inside together to pass
    assert sorted(inside)[-1] == 4 and limit.most_held == 4
    pool.drain()


def test_idle_slots_go_back_to_the_limit() -> None:
    limit = FakeLimit(2)
    pool = SlotPool(2, limit.hold, idle_seconds=0.05)
    run_jobs(pool, 2)
    with limit.sem, limit.sem:  # both slots free again without a drain: the idle keepers gave them back
        pass
    run_jobs(pool, 1)  # and the pool takes a slot again when a new job comes
    assert limit.acquired >= 2
    pool.drain()


def test_a_failing_limit_fails_the_waiting_jobs_instead_of_hanging_them() -> None:
    pool = SlotPool(2, FakeLimit(2, fail=RuntimeError("API down")).hold)
    with pytest.raises(RuntimeError, match="API down"):
        with pool.slot():
            pass
    assert pool.keepers == 0


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        SlotPool(0, FakeLimit(1).hold)


def test_warm_takes_slots_before_the_jobs_ask() -> None:
    limit = FakeLimit(4)
    pool = SlotPool(2, limit.hold, idle_seconds=5)
    pool.warm(5)  # never more than the pool's size
    deadline = time.monotonic() + 10
    while limit.held < 2:  # the keepers acquire in the background
        assert time.monotonic() < deadline, "warm() took no slots"
        time.sleep(0.01)
    assert limit.held == 2 and pool.keepers == 2
    run_jobs(pool, 6)
    assert limit.acquired == 2  # the jobs used the warm slots
    pool.drain()
    assert limit.held == 0


def test_jobs_queued_for_a_slot_are_stopped_when_the_batch_stops() -> None:
    # A slot that never comes (another process holds the limit): without this, a SIGTERM'd
    # batch could not exit until Prefect's acquisition gave up, minutes later.
    never = threading.Event()

    @contextmanager
    def blocked() -> Iterator[None]:
        never.wait(60)
        yield

    pool = SlotPool(1, blocked)
    outcome: list[BaseException] = []

    def job() -> None:
        try:
            with pool.slot():
                pytest.fail("a slot was granted")
        except RuntimeError as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=job)
    waiter.start()
    for _ in range(500):  # until the job is queued
        if pool._waiting:
            break
        time.sleep(0.01)
    assert pool.cancel_waiting(RuntimeError("stopping")) == 1
    waiter.join(10)
    never.set()
    assert not waiter.is_alive() and [str(e) for e in outcome] == ["stopping"]
