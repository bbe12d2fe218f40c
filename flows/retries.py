"""Retry only what can succeed on a second try (a vendor's "task failed" will fail again)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import MissingContextError

from pipeline.errors import PipelineError, ResultPendingError
from pipeline.units import wait_text

log = logging.getLogger("flows.retries")


def _logger() -> Any:
    """The run's logger (so the retry shows in the Prefect UI) when there is a run, else this module's."""
    try:
        return get_run_logger()
    except MissingContextError:
        return log


def worth_retrying(exc: BaseException) -> bool:
    """Unknown exceptions and retryable PipelineErrors; never a vendor's verdict (task failed, bad input)."""
    if isinstance(exc, PipelineError):
        return exc.retryable
    return isinstance(exc, Exception)


def retry_if_retryable(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry unknown exceptions and retryable PipelineErrors."""
    try:
        state.result()
    except BaseException as exc:  # noqa: BLE001 - the state's own exception, judged below
        return worth_retrying(exc)
    return False


def retry_delays(task: Any) -> list[float]:
    """A Prefect task's ``retries`` as the list of delays before each retry (empty: no retries)."""
    retries = int(getattr(task, "retries", 0) or 0)
    configured = getattr(task, "retry_delay_seconds", None) or 0
    delays = [float(d) for d in configured] if isinstance(configured, list | tuple) else [float(configured)]
    return [delays[min(i, len(delays) - 1)] for i in range(retries)] if delays else [0.0] * retries


def call_with_task_retries(task: Any, *args: Any, sleep: Callable[[float], None] = time.sleep,
                           rng: random.Random | None = None, **kwargs: Any) -> Any:
    """Call a task's plain function with the task's own retry policy (for steps run inline in a batch).

    Inline, Prefect applies no ``retries=``: without this a batch item would give up on a 1003
    or a cut connection that the same step run alone rides out. Delays get ±20 % jitter so
    many items that failed together do not come back together.
    """
    rng = rng or random.Random()
    delays = retry_delays(task)
    for attempt, delay in enumerate([*delays, None]):
        try:
            return task.fn(*args, **kwargs)
        except Exception as exc:
            if delay is None or not worth_retrying(exc):
                raise
            wait = delay * rng.uniform(0.8, 1.2)
            _logger().warning("%s: %s; retry %d/%d in %s", task.name, exc, attempt + 1, len(delays), wait_text(wait))
            sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises


@contextmanager
def result_pending_on_transient_failure(what: str, task_id: str) -> Iterator[None]:
    """Turn a passing failure while waiting for a submitted job into ``ResultPendingError``.

    The job's task id is in the ledger and the vendor can still answer for it: the item is not
    failed, its result is only late. A vendor's verdict (the job failed, unknown id) stays as it is.
    """
    try:
        yield
    except ResultPendingError:
        raise
    except PipelineError as exc:
        if not worth_retrying(exc):
            raise
        raise ResultPendingError(what, task_id, exc) from exc
