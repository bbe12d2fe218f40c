"""Lint a bilingual file half by half, each under its own language's rules, with the alignment's warnings.

A bilingual cue holds source lines then translation lines, so the file as a whole breaks
every rule of either language (four lines, two widths). The alignment report written beside
it (``<stem>.bilingual.align.json``, :mod:`~pipeline.translation.report`) says how many lines of
each cue are the source's and which languages they are; with it, the source halves are linted
under the source's rules and the translation halves under the target's, and every pair that
looks wrong comes back as a ``warning`` on the cue that shows it.

Example:
    >>> from pipeline.subtitles.cues import Cue
    >>> split_bilingual([Cue(0, 900, ("你好", "Hello"))], [1])
    ([Cue(start_ms=0, end_ms=900, lines=('你好',))], [Cue(start_ms=0, end_ms=900, lines=('Hello',))])
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.subtitles.cues import Cue
from pipeline.subtitles.lint import WARNING, LintIssue
from pipeline.translation.report import REPORT_FORMAT, REPORT_SUFFIX

BILINGUAL_MARK = ".bilingual"


def report_path(subtitle_path: str | Path) -> Path | None:
    """``X.bilingual.align.json`` for ``X.bilingual.srt`` (``.vtt``, ``.ass``); None for other names."""
    path = Path(subtitle_path)
    if not path.stem.endswith(BILINGUAL_MARK):
        return None
    return path.with_name(path.stem[: -len(BILINGUAL_MARK)] + REPORT_SUFFIX)


def load_report(subtitle_path: str | Path) -> dict[str, Any] | None:
    """The alignment report beside a bilingual file, or None when there is none (or it is not ours)."""
    path = report_path(subtitle_path)
    if path is None or not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == REPORT_FORMAT else None


def split_bilingual(cues: Sequence[Cue], source_lines: Sequence[int]) -> tuple[list[Cue], list[Cue]]:
    """Each cue's first ``source_lines[i]`` lines as the source cues, the rest as the translation's.

    A cue whose half is empty is left out of that half (a source sentence with no translation).
    """
    source: list[Cue] = []
    target: list[Cue] = []
    for cue, count in zip(cues, source_lines, strict=True):
        if cue.lines[:count]:
            source.append(Cue(cue.start_ms, cue.end_ms, cue.lines[:count]))
        if cue.lines[count:]:
            target.append(Cue(cue.start_ms, cue.end_ms, cue.lines[count:]))
    return source, target


def alignment_issues(cues: Sequence[Cue], pairs: Sequence[Mapping[str, Any]]) -> list[LintIssue]:
    """A warning per pair that looks wrong, on the cue showing the pair's start."""
    starts = [cue.start_ms for cue in cues]
    issues = []
    for pair in pairs:
        if not pair.get("problem") or not cues:
            continue
        index = max(0, bisect_right(starts, int(pair.get("start_ms", 0))) - 1)
        text = f"pair {int(pair.get('index', 0)) + 1} ({pair.get('kind')}): {pair['problem']}"
        issues.append(LintIssue(index, "alignment", text, WARNING))
    return issues


__all__ = ["alignment_issues", "load_report", "report_path", "split_bilingual"]
