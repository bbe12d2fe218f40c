"""Prefect global concurrency limits, one per vendor, so batches never exceed a vendor's quota.

A slot is held for a vendor job from submit to result, which is what vendors count as "running"
(TranscriptGenerate answers 601 "Concurrency limit reached" beyond ``maxConcurrency``); local
steps (probe, extract, checks, subtitles) run outside it, so they overlap other items' jobs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound

from flows.slot_pool import SlotPool

# Slots are leased and renewed while held; a killed process's slots return after the lease
# (Prefect's default 300 s would block a resumed batch for five minutes).
LEASE_SECONDS = 60.0


# One pool per limit and process, sized by ensure_limit (see flows.slot_pool for why).
_pools: dict[str, SlotPool] = {}
_pools_lock = threading.Lock()


def limit_name(vendor: str) -> str:
    return f"vendor-{vendor}"


def ensure_limit(vendor: str, slots: int) -> str:
    """Create the vendor's limit, or resize it to ``slots``; safe to call on every run."""
    name = limit_name(vendor)
    with _pools_lock:
        if name not in _pools or _pools[name].size != slots:
            _pools[name] = SlotPool(slots, partial(hold_slot, name), name=name)
    with get_client(sync_client=True) as client:
        try:
            current = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=slots, active=True))
            return name
        if current.limit != slots or not current.active:
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=slots, active=True))
    return name


def hold_slot(name: str) -> AbstractContextManager[object]:
    """One slot of the named global limit, leased and renewed while held."""
    return concurrency(name, occupy=1, strict=False, lease_duration=LEASE_SECONDS)


def limit_exists(name: str) -> bool:
    """True when the server has the named global concurrency limit."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            return False
    return True


@contextmanager
def vendor_slot(vendor: str) -> Iterator[None]:
    """Hold one of the vendor's slots (waits while all are taken; no limit, no wait).

    In a process that sized the limit (a batch), slots come from its pool and pass from job to
    job locally; elsewhere each call takes its own slot from Prefect. Where no batch has
    created the limit yet (a single run on a fresh server, such as the quick start's), there is
    nothing to wait for: asking Prefect anyway would only log a warning that looks like a
    misconfiguration on every such run.
    """
    name = limit_name(vendor)
    pool = _pools.get(name)
    if pool is None and not limit_exists(name):
        yield
        return
    with pool.slot() if pool is not None else hold_slot(name):
        yield


def release_idle_slots() -> None:
    """Give this process's pooled slots back to Prefect now, rather than after their idle time.

    Called at the end of a batch: a process that exits right after would otherwise leave its
    slots leased until the lease runs out, stalling the next run for up to ``LEASE_SECONDS``.
    """
    for pool in list(_pools.values()):
        pool.drain()


def warm_slots(vendor: str, jobs: int) -> None:
    """Start taking the slots ``jobs`` upcoming jobs will need (no-op without a pool)."""
    pool = _pools.get(limit_name(vendor))
    if pool is not None:
        pool.warm(jobs)
