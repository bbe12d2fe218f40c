"""Cues in the making: groups of tokens with display times, and the protocol of the rules that move them.

Rules work on *groups*: a range of tokens of the transcript's one
:class:`~pipeline.subtitles.table.TokenTable` plus display times. Groups are index ranges,
not token lists, so splitting and merging cost nothing per token, and tokens are never
dropped, duplicated or reordered: no text is lost.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.transcript import Transcript, Utterance
    >>> [(g.a, g.b, g.start_ms) for g in transcript_groups(Transcript((Utterance("Hi there.", 0, 900),)), rules_for("en"))]
    [(0, 2, 0)]
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol

from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.table import TokenTable
from pipeline.subtitles.transcript_table import transcript_table
from pipeline.transcript import Transcript


@dataclass(slots=True)
class Group:
    """A cue in the making: tokens ``[a, b)`` of the transcript's table and its display times.

    Mutable while rules run.
    """

    table: TokenTable
    a: int
    b: int
    start_ms: int
    end_ms: int
    #: ``(width, lines, max_duration_ms)`` the group is known to fit (see :func:`group_fits`).
    fits: tuple[float, int, int] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, table: TokenTable, a: int, b: int) -> Group:
        """A group timed from its tokens' speech."""
        start_ms, end_ms = table.speech_span(a, b)
        return cls(table, a, b, start_ms, end_ms)


class Rule(Protocol):
    """A step of the chain: a pure function of the groups, with its arguments as fields."""

    name: ClassVar[str]

    def apply(self, groups: list[Group]) -> list[Group]: ...


def describe(rule: Rule) -> dict[str, Any]:
    """``{"name": ..., "args": {...}}`` for the recipe."""
    return {"name": rule.name, "args": asdict(rule)}  # type: ignore[call-overload]


def timed_groups(table: TokenTable, ranges: Iterable[tuple[int, int]]) -> list[Group]:
    """:meth:`Group.of` for each (non-empty) range, with speech in order read straight from the table.

    Rules make a group for every piece they cut; one constructor call each instead of three.
    """
    if table.times_in_order():
        starts, ends = table.start, table.end
        return [Group(table, a, b, starts[a], ends[b - 1]) for a, b in ranges]
    return [Group.of(table, a, b) for a, b in ranges]


def transcript_groups(transcript: Transcript, rules: CueRules, measure: WidthMeasure = CHARACTERS) -> list[Group]:
    """One group per utterance (the vendor's own segmentation is the starting point)."""
    table, ranges = transcript_table(transcript, rules, measure)
    return timed_groups(table, ranges)


def fits_range(table: TokenTable, a: int, b: int, width: float, lines: int, max_duration_ms: int) -> bool:
    """True when tokens[a:b] make one acceptable cue: within the lines and the longest duration.

    A single token always fits: a word wider than the line or longer than the limit cannot
    be cut, so it becomes a cue of its own.
    """
    if b - a <= 1:
        return True
    return table.speech_end(a, b) - table.start[a] <= max_duration_ms and table.fits_lines(a, b, width, lines)


def fits_dialogue(table: TokenTable, a: int, b: int, width: float, dash_width: float, max_duration_ms: int) -> bool:
    """True when tokens[a:b] make one dialogue cue: two speakers' turns, each on one line after its dash.

    A dialogue cue holds exactly two turns (Netflix: at most one speaker per line, two lines at
    most), so tokens[a:b] must hold one speaker change, each side must fit on a single line
    ``width`` wide with ``dash_width`` taken by its dash, and the speech must last no longer
    than ``max_duration_ms``.
    """
    turns = table.turns_inside(a, b)
    if len(turns) != 1:
        return False
    turn, room = turns[0], width - dash_width
    return (
        table.width(a, turn) <= room
        and table.width(turn, b) <= room
        and table.speech_end(a, b) - table.start[a] <= max_duration_ms
    )


def group_fits(group: Group, width: float, lines: int, max_duration_ms: int) -> bool:
    """:func:`fits_range` for a group, remembered on it when it fits.

    The clause and length rules ask about every group with the same limits, and a group's
    tokens never change, so the second asking is free.
    """
    limits = (width, lines, max_duration_ms)
    if group.fits == limits:
        return True
    if fits_range(group.table, group.a, group.b, width, lines, max_duration_ms):
        group.fits = limits
        return True
    return False


def split_at(groups: list[Group], cuts: Sequence[int]) -> list[Group]:
    """Cut every group before each token index in ``cuts`` (sorted) that lies inside it."""
    out: list[Group] = []
    for group in groups:
        lo, hi = bisect_right(cuts, group.a), bisect_left(cuts, group.b)
        if lo == hi:
            out.append(group)
            continue
        out.extend(cut_group(group, cuts[lo:hi]))
    return out


def cut_group(group: Group, cuts: Sequence[int]) -> list[Group]:
    """The pieces of ``group`` cut before each token index in ``cuts`` (sorted, all inside it)."""
    edges = [group.a, *cuts, group.b]
    return timed_groups(group.table, zip(edges, edges[1:], strict=False))
