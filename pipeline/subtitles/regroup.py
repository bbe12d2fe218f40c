"""The regrouping rules: each moves cue boundaries for one reason, and never touches times.

After stable-ts' ``split_by_gap``/``split_by_punctuation``/``merge_by_gap``, with named
arguments instead of a positional mini-language. Each rule is a frozen dataclass whose
fields are its arguments, so the recipe records exactly what ran. Widths are in the
table's measure (characters for delivery files, pixels for burn-in).

Example:
    >>> SplitAtPause(min_pause_ms=400).name
    'split_at_pause'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import ClassVar

from pipeline.subtitles.costs import COST_CLAUSE, flag_cost
from pipeline.subtitles.groups import Group, cut_group, fits_dialogue, fits_range, group_fits, split_at
from pipeline.subtitles.partition import (
    COST_PER_CUE,
    cheapest_cuts,
    fewest_cues,
    lazy_break_costs,
    line_reach,
    piece_costs,
)
from pipeline.subtitles.table import TokenTable
from pipeline.subtitles.text import CLAUSE_MARKS, CLOSERS, SENTENCE_END, ends_sentence, last_mark

_SENTENCE_MARKS = SENTENCE_END | {"."}


def _mark_pattern(marks: str) -> re.Pattern[str]:
    """One character class of ``marks``: rules find the tokens ending in one with a single scan."""
    return re.compile("[" + re.escape("".join(sorted(set(marks)))) + "]")


def _tokens_ending_in(table: TokenTable, pattern: re.Pattern[str], a: int, b: int) -> list[int]:
    """Indexes k in [a, b) whose token's last character matches ``pattern``."""
    return [match.start() for match in pattern.finditer(table.last_chars(), a, b)]


@dataclass(frozen=True)
class JoinSentenceParts:
    """Join an utterance to the one before it when that one stops in the middle of a sentence.

    Vendors cut long sentences into line-sized utterances (Volcengine's caption API sizes them
    by ``words_per_line``), often mid-phrase: "This short clip tests English captions and" |
    "their timing.". Kept as cue boundaries, such cuts put a cue break where none of the rules
    after this one would. So where the transcript is punctuated (at least ``min_punctuated``
    of its utterances end a sentence), an utterance that ends without a sentence mark joins
    the next one when the speaker goes on within ``max_gap_ms``, and the following rules cut
    the sentence where they judge best. In unpunctuated text the utterance ends are the only
    sentence ends there are, so nothing is joined; nor are utterances whose times overlap.
    """

    name: ClassVar[str] = "join_sentence_parts"
    max_gap_ms: int = 600
    min_punctuated: float = 0.5

    def apply(self, groups: list[Group]) -> list[Group]:
        if len(groups) < 2:
            return groups
        text = groups[0].table.text
        # Any sentence mark counts here, even one the sentence rule doubts ("no.", "U.S."): the
        # vendor's boundary after it is more evidence of a sentence end.
        finished = [last_mark(text[g.b - 1]) in _SENTENCE_MARKS for g in groups]
        if sum(finished) < self.min_punctuated * len(groups):
            return groups
        out = [groups[0]]
        for group, prev_finished in zip(groups[1:], finished, strict=False):
            last = out[-1]
            gap = group.start_ms - last.end_ms
            if not prev_finished and last.b == group.a and 0 <= gap <= self.max_gap_ms:
                out[-1] = Group.of(last.table, last.a, group.b)
            else:
                out.append(group)
        return out


@dataclass(frozen=True)
class SplitAtSentenceEnd:
    """Start a new cue after every sentence end: a cue should hold whole sentences."""

    name: ClassVar[str] = "split_at_sentence_end"
    marks: str = "".join(sorted(SENTENCE_END)) + "."

    def apply(self, groups: list[Group]) -> list[Group]:
        if not groups:
            return groups
        table = groups[0].table
        text, space = table.text, table.space
        # Only a token ending in a mark or a closing quote can end a sentence.
        candidates = _tokens_ending_in(table, _mark_pattern(self.marks + CLOSERS), 0, len(text) - 1)
        cuts = [
            k + 1
            for k in candidates
            if last_mark(text[k]) in self.marks and ends_sentence(text[k], text[k + 1], space[k + 1])
        ]
        return split_at(groups, cuts)


@dataclass(frozen=True)
class SplitAtSpeakerChange:
    """Start a new cue where another speaker starts: a cue line never holds two speakers' words.

    The turns come from the utterances' speakers (:attr:`~pipeline.subtitles.table.TokenTable.turns`);
    without speakers there are none and nothing is cut. The only rule that puts two turns
    back into one cue is :class:`MergeShort`, as a dialogue cue with one line per speaker.
    """

    name: ClassVar[str] = "split_at_speaker_change"

    def apply(self, groups: list[Group]) -> list[Group]:
        if not groups:
            return groups
        return split_at(groups, groups[0].table.turns)


@dataclass(frozen=True)
class SplitAtPause:
    """Start a new cue at a silence longer than ``min_pause_ms``: the speaker has stopped."""

    name: ClassVar[str] = "split_at_pause"
    min_pause_ms: int = 600

    def apply(self, groups: list[Group]) -> list[Group]:
        if not groups:
            return groups
        table, limit = groups[0].table, self.min_pause_ms
        cuts = [k for k, start, end in zip(count(1), table.start[1:], table.end) if start - end > limit]
        return split_at(groups, cuts)


@dataclass(frozen=True)
class SplitAtClause:
    """Split groups that do not fit at clause punctuation, into as few pieces as possible.

    When clause marks can cut a group into pieces that all fit, using no more cues than
    cutting anywhere would need, the cheapest such cut is taken: Netflix's guide prefers
    cue breaks after punctuation, and a length split would otherwise often put the break
    a word or two away from the comma. Otherwise pieces that still do not fit are priced by
    the cues they will probably need and left for :class:`SplitByLength`.
    """

    name: ClassVar[str] = "split_at_clause"
    max_line_width: float = 42
    max_lines: int = 2
    max_duration_ms: int = 7000
    marks: str = "".join(sorted(CLAUSE_MARKS | SENTENCE_END))

    def _pieces(
        self, table: TokenTable, points: list[int], refuse_unfit: bool
    ) -> Callable[[int], tuple[int, list[float]]]:
        """The pieces between ``points`` for :func:`cheapest_cuts`: fitting ones priced by fill; unfit
        ones refused, or priced by the cues they will probably need once cut by length."""
        width, lines, max_ms = self.max_line_width, self.max_lines, self.max_duration_ms
        capacity = width * lines

        def pieces(j: int) -> tuple[int, list[float]]:
            end = points[j]
            widths: list[float] = []
            unfit: dict[int, float] = {}  # position in ``widths`` -> price of an unfit piece
            i = j - 1
            while i >= 0:
                start = points[i]
                piece_width = table.width(start, end)
                if not fits_range(table, start, end, width, lines, max_ms):
                    if refuse_unfit:
                        break
                    duration = table.speech_end(start, end) - table.start[start]
                    cues = max(math.ceil(piece_width / capacity), math.ceil(duration / max_ms), 2)
                    unfit[len(widths)] = COST_PER_CUE * cues
                widths.append(piece_width)
                i -= 1
            prices = piece_costs(widths, capacity)
            for position, price in unfit.items():
                prices[position] = price
            prices.reverse()
            return i + 1, prices

        return pieces

    def apply(self, groups: list[Group]) -> list[Group]:
        out: list[Group] = []
        mark = _mark_pattern(self.marks)
        limits = (self.max_line_width, self.max_lines, self.max_duration_ms)
        for group in groups:
            table, a, b = group.table, group.a, group.b
            if group_fits(group, *limits):
                out.append(group)
                continue
            cut_points, breaks = [], [0.0]
            for k in _tokens_ending_in(table, mark, a, b - 1):
                cost = table.break_cost(k + 1)
                if cost <= COST_CLAUSE:
                    cut_points.append(k + 1)
                    breaks.append(table.at_pause(cost, k + 1))
            if not cut_points:
                out.append(group)
                continue
            points = [a, *cut_points, b]
            chosen = cheapest_cuts(len(points) - 1, self._pieces(table, points, True), breaks)
            if chosen is not None and len(chosen) + 1 <= fewest_cues(table, a, b, *limits):
                pieces = cut_group(group, [points[p] for p in chosen])
                for piece in pieces:
                    piece.fits = limits  # every piece was priced as fitting
                out.extend(pieces)
                continue
            # Unfit pieces are priced, not refused, so this always finds a partition.
            chosen = cheapest_cuts(len(points) - 1, self._pieces(table, points, False), breaks) or []
            out.extend(cut_group(group, [points[p] for p in chosen]))
        return out


@dataclass(frozen=True)
class SplitByLength:
    """Split groups that do not fit into the fewest balanced cues, breaking at the best places."""

    name: ClassVar[str] = "split_by_length"
    max_line_width: float = 42
    max_lines: int = 2
    max_duration_ms: int = 7000

    def _cuts(self, table: TokenTable, a: int, b: int) -> list[int]:
        """The cheapest cuts of tokens[a:b] into fitting pieces, cutting anywhere.

        Every token boundary is a cut point, so for each end the allowed starts are found
        from precomputed line reaches (:func:`line_reach`) and the durations, not by
        testing each piece; breaks that need jieba enter with their lowest possible cost
        and are looked up only when chosen (:func:`lazy_break_costs`).
        """
        width, lines = self.max_line_width, self.max_lines
        capacity = width * lines
        prefix, gap = table.prefix, table.gap
        starts, ends = table.start[a:b], table.end[a:b]
        reach = line_reach(table, a, b, width, lines)
        ordered = all(x <= y for x, y in zip(starts, starts[1:], strict=False))
        breaks, pending = lazy_break_costs(table, a, b)
        lowest = 0

        def pieces(j: int) -> tuple[int, list[float]]:
            nonlocal lowest
            while reach[lowest] < j:  # tokens[i:j] need more than max_lines lines for every i < lowest
                lowest += 1
            first = self._first_start(starts, ends, lowest, j, ordered)
            end = prefix[a + j]
            return first, piece_costs([end - prefix[a + i] - gap[a + i] for i in range(first, j)], capacity)

        def resolve(i: int) -> float | None:
            bonus = pending.pop(i, None)
            return None if bonus is None else max(0.0, flag_cost(*table.flags(a + i)) - bonus)

        cuts = cheapest_cuts(b - a, pieces, breaks, resolve if pending else None)
        return [a + k for k in cuts or ()]

    def _first_start(self, starts: list[int], ends: list[int], lowest: int, j: int, ordered: bool) -> int:
        """The first start the scan from ``j - 1`` leftwards reaches before a piece runs too long.

        Pieces from ``lowest`` on fit in the lines. With speech starts in order, a piece's
        duration only grows as its start moves left, so one check covers them all.
        """
        limit = self.max_duration_ms
        if j - 1 <= lowest:
            return lowest
        if ordered and max(ends[lowest:j]) - starts[lowest] <= limit:
            return lowest
        end_ms = ends[j - 1]
        for i in range(j - 2, lowest - 1, -1):
            end_ms = max(end_ms, ends[i])
            if end_ms - starts[i] > limit:
                return i + 1
        return lowest

    def apply(self, groups: list[Group]) -> list[Group]:
        out: list[Group] = []
        for group in groups:
            if group_fits(group, self.max_line_width, self.max_lines, self.max_duration_ms):
                out.append(group)
                continue
            out.extend(cut_group(group, self._cuts(group.table, group.a, group.b)))
        return out


@dataclass(frozen=True)
class MergeShort:
    """Merge a cue shorter than ``min_duration_ms`` into its nearer neighbour when the result fits.

    Only neighbours within ``max_gap_ms`` merge: after a longer silence the short cue can
    simply stay up longer instead. Nor does a merge bridge a silence in the speech longer
    than ``max_pause_ms`` (the pause rule's threshold): with overlapping utterances, or a
    pause threshold under ``max_gap_ms``, the gap between two cues' spans can be short while
    the speaker stopped for longer between their words.

    Two speakers' cues merge only with ``dialogue``, and only into a dialogue cue: two turns,
    each on one line after its dash (``dash_width`` wide), on at least two lines
    (:func:`~pipeline.subtitles.groups.fits_dialogue`).
    """

    name: ClassVar[str] = "merge_short"
    min_duration_ms: int = 833
    max_gap_ms: int = 500
    max_pause_ms: int = 600
    max_line_width: float = 42
    max_lines: int = 2
    max_duration_ms: int = 7000
    dialogue: bool = False
    dash_width: float = 1

    def _fits(self, table: TokenTable, a: int, b: int) -> bool:
        """One speaker's tokens[a:b] fit the lines; two speakers' make a dialogue cue, when allowed."""
        if not table.turns_inside(a, b):
            return fits_range(table, a, b, self.max_line_width, self.max_lines, self.max_duration_ms)
        return (self.dialogue and self.max_lines >= 2
                and fits_dialogue(table, a, b, self.max_line_width, self.dash_width, self.max_duration_ms))

    def _try_merge(self, groups: list[Group], i: int) -> bool:
        candidates = []
        if i > 0:
            candidates.append((groups[i].start_ms - groups[i - 1].end_ms, i - 1))
        if i + 1 < len(groups):
            candidates.append((groups[i + 1].start_ms - groups[i].end_ms, i))
        for gap, k in sorted(candidates):
            table, a, b = groups[k].table, groups[k].a, groups[k + 1].b
            if (
                gap <= self.max_gap_ms
                and self._fits(table, a, b)
                and table.longest_silence(a, b) <= self.max_pause_ms
            ):
                groups[k : k + 2] = [Group.of(table, a, b)]
                return True
        return False

    def apply(self, groups: list[Group]) -> list[Group]:
        groups = list(groups)
        shortest = self.min_duration_ms
        i = 0
        while i < len(groups):
            if groups[i].end_ms - groups[i].start_ms < shortest and self._try_merge(groups, i):
                i = max(0, i - 1)  # the merged cue may still be short
            else:
                i += 1
        return groups
