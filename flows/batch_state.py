"""What a batch remembers: one result per item, the run's summary, and ``.batch.json`` between runs.

Prefect-free, so the CLI, the estimate and tests read a batch's state without a server.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.costs import add_costs, describe_costs
from pipeline.fileio import write_text_atomic

#: The batch's memory of its items, in its output folder.
STATE_NAME = ".batch.json"
#: Outcomes whose vendor job is paid already: a rerun reuses it from the ledger.
PAID_STATUSES = ("done", "pending", "in_doubt")


@dataclass
class ItemResult:
    """One row of the batch table."""

    source: str
    status: str  # done | failed | in_doubt | pending (the vendor has the job, its result is late) | skipped
    label: str = ""
    kind: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    task_id: str = ""
    duration_s: float = 0.0
    reused_task: bool = False
    error: str = ""
    seconds: float = 0.0
    options: str = ""  # fingerprint of the options that shaped the outputs (``options_fingerprint``)
    costs: dict[str, float] = field(default_factory=dict)  # paid in this run, per vendor in its unit (pipeline.costs)
    output_name: str = ""  # the outputs' path stem in the output folder, kept for reruns ("" for a link: its title)
    row: dict[str, str] = field(default_factory=dict)  # the input row, manifest columns included, for reruns


@dataclass(frozen=True)
class BatchSummary:
    total: int
    done: int
    failed: int
    skipped: int
    items: list[ItemResult]
    state_file: str
    in_doubt: int = 0
    pending: int = 0

    @property
    def ok(self) -> bool:
        return not (self.failed or self.in_doubt or self.pending)

    @property
    def costs(self) -> dict[str, float]:
        """What this run paid, per vendor in its own unit (reused and skipped items cost nothing)."""
        return add_costs(item.costs for item in self.items)

    def line(self) -> str:
        doubt = f", {self.in_doubt} in doubt (may be charged; see --resubmit-in-doubt)" if self.in_doubt else ""
        late = (f", {self.pending} waiting on the vendor (submitted and paid; rerun to collect, nothing is submitted "
                "again)") if self.pending else ""
        return (f"{self.done} done, {self.failed} failed{doubt}{late}, {self.skipped} already done (of {self.total}); "
                f"paid: {describe_costs(self.costs)}")


def options_fingerprint(options: dict[str, Any]) -> str:
    """A short stable digest of the options that shape an item's outputs (formats, language, line rules ...).

    Recorded with each finished item: a rerun with other options redoes the local steps (the paid
    vendor job is reused from the ledger), one with the same options skips the item.
    """
    material = json.dumps(options, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(material.encode()).hexdigest()[:16]


class BatchState:
    """Outcome of every item of a batch folder, kept in ``.batch.json`` (written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self.items: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            self.items = {}

    def finished(self, source: str, fingerprint: str) -> bool:
        """Done earlier with the same options, and every output still there."""
        entry = self.items.get(source) or {}
        return (entry.get("status") == "done" and entry.get("options") == fingerprint
                and all(Path(p).exists() for p in entry.get("outputs", {}).values()))

    def rows(self, statuses: tuple[str, ...]) -> list[dict[str, str]]:
        """The input rows (manifest columns included) of items that ended in one of ``statuses``."""
        return [e.get("row") or {"source": s} for s, e in self.items.items() if e.get("status") in statuses]

    def sources(self, statuses: tuple[str, ...]) -> set[str]:
        """The sources of items that ended in one of ``statuses``."""
        return {s for s, e in self.items.items() if isinstance(e, dict) and e.get("status") in statuses}

    def output_names(self) -> dict[str, str]:
        """Each recorded item's output stem, so a rerun names an item as before (new files never rename it)."""
        return {s: e["output_name"] for s, e in self.items.items() if e.get("output_name")}

    def record(self, result: ItemResult) -> None:
        with self._lock:
            self.items[result.source] = asdict(result)
            write_text_atomic(self.path, json.dumps(self.items, ensure_ascii=False, indent=1))


def item_label(source: str, output_name: str) -> str:
    """A file item's name in tables and the UI: its place below the batch folder (``a/clip.mp4``), else its name."""
    parent = Path(output_name).parent if "/" in output_name else None
    return f"{parent.as_posix()}/{Path(source).name}" if parent else Path(source).name
