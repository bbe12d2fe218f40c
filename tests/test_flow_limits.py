"""Vendor slots: a Prefect global concurrency limit per vendor, queued locally for a quick hand-over."""

from __future__ import annotations

import threading

import pytest

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]


def test_ensure_limit_creates_and_resizes_idempotently() -> None:
    from prefect.client.orchestration import get_client

    from flows.limits import ensure_limit

    name = ensure_limit("test-resize", 3)
    assert ensure_limit("test-resize", 3) == name
    ensure_limit("test-resize", 5)
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
    assert (limit.limit, limit.active) == (5, True)


def test_a_slot_passes_to_the_next_waiter_when_released() -> None:
    from flows.limits import ensure_limit, vendor_slot

    ensure_limit("test-handover", 1)
    first_in, release_first, second_in = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with vendor_slot("test-handover"):
            order.append("first in")
            first_in.set()
            release_first.wait(30)
            order.append("first out")

    def second() -> None:
        first_in.wait(30)
        with vendor_slot("test-handover"):
            order.append("second in")
            second_in.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    assert first_in.wait(30)
    assert not second_in.wait(0.5)  # one slot: the second caller is held back while the first holds it
    release_first.set()
    assert second_in.wait(30)
    for t in threads:
        t.join(30)
    assert order == ["first in", "first out", "second in"]


def test_a_run_where_no_batch_made_the_limit_asks_prefect_for_no_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    # Prefect would skip the acquisition anyway, but log "Concurrency limits ... do not exist" as a
    # warning on every single caption run of a fresh server (the quick start's first command).
    import flows.limits as limits

    asked: list[str] = []
    monkeypatch.setattr(limits, "hold_slot", lambda name: asked.append(name) or threading.Lock())
    with limits.vendor_slot("test-never-created"):
        pass
    assert asked == []
    limits.ensure_limit("test-created", 2)
    limits._pools.pop("vendor-test-created")  # as in a process that did not size it
    with limits.vendor_slot("test-created"):
        pass
    assert asked == ["vendor-test-created"]
