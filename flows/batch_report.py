"""The batch's artifacts: the items table and the summary, as the Prefect UI shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.batch_state import BatchSummary, ItemResult
from pipeline.costs import describe_costs


def table_rows(results: list[ItemResult]) -> list[dict[str, Any]]:
    """The ``batch-items`` table; the media duration only where this run measured it (done items)."""
    return [{"input": r.label or r.source, "status": r.status, "vendor task": r.task_id,
             "duration (s)": round(r.duration_s, 1) if r.status == "done" else "",
             "reused": "yes" if r.reused_task else "",
             "cost": describe_costs(r.costs) if r.costs else ("paid earlier" if r.reused_task else ""),
             "outputs": ", ".join(Path(p).name for p in r.outputs.values()), "error": table_error(r)} for r in results]


def table_error(result: ItemResult) -> str:
    """The error with its reason first: the UI cuts a long cell, and a leading full path hid the reason.

    "/in/a/broken.mp4: not a readable ..." becomes "not a readable ... (broken.mp4)"; the path of
    the item itself is dropped, since the input column already names it.
    """
    where, sep, reason = result.error.partition(": ")
    if not sep or not (where == result.source or "/" in where or "\\" in where):
        return result.error
    return reason if where == result.source else f"{reason} ({Path(where).name})"


def summary_markdown(summary: BatchSummary) -> str:
    failed = [r for r in summary.items if r.status == "failed"]
    doubtful = [r for r in summary.items if r.status == "in_doubt"]
    lines = [f"## Batch: {summary.line()}", ""]
    if failed:
        lines += ["### Failed items", "", *[f"- `{r.label or r.source}`: {r.error}" for r in failed], "",
                  "Rerun with `retry_failed_only=true` to try just these."]
    if doubtful:
        lines += ["", "### In doubt (the vendor may have the job and charge it)", "",
                  *[f"- `{r.label or r.source}`" for r in doubtful], "",
                  "Check the vendor's console; `resubmit_in_doubt=true` submits these again (and may pay twice)."]
    late = [r for r in summary.items if r.status == "pending"]
    if late:
        lines += ["", "### Waiting on the vendor (submitted and paid, result not fetched yet)", "",
                  *[f"- `{r.label or r.source}`: vendor task {r.task_id}" for r in late], "",
                  "Rerun the batch (or `retry_failed_only=true`) to collect them; nothing is submitted again."]
    lines += ["", f"State file: `{summary.state_file}`"]
    return "\n".join(lines)
