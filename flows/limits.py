"""Prefect global concurrency limits, one per vendor, so batches never exceed a vendor's quota.

A slot is held for a vendor job from submit to result, which is what vendors count as "running"
(TranscriptGenerate answers 601 "Concurrency limit reached" beyond ``maxConcurrency``); local
steps (probe, extract, checks, subtitles) run outside it, so they overlap other items' jobs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import partial

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL

from flows.slot_pool import SlotPool
from pipeline.env import env_number
from pipeline.errors import SlotUnavailableError

log = logging.getLogger(__name__)

# Slots are leased and renewed while held; a killed process's slots return after the lease
# (Prefect's default 300 s would block a resumed batch for five minutes).
LEASE_SECONDS = 60.0

#: How long a job waits for a vendor slot before it fails in one line naming the limit.
SLOT_WAIT_ENV = "SUBTITLE_PIPELINE_SLOT_WAIT_SECONDS"
DEFAULT_SLOT_WAIT_SECONDS = 600.0


# One pool per limit and process, sized by ensure_limit (see flows.slot_pool for why).
_pools: dict[str, SlotPool] = {}
_pools_lock = threading.Lock()
_reclaimed: set[str] = set()  # limits whose stale slots this process has already given back


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
        # Once per process and limit, before this process took any of its slots: later, active
        # slots may be this process's own (serve runs several flows in one process).
        stale = current.active_slots if uses_temporary_server() and name not in _reclaimed else 0
        _reclaimed.add(name)
        if current.limit != slots or not current.active or stale:
            update = GlobalConcurrencyLimitUpdate(limit=slots, active=True)
            if stale:
                update.active_slots = 0
            client.update_global_concurrency_limit(name, update)
        if stale:
            log.warning("%s: gave back %d slot(s) still counted for earlier runs; their leases lived in a temporary "
                        "Prefect server that is gone", name, stale)
    return name


def uses_temporary_server() -> bool:
    """True when this process runs on a temporary Prefect server that it started itself.

    Prefect keeps slot leases in the server's memory: when a temporary server stops, the leases of
    slots still held (a killed or refused run) go with it, and nothing ever gives those slots
    back. A fresh temporary server holds no lease, so every active slot it finds is such a
    leftover. (Two commands running at once each start their own temporary server on the same
    database and cannot see each other's leases either way; keep a server running for that.)
    """
    return not PREFECT_API_URL.value()


def slot_wait_seconds() -> float:
    """The bound on waiting for a slot (``SUBTITLE_PIPELINE_SLOT_WAIT_SECONDS``, default 600)."""
    value = env_number(SLOT_WAIT_ENV)
    return value if value is not None and value > 0 else DEFAULT_SLOT_WAIT_SECONDS


def hold_slot(name: str) -> AbstractContextManager[object]:
    """One slot of the named global limit, leased and renewed while held; waits at most ``slot_wait_seconds``."""
    return concurrency(name, occupy=1, strict=False, lease_duration=LEASE_SECONDS, timeout_seconds=slot_wait_seconds())


def slot_unavailable(name: str) -> SlotUnavailableError:
    """The one-line error for a slot that did not come free: which limit, how full, how to reset it."""
    try:
        with get_client(sync_client=True) as client:
            current = client.read_global_concurrency_limit_by_name(name)
        usage = f" ({current.active_slots} of {current.limit} in use)"
    except Exception:  # noqa: BLE001 - the message is worth giving without the numbers
        usage = ""
    return SlotUnavailableError(
        f"no slot of Prefect's concurrency limit {name} came free in {slot_wait_seconds():.0f} s{usage}; if no other "
        f"run is using it, reset it with `prefect gcl update {name} --active-slots 0` and rerun")


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
    with ExitStack() as held:
        try:
            held.enter_context(pool.slot() if pool is not None else hold_slot(name))
        except (TimeoutError, ConcurrencySlotAcquisitionError) as exc:
            raise slot_unavailable(name) from exc
        yield


def release_idle_slots() -> None:
    """Give this process's pooled slots back to Prefect now, rather than after their idle time.

    Called at the end of a batch: a process that exits right after would otherwise leave its
    slots leased until the lease runs out, stalling the next run for up to ``LEASE_SECONDS``.
    """
    for pool in list(_pools.values()):
        pool.drain()


def cancel_slot_waits(reason: str) -> None:
    """Fail every job of this process still waiting for a vendor slot (the batch is stopping)."""
    for pool in list(_pools.values()):
        if pool.cancel_waiting(SlotUnavailableError(f"{pool.name}: {reason}")):
            log.warning("%s: stopped the jobs still waiting for a slot (%s)", pool.name, reason)


def warm_slots(vendor: str, jobs: int) -> None:
    """Start taking the slots ``jobs`` upcoming jobs will need (no-op without a pool)."""
    pool = _pools.get(limit_name(vendor))
    if pool is not None:
        pool.warm(jobs)
