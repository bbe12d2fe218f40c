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

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.subtitles.bilingual import load_report, report_path
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.lint import WARNING, LintIssue


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
