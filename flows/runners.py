"""The batch flow's task runner, chosen by settings so a deployment can move batches onto Dask.

Why a setting and not a flow parameter: Prefect fixes a flow's task runner when the flow object
is built (``@flow(task_runner=...)``), before any parameter is known. The choice is therefore
read from the environment when ``flows.batch`` is imported (set it before starting the process
or worker that runs batches; ``caption_batch.with_options(task_runner=...)`` overrides it in
code).

Settings (environment variables):

``SUBTITLE_PIPELINE_TASK_RUNNER``
    ``thread`` (default): Prefect's ``ThreadPoolTaskRunner`` in the flow's process.
    ``dask``: ``prefect_dask.DaskTaskRunner`` (install the ``dask`` extra:
    ``pip install 'subtitle-pipeline[dask]'``).
``SUBTITLE_PIPELINE_TASK_WORKERS``
    thread runner: threads (default 16). Items mostly wait on the vendor, so more threads than
    cores is right; the vendor concurrency limit, not this, bounds running jobs.
``SUBTITLE_PIPELINE_DASK_ADDRESS``
    address of an existing Dask scheduler (``tcp://host:8786``); unset: a local cluster is
    started for each batch run and stopped after it.
``SUBTITLE_PIPELINE_DASK_WORKERS`` / ``SUBTITLE_PIPELINE_DASK_THREADS``
    local cluster only: worker count (default 2) and threads per worker (default 8).
``SUBTITLE_PIPELINE_DASK_PROCESSES``
    local cluster only: ``0`` (default) runs the workers as threads of this process, ``1`` as
    separate processes. Items' inputs and results pickle (plain dicts, strings and dataclasses),
    but the submission ledger (``.jobs.json``) serialises writers with in-process locks only:
    two worker *processes* writing one output folder can race (a lost entry means a rerun pays
    again; the same clip twice in one batch may be submitted twice). Keep ``0`` unless every
    worker process writes its own output folder.
"""

from __future__ import annotations

import os
from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from pipeline.errors import InputError

RUNNER_ENV = "SUBTITLE_PIPELINE_TASK_RUNNER"
DEFAULT_THREADS = 16


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise InputError(f"{name} must be at least 1, not {value}")
    return value


def dask_runner() -> TaskRunner[Any]:
    """A ``DaskTaskRunner`` for the address or local cluster the settings describe."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise InputError(f"{RUNNER_ENV}=dask needs prefect-dask: pip install 'subtitle-pipeline[dask]'") from None
    address = os.environ.get("SUBTITLE_PIPELINE_DASK_ADDRESS", "").strip()
    if address:
        return DaskTaskRunner(address=address)
    processes = os.environ.get("SUBTITLE_PIPELINE_DASK_PROCESSES", "0").strip().lower() in {"1", "true", "yes"}
    cluster_kwargs = {
        "n_workers": _int_env("SUBTITLE_PIPELINE_DASK_WORKERS", 2),
        "threads_per_worker": _int_env("SUBTITLE_PIPELINE_DASK_THREADS", 8),
        "processes": processes,
        "dashboard_address": None,  # no web server on a port nobody asked for
    }
    return DaskTaskRunner(cluster_kwargs=cluster_kwargs)


def task_runner_from_settings() -> TaskRunner[Any]:
    """The task runner ``SUBTITLE_PIPELINE_TASK_RUNNER`` asks for (default: 16 threads)."""
    kind = os.environ.get(RUNNER_ENV, "thread").strip().lower() or "thread"
    if kind in {"thread", "threads"}:
        return ThreadPoolTaskRunner(max_workers=_int_env("SUBTITLE_PIPELINE_TASK_WORKERS", DEFAULT_THREADS))
    if kind == "dask":
        return dask_runner()
    raise InputError(f"{RUNNER_ENV}={kind!r}: use thread or dask")
