"""Fit cues someone already wrote to a narrower measure, touching only the cues that do not fit.

A cue file wrapped for players (16 characters a line) is burned into a frame whose safe area
may hold fewer: libass would then break the line wherever it likes, often into three lines.
:func:`refit_cues` keeps every cue that fits as it is, re-wraps a cue whose lines are too
wide or too many, and splits one that cannot fit in ``rules.max_lines`` lines into several
cues within its own time span, with the cue builder. Each change is reported with its reason.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> cues = [Cue(0, 2000, ("今天天气很好我们一起去公园散步吧",))]
    >>> fitted, changes = refit_cues(cues, rules_for("zh-CN", max_chars_per_line=10))
    >>> [cue.lines for cue in fitted], changes[0].reason
    ([('今天天气很好', '我们一起去公园散步吧')], 'line 1 is 16 characters wide where 10 fit')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.subtitles.chain import build_cues
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.lines import wrap_text
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import join_lines
from pipeline.transcript import Transcript, Utterance


@dataclass(frozen=True)
class Refit:
    """One cue that had to change to fit.

    Attributes:
        number: the cue's 1-based number in the input.
        reason: why, e.g. ``"line 1 is 1170 px wide where 850 fit"``.
        before: its lines as given.
        after: the cue or cues that replace it.
    """

    number: int
    reason: str
    before: tuple[str, ...]
    after: tuple[Cue, ...]

    def describe(self) -> str:
        how = "re-wrapped" if len(self.after) == 1 else f"split into {len(self.after)} cues"
        return f"cue {self.number} {how}: {self.reason}"


def refit_cues(cues: Sequence[Cue], rules: CueRules, measure: WidthMeasure = CHARACTERS,
               unit: str = "characters") -> tuple[list[Cue], list[Refit]]:
    """``cues`` with every cue fitting ``rules.max_lines`` lines of the measure's width.

    Args:
        cues: cues in time order, as read from a file.
        rules: the language's rules; ``max_lines`` and the wrapping preferences apply.
        measure: widths and the line limit (a font's pixels for burn-in).
        unit: the measure's unit, for the reasons.

    Returns:
        The fitted cues (one or more per input cue, in order) and the changes made.
    """
    limit = measure.line_limit(rules)
    fitted: list[Cue] = []
    changes: list[Refit] = []
    for number, cue in enumerate(cues, 1):
        reason = misfit(cue.lines, rules.max_lines, limit, measure, unit)
        if reason is None:
            fitted.append(cue)
            continue
        after = tuple(_fit_one(cue, rules, measure))
        fitted.extend(after)
        changes.append(Refit(number, reason, cue.lines, after))
    return fitted, changes


def misfit(lines: Sequence[str], max_lines: int, limit: float, measure: WidthMeasure, unit: str) -> str | None:
    """Why ``lines`` do not fit (the first reason found), or None when they do."""
    widths = measure.widths(list(lines))
    for k, width in enumerate(widths, 1):
        if width > limit:
            return f"line {k} is {width:.0f} {unit} wide where {limit:.0f} fit"
    if len(lines) > max_lines:
        return f"{len(lines)} lines where {max_lines} fit"
    return None


def _fit_one(cue: Cue, rules: CueRules, measure: WidthMeasure) -> list[Cue]:
    """The cue re-wrapped; split in time by the cue builder when its text needs more lines."""
    text = join_lines([line.strip() for line in cue.lines if line.strip()])
    lines = wrap_text(text, rules, measure)
    if len(lines) <= rules.max_lines:
        return [Cue(cue.start_ms, cue.end_ms, lines)]
    utterance = Utterance(text, cue.start_ms, max(cue.end_ms, cue.start_ms))
    built = build_cues(Transcript((utterance,), language=rules.language, duration_ms=cue.end_ms), rules,
                       measure=measure)
    # The builder may lengthen a cue for reading time; a re-fit keeps inside the cue's own span.
    return [Cue(max(c.start_ms, cue.start_ms), min(c.end_ms, cue.end_ms), c.lines) for c in built
            if min(c.end_ms, cue.end_ms) > max(c.start_ms, cue.start_ms)] or [Cue(cue.start_ms, cue.end_ms, lines)]
