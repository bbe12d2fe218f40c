"""Vendor slots: a Prefect global concurrency limit per vendor, queued locally for a quick hand-over."""

from __future__ import annotations

import threading
from pathlib import Path

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


def _active_slots(name: str) -> int:
    """The slots the server counts as taken (none for a limit not created)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return int(client.read_global_concurrency_limit_by_name(name).active_slots)
        except ObjectNotFound:
            return 0


def test_a_batch_refused_by_the_quota_check_holds_no_vendor_slot(tmp_path: Path, silent_wav: Path) -> None:
    # Under a temporary server, a slot still held when the process ends is never given back
    # (its lease dies with the server): a refusal must not have taken any.
    from flows import limits
    from flows.batch import caption_batch
    from pipeline.errors import QuotaExceededError
    from pipeline.sandbox import SandboxConfig, SandboxServer, TranscriptGenerateConfig

    tight = SandboxConfig(vendors={"transcriptgenerate": TranscriptGenerateConfig(total_seconds=10)})
    with SandboxServer(tight) as sandbox:
        with pytest.raises(QuotaExceededError):
            caption_batch(inputs=["https://v.douyin.com/iRNBho6u/", str(silent_wav)], output_dir=str(tmp_path),
                          sandbox_url=sandbox.base_url, concurrency=3)
    assert [pool.name for pool in limits._pools.values() if pool.keepers] == []  # none held, none being taken
    assert _active_slots("vendor-volcengine") == 0


def test_slots_left_by_runs_of_a_gone_temporary_server_are_given_back(monkeypatch: pytest.MonkeyPatch,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    import flows.limits as limits

    name = limits.ensure_limit("test-leaked", 2)
    with get_client(sync_client=True) as client:  # as a killed run on an earlier temporary server left it
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=2))
    monkeypatch.setattr(limits, "uses_temporary_server", lambda: False)
    limits.ensure_limit("test-leaked", 2)
    assert _active_slots(name) == 2  # a lasting server keeps its leases: they expire on their own
    monkeypatch.setattr(limits, "uses_temporary_server", lambda: True)
    monkeypatch.setattr(limits, "_reclaimed", set())  # as in a process that has not ensured it yet
    with caplog.at_level("WARNING", logger="flows.limits"):
        limits.ensure_limit("test-leaked", 2)
    assert _active_slots(name) == 0
    assert "gave back 2 slot(s)" in caplog.text
    with get_client(sync_client=True) as client:  # now the slots are this process's own (serve runs many flows)
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=1))
    limits.ensure_limit("test-leaked", 2)
    assert _active_slots(name) == 1


def test_a_job_that_gets_no_slot_in_time_fails_in_one_line_naming_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    import flows.limits as limits
    from pipeline.errors import SlotUnavailableError

    name = limits.ensure_limit("test-full", 1)
    with get_client(sync_client=True) as client:  # every slot taken by someone else
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=1))
    monkeypatch.setenv(limits.SLOT_WAIT_ENV, "1")
    try:
        with pytest.raises(SlotUnavailableError) as caught:
            with limits.vendor_slot("test-full"):
                pytest.fail("a slot was granted although none was free")
    finally:
        with get_client(sync_client=True) as client:
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))
    message = str(caught.value)
    assert "\n" not in message
    assert "vendor-test-full came free in 1 s (1 of 1 in use)" in message
    assert f"prefect gcl update {name} --active-slots 0" in message
