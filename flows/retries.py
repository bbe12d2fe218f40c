"""Retry only what can succeed on a second try (a vendor's "task failed" will fail again)."""

from __future__ import annotations

from typing import Any

from pipeline.errors import PipelineError


def retry_if_retryable(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry unknown exceptions and retryable PipelineErrors."""
    try:
        state.result()
    except PipelineError as exc:
        return exc.retryable
    except Exception:
        return True
    return False
