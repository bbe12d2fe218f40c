"""What the alignment did, pair by pair, and which pairs look wrong.

Every bead becomes a :class:`Pair`: its kind, both texts, the length ratio and δ, the time span
it was given, and a ``problem`` when it looks wrong (a forced 1:0 or 0:1, an extreme ratio, a
length difference far beyond the usual spread; :func:`~pipeline.translation.sentence_align.suspicious`).
The flows show :func:`markdown` as the run's artifact and log :func:`warnings`; the JSON form
(:func:`report_dict`) is written beside the bilingual files, where ``lint`` finds it.

Example:
    >>> from pipeline.translation.sentence_align import Bead
    >>> pair = Pair(0, "1:0", "嗯。", "", None, 1.2, 0, 400, "source sentence with no translation (1:0)")
    >>> warning_line(pair)
    'pair 1 (1:0, 00:00:00.000-00:00:00.400): source sentence with no translation (1:0): 嗯。 | —'
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.subtitles.bilingual import REPORT_FORMAT, REPORT_SUFFIX
from pipeline.translation.sentence_align import Bead, suspicious
from pipeline.translation.sentences import Sentence
from pipeline.translation.timing import TimedGroup, TimedSentence

_SHOWN_CHARS = 60


@dataclass(frozen=True)
class Pair:
    """One bead as the report shows it (``index`` 0-based; times in milliseconds)."""

    index: int
    kind: str
    source: str
    target: str
    ratio: float | None
    delta: float
    start_ms: int
    end_ms: int
    problem: str | None


def pairs(beads: Sequence[Bead], sources: Sequence[TimedSentence], targets: Sequence[Sentence],
          groups: Sequence[TimedGroup], scale: tuple[float, float]) -> list[Pair]:
    """The beads as pairs; a 0:1 bead carries the span of the group it was timed with."""
    timed = [g for g in groups if g.tgt_start < g.tgt_end]
    firsts = [g.tgt_start for g in timed]
    out = []
    for index, bead in enumerate(beads):
        if bead.src_start < bead.src_end:
            start, end = sources[bead.src_start].start_ms, sources[bead.src_end - 1].end_ms
        elif timed:
            group = timed[max(0, bisect_right(firsts, bead.tgt_start) - 1)]
            start, end = group.start_ms, group.end_ms
        else:
            start = end = 0
        source = " ".join(s.text for s in sources[bead.src_start:bead.src_end])
        target = " ".join(t.text for t in targets[bead.tgt_start:bead.tgt_end])
        out.append(Pair(index, bead.kind, source, target, bead.ratio, bead.delta, start, end,
                        suspicious(bead, scale=scale)))
    return out


def _clock(ms: int) -> str:
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_CHARS else flat[: _SHOWN_CHARS - 1] + "…"


def warning_line(pair: Pair) -> str:
    """One line naming the pair, its span, what looks wrong and both texts (shortened)."""
    return (f"pair {pair.index + 1} ({pair.kind}, {_clock(pair.start_ms)}-{_clock(pair.end_ms)}): {pair.problem}: "
            f"{_short(pair.source) or '—'} | {_short(pair.target) or '—'}")


def warnings(found: Sequence[Pair]) -> list[str]:
    """A line for each pair that looks wrong."""
    return [warning_line(p) for p in found if p.problem]


def kind_counts(found: Sequence[Pair]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair in found:
        counts[pair.kind] = counts.get(pair.kind, 0) + 1
    return dict(sorted(counts.items()))


def _cell(text: str) -> str:
    return _short(text).replace("|", "\\|") or "—"


def markdown(found: Sequence[Pair], source_language: str, target_language: str, max_rows: int = 200) -> str:
    """The artifact: counts by kind, the pairs that look wrong, then every pair (up to ``max_rows``)."""
    flagged = [p for p in found if p.problem]
    counts = ", ".join(f"{kind} ×{n}" for kind, n in kind_counts(found).items()) or "none"
    lines = [f"## Translation {source_language} → {target_language}: sentence alignment", "",
             f"- **Pairs**: {len(found)} ({counts})", f"- **Look wrong**: {len(flagged)}", ""]
    if flagged:
        lines += ["### Pairs that look wrong", ""] + [f"- {warning_line(p)}" for p in flagged] + [""]
    lines += ["| # | kind | time | ratio | δ | source | translation | problem |", "|---|---|---|---|---|---|---|---|"]
    for pair in found[:max_rows]:
        ratio = f"{pair.ratio:.2f}" if pair.ratio is not None else "—"
        lines.append(f"| {pair.index + 1} | {pair.kind} | {_clock(pair.start_ms)} | {ratio} | {pair.delta:.2f} | "
                     f"{_cell(pair.source)} | {_cell(pair.target)} | {pair.problem or ''} |")
    if len(found) > max_rows:
        lines.append(f"\n… {len(found) - max_rows} more pairs in the JSON report beside the files")
    return "\n".join(lines) + "\n"


def report_dict(found: Sequence[Pair], source_language: str, target_language: str,
                source_lines: Sequence[int] = ()) -> dict[str, Any]:
    """The JSON report: languages, every pair, and how many lines of each bilingual cue are the source's."""
    return {
        "format": REPORT_FORMAT,
        "source_language": source_language,
        "target_language": target_language,
        "kinds": kind_counts(found),
        "pairs": [asdict(p) for p in found],
        "bilingual_source_lines": list(source_lines),
    }


__all__ = ["REPORT_FORMAT", "REPORT_SUFFIX", "Pair", "kind_counts", "markdown", "pairs", "report_dict", "warning_line", "warnings"]
