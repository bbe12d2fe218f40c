"""A batch's cost before anything is paid: each item's estimate, the totals, and the budget check.

Prefect-free, so ``batch --estimate`` answers in a second without starting a server: files are
probed (their duration is what Volcengine bills), URLs and share links are not fetched (see
``pipeline.costs.estimate_for``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flows.batch_state import PAID_STATUSES, STATE_NAME, BatchState
from pipeline import sources
from pipeline.costs import Costs, add_costs, describe_costs, estimate_for, over_budget
from pipeline.errors import BudgetExceededError, PipelineError
from pipeline.media import probe


@dataclass(frozen=True)
class ItemEstimate:
    source: str
    kind: str
    costs: Costs
    basis: str


@dataclass(frozen=True)
class BatchEstimate:
    items: list[ItemEstimate] = field(default_factory=list)

    @property
    def costs(self) -> Costs:
        return add_costs(item.costs for item in self.items)

    def lines(self) -> list[str]:
        """One line per item, then the total: what would be submitted, and at most what it costs."""
        rows = [f"{item.kind:5} {item.source}: {describe_costs(item.costs)} ({item.basis})" for item in self.items]
        return [*rows, f"estimate for {len(self.items)} item(s) to submit: at most {describe_costs(self.costs)}"]


def estimate_item(source: str, resolver: str, expected_seconds_per_link: float) -> ItemEstimate:
    """One item's estimate; a file that cannot be probed costs nothing (it will fail before the vendor)."""
    try:
        src = sources.classify(source)
        seconds = probe.probe(src.value).duration_s if src.kind == "file" else None
    except PipelineError as exc:
        return ItemEstimate(source, "bad", {}, f"not submitted: {exc}")
    costs, basis = estimate_for(src.kind, seconds, resolver, expected_seconds_per_link)
    return ItemEstimate(source, src.kind, {vendor: round(amount, 1) for vendor, amount in costs.items()}, basis)


def paid_earlier(output_dir: str | Path, statuses: tuple[str, ...] = PAID_STATUSES) -> set[str]:
    """Sources whose vendor job an earlier run of this output folder paid for (done, late or in doubt)."""
    return BatchState(Path(output_dir) / STATE_NAME).sources(statuses)


def estimate_batch(rows: list[dict[str, str]], resolver: str, expected_seconds_per_link: float,
                   paid: set[str] | None = None) -> BatchEstimate:
    """Every row's estimate, leaving out those in ``paid`` (a rerun reuses their jobs)."""
    return BatchEstimate([estimate_item(row["source"], resolver, expected_seconds_per_link) for row in rows
                          if row["source"] not in (paid or set())])


def check_budget(estimate: BatchEstimate, budget: Costs | None) -> None:
    """Refuse, before anything is submitted, a batch whose estimate exceeds its budget.

    Raises:
        BudgetExceededError: one line naming each vendor over budget and what to do.
    """
    if not budget:
        return
    over = over_budget(estimate.costs, budget)
    if over:
        raise BudgetExceededError(f"budget: {'; '.join(over)}; nothing was submitted. Raise --budget, split the batch, "
                                  "or see each item's estimate with --estimate")
