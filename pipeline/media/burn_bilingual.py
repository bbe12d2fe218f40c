"""Burning a bilingual subtitle file: the source lines in the primary size, the translation below in the secondary.

``burn X.bilingual.ass`` (or a bilingual SRT/WebVTT) must not be re-laid in one style under one
language's rules: that draws the translation as large as the source and wraps English by Chinese
widths. A bilingual input is recognised and each cue split into its two halves, in this order:

* ASS: events holding ``{\\rSecondary}`` (how :mod:`pipeline.subtitles.bilingual` and the
  ``.bilingual.burn.ass`` switch to the translation's style): the lines before it are the source.
* SRT/WebVTT with our alignment report beside it (``X.bilingual.align.json``): its per-cue count
  of source lines and its two languages.
* SRT/WebVTT of others: when at least :data:`SCRIPT_SHARE` of the cues change script exactly
  once, top to bottom, in the same direction (Chinese lines over English ones, say), that change
  is where the translation starts. A Chinese file with the odd English line does not qualify.

Each half keeps its lines when they fit the frame in their own size, and is re-wrapped under its
own language's rules in its own pixels when not; a cue whose halves need more lines than the
preset allows is shown in consecutive parts, each with its share of both halves' lines (in
order) and of the cue's time (by the share of each half's text it shows).

Example:
    >>> from pipeline.subtitles.cues import Cue
    >>> halves = split_by_script([Cue(0, 900, ("你好", "Hello")), Cue(900, 1800, ("再见", "Bye"))])
    >>> halves.languages, halves.cues[0].target
    (('zh-CN', 'en-US'), ('Hello',))
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pysubs2

from pipeline.subtitles.bilingual import SECONDARY_STYLE, BilingualCue, load_report
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.language import guess_language
from pipeline.subtitles.lines import wrap_text
from pipeline.subtitles.measure import WidthMeasure
from pipeline.subtitles.refit import Refit, misfit
from pipeline.subtitles.rules import CueRules

#: Share of the cues with text that must change script once, the same way, for an SRT/WebVTT
#: without a report to be taken as bilingual.
SCRIPT_SHARE = 0.8
_MARKER = re.compile(r"\{\\r" + SECONDARY_STYLE + r"\}")


@dataclass(frozen=True)
class BilingualInput:
    """A bilingual file's cues split into halves, the halves' languages, and how they were told apart."""

    cues: tuple[BilingualCue, ...]
    languages: tuple[str, str]
    how: str


def read_bilingual(path: Path, cues: Sequence[Cue]) -> BilingualInput | None:
    """The halves of a bilingual file (``cues`` as ``read_cues`` gave them), or None for a one-language file."""
    if path.suffix.lower() in {".ass", ".ssa"}:
        return split_ass(path)
    report = load_report(path)
    counts = report.get("bilingual_source_lines", []) if report else []
    if report and len(counts) == len(cues):
        halves = tuple(BilingualCue(c.start_ms, c.end_ms, c.lines[:n], c.lines[n:]) for c, n in zip(cues, counts, strict=True))
        languages = (str(report.get("source_language") or "zh-CN"), str(report.get("target_language") or "en"))
        return BilingualInput(halves, languages, f"halves from {path.stem.removesuffix('.bilingual')}.bilingual.align.json")
    return split_by_script(cues)


def split_ass(path: Path) -> BilingualInput | None:
    """Halves of an ASS file whose events switch to the ``Secondary`` style; None when none does."""
    try:
        subs = pysubs2.load(str(path), encoding="utf-8-sig")
    except (UnicodeDecodeError, ValueError, pysubs2.exceptions.Pysubs2Error):
        return None  # not ours: the one-style refit reads it with its own decoder
    events = sorted((e for e in subs.events if not e.is_comment), key=lambda e: (e.start, e.end))
    if not any(_MARKER.search(e.text) for e in events):
        return None
    cues = []
    for event in events:
        mark = _MARKER.search(event.text)
        top, bottom = (event.text[:mark.start()], event.text[mark.end():]) if mark else (event.text, "")
        source, target = _plain(top), _plain(bottom)
        if source or target:
            cues.append(BilingualCue(event.start, event.end, source, target))
    languages = (_language([c.source for c in cues]), _language([c.target for c in cues]))
    return BilingualInput(tuple(cues), languages, f"{{\\r{SECONDARY_STYLE}}} in its events")


def split_by_script(cues: Sequence[Cue]) -> BilingualInput | None:
    """Halves where every cue's lines change script once, top to bottom; None unless most cues do."""
    langs = [[guess_language([Cue(0, 1, (line,))]) for line in cue.lines] for cue in cues]
    splits = [_script_change(each) for each in langs]
    pairs = Counter((each[0], each[k]) for each, k in zip(langs, splits, strict=True) if k)
    with_text = sum(bool(cue.lines) for cue in cues)
    if not pairs or not with_text:
        return None
    (top, bottom), count = pairs.most_common(1)[0]
    if count < SCRIPT_SHARE * with_text:
        return None
    halves = []
    for cue, each, k in zip(cues, langs, splits, strict=True):
        if not k:  # one script throughout: the half of that script (the source when neither)
            k = 0 if each and each[0] == bottom and top != bottom else len(cue.lines)
        halves.append(BilingualCue(cue.start_ms, cue.end_ms, cue.lines[:k], cue.lines[k:]))
    return BilingualInput(tuple(halves), (top, bottom), f"{top} lines over {bottom} lines")


def _script_change(languages: Sequence[str]) -> int:
    """The index where the lines' language changes, when it changes exactly once; else 0."""
    changes = [k for k in range(1, len(languages)) if languages[k] != languages[k - 1]]
    return changes[0] if len(changes) == 1 else 0


def _plain(ass_text: str) -> tuple[str, ...]:
    text = pysubs2.SSAEvent(text=ass_text).plaintext
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def _language(halves: Sequence[tuple[str, ...]]) -> str:
    return guess_language([Cue(0, 1, half) for half in halves if half])


def join_lines(lines: Sequence[str], cjk: bool) -> str:
    """A half's lines as one text to re-wrap: spaces between lines, none between CJK ones
    (but between two Latin words)."""
    out = ""
    for line in lines:
        latin_edge = out[-1:].isascii() and out[-1:].isalnum() and line[:1].isascii() and line[:1].isalnum()
        out += (" " if out and (not cjk or latin_edge) else "") + line
    return out


def fit_bilingual(cues: Sequence[BilingualCue], rules: tuple[CueRules, CueRules],
                  measures: tuple[WidthMeasure, WidthMeasure]) -> tuple[list[BilingualCue], list[Refit]]:
    """Each half fitted to its own size and rules; a cue that needs more lines is shown in parts.

    ``rules`` and ``measures`` are (source, translation); both rules carry the preset's ``max_lines``.
    """
    fitted: list[BilingualCue] = []
    changes: list[Refit] = []
    for number, cue in enumerate(cues, 1):
        halves, reasons = [], []
        for name, lines, rule, measure in (("source", cue.source, rules[0], measures[0]),
                                           ("translation", cue.target, rules[1], measures[1])):
            reason = misfit(lines, rule.max_lines, measure.line_limit(rule), measure, "px") if lines else None
            if reason:
                reasons.append(f"{name} {reason}")
                lines = wrap_text(join_lines(lines, rule.is_cjk), rule, measure)
            halves.append(tuple(lines))
        if not reasons:
            fitted.append(cue)
            continue
        parts = _parts(cue, halves[0], halves[1], max(rules[0].max_lines, 1), max(rules[1].max_lines, 1))
        fitted.extend(parts)
        changes.append(Refit(number, "; ".join(reasons), cue.lines, tuple(Cue(p.start_ms, p.end_ms, p.lines) for p in parts)))
    return fitted, changes


def _parts(cue: BilingualCue, source: tuple[str, ...], target: tuple[str, ...], source_max: int,
           target_max: int) -> list[BilingualCue]:
    """The cue in as few consecutive parts as let each half's lines fit; time by the text shown."""
    n = max(math.ceil(len(source) / source_max), math.ceil(len(target) / target_max), 1)
    sources, targets = _chunks(source, n), _chunks(target, n)
    weights = [_share(s, source) + _share(t, target) for s, t in zip(sources, targets, strict=True)]
    total = sum(weights) or 1.0
    span, at, done = cue.end_ms - cue.start_ms, cue.start_ms, 0.0
    parts = []
    for k, (s, t) in enumerate(zip(sources, targets, strict=True)):
        done += weights[k]
        end = cue.end_ms if k == n - 1 else max(at + 1, min(cue.end_ms, cue.start_ms + round(span * done / total)))
        parts.append(BilingualCue(at, end, s, t))
        at = end
    return parts


def _chunks(lines: tuple[str, ...], n: int) -> list[tuple[str, ...]]:
    """``lines`` in ``n`` consecutive runs whose sizes differ by at most one (the first ones longer)."""
    size, extra = divmod(len(lines), n)
    out, at = [], 0
    for k in range(n):
        step = size + (1 if k < extra else 0)
        out.append(lines[at: at + step])
        at += step
    return out


def _share(chunk: tuple[str, ...], whole: tuple[str, ...]) -> float:
    total = sum(len(line) for line in whole)
    return sum(len(line) for line in chunk) / total if total else 0.0


__all__ = ["SCRIPT_SHARE", "BilingualInput", "fit_bilingual", "join_lines", "read_bilingual", "split_ass",
           "split_by_script"]
