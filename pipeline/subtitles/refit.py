"""Fit cues someone already wrote to a narrower measure, touching only the cues that do not fit.

A cue file wrapped for players (16 characters a line) is burned into a frame whose safe area
may hold fewer: libass would then break the line wherever it likes, often into three lines.
:func:`refit_cues` keeps every cue that fits as it is, re-wraps a cue whose lines are too
wide or too many, and splits one that cannot fit in ``rules.max_lines`` lines into several
cues within its own time span (:func:`~pipeline.subtitles.rewrap.rewrap_cue`: markup kept on
every line, a dialogue cue's speakers on their own lines). On a frame the lines must fit, so a
cue too short to give each piece the minimum duration still gets all its pieces, sharing its
span evenly. Each change is reported with its reason.

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

from pipeline.subtitles.cues import Cue
from pipeline.subtitles.markup import plain_lines
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure, columns_per_character
from pipeline.subtitles.rewrap import rewrap_cue
from pipeline.subtitles.rules import CueRules


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
        reason = misfit(cue.lines, rules.max_lines, limit, measure, unit, columns_per_character(measure, rules))
        if reason is None:
            fitted.append(cue)
            continue
        after = tuple(_fit_one(cue, rules, measure))
        fitted.extend(after)
        changes.append(Refit(number, reason, cue.lines, after))
    return fitted, changes


def misfit(lines: Sequence[str], max_lines: int, limit: float, measure: WidthMeasure, unit: str,
           per_unit: int = 1) -> str | None:
    """Why ``lines`` do not fit (the first reason found), or None when they do; markup takes no room.

    ``per_unit``: measure units per ``unit`` (2 columns make a CJK character), for the message.
    """
    shown = plain_lines(lines) if any("<" in line or "{" in line for line in lines) else list(lines)
    widths = measure.widths(shown)
    for k, width in enumerate(widths, 1):
        if width > limit:
            if per_unit != 1:
                return f"line {k} is {width / per_unit:g} {unit} wide where {limit / per_unit:g} fit"
            return f"line {k} is {width:.0f} {unit} wide where {limit:.0f} fit"
    if len(shown) > max_lines:
        return f"{len(shown)} lines where {max_lines} fit"
    return None


def _fit_one(cue: Cue, rules: CueRules, measure: WidthMeasure) -> list[Cue]:
    """The cue re-wrapped (markup kept on every line); split within its own span by the
    rewrap of one cue when its text needs more lines."""
    pieces, _ = rewrap_cue(cue, rules, measure, merge=False)
    if len(pieces) <= 1:  # re-wrapped only: the cue keeps its times
        return [Cue(cue.start_ms, cue.end_ms, pieces[0].lines if pieces else cue.lines)]
    return pieces
