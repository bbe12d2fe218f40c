"""The one token store: all tokens of a transcript (or a text) as parallel lists.

Why: the cue builder handles every character of a transcript (hundreds of thousands for a
10-hour recording), and an object per token cost more than the rest of the chain. Groups,
cues and lines are index ranges ``[a, b)`` into one table; widths come from prefix sums in
the table's :mod:`~pipeline.subtitles.measure`, and speech times from the time columns.

Example:
    >>> table = TokenTable.from_text("Nice to meet you.", chinese=False)
    >>> table.text, table.width(0, 4), table.join(1, 3)
    (['Nice', 'to', 'meet', 'you.'], 17, 'to meet')
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from operator import add, itemgetter

from pipeline.subtitles.costs import flag_cost, pause_bonus, text_break_cost
from pipeline.subtitles.japanese import japanese_flags
from pipeline.subtitles.measure import CHARACTERS, CharacterCount, WidthMeasure
from pipeline.subtitles.text import reading_length
from pipeline.subtitles.tokens import span_bounds
from pipeline.subtitles.words import JiebaWords


def wider_than(measure: WidthMeasure, limit: float | None) -> Callable[[str], bool] | None:
    """A test of whether a text is wider than ``limit`` in ``measure`` (None without a limit)."""
    if limit is None:
        return None
    return lambda text: measure.widths([text])[0] > limit


class _TokenReading(dict[str, float]):
    """Token text -> :func:`reading_length`, filled on first sight (tokens repeat a lot)."""

    def __init__(self, cjk: bool) -> None:
        super().__init__()
        self.cjk = cjk

    def __missing__(self, text: str) -> float:
        self[text] = reading_length(text, self.cjk)
        return self[text]


_TOKEN_READING = {False: _TokenReading(False), True: _TokenReading(True)}


class TokenTable:
    """Tokens as parallel lists: ``text[k]``, ``start[k]``, ``end[k]``, ``space[k]`` ...

    Columns:
        text: the token's characters, punctuation included.
        start, end: its speech times in ms (0 for plain text).
        space: whitespace came before it in the source; joins reproduce that space.
        glued, phrase: jieba's word flags (a break before it cuts a word; a phrase boundary
            lies there), when known up front.
        jieba, offset: where those flags really come from when they are left for later:
            the jieba words of the source text and the token's offset in it (see
            :meth:`flags`); ``jieba[k]`` is None where the flags are known.
        prefix: ``prefix[k]`` is the width of tokens[:k] with every token's space counted.
        gap: the width of the space shown before each token (0 where it had none).

    Beside the columns, ``turns`` lists the tokens where another speaker starts (sorted,
    never 0); empty when nobody said who speaks.
    """

    __slots__ = (
        "_end_reach", "_last_chars", "_lengths", "_reading", "_separator", "_start_floor", "_times_indexed",
        "cjk", "end", "gap", "glued", "jieba", "max_gap", "offset", "phrase", "prefix", "space", "start", "text",
        "turns",
    )  # fmt: skip

    def __init__(self) -> None:
        self.text: list[str] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.space: list[bool] = []
        self.glued: list[bool] = []
        self.phrase: list[bool] = []
        self.jieba: list[JiebaWords | None] = []
        self.offset: list[int] = []
        self.prefix: list[float] = [0]
        self.gap: Sequence[float] = []
        self.max_gap: float = 0
        #: Chinese or Japanese text: break costs treat a Latin run as one phrase (see :func:`text_break_cost`).
        self.cjk = False
        self.turns: list[int] = []
        self._last_chars: str | None = None
        self._lengths = False  # widths are the tokens' lengths (ASCII, no newline, counted in characters)
        self._reading: dict[bool, list[float]] = {}
        self._times_indexed = False
        self._separator: str | None = None
        self._end_reach: list[int] | None = None
        self._start_floor: list[float] | None = None

    @classmethod
    def from_text(
        cls, text: str, chinese: bool, measure: WidthMeasure = CHARACTERS, cjk: bool | None = None,
        japanese: bool = False, line_limit: float | None = None,
    ) -> TokenTable:
        """The untimed tokens of a plain text, with jieba's flags left for later in Chinese.

        ``cjk`` (Chinese implies it) prices Latin runs as phrases; ``japanese`` gives word
        flags from the scripts (:func:`~pipeline.subtitles.japanese.japanese_flags`); a link
        wider than ``line_limit`` is cut into pieces at URL-safe points.
        """
        table = cls()
        table.cjk = chinese or japanese if cjk is None else cjk
        words = JiebaWords(text) if chinese else None
        for a, b, space in span_bounds(text, wider_than(measure, line_limit)):
            table.text.append(text[a:b])
            table.space.append(space)
            table.offset.append(a)
            table.jieba.append(None if space or not table.jieba else words)
        table.start, table.end = [0] * len(table.text), [0] * len(table.text)
        if japanese:
            table.glued, table.phrase = japanese_flags(table.text, table.space)
        return table.finish(measure)

    def select(self, indexes: Sequence[int], texts: Sequence[str], spaces: Sequence[bool], measure: WidthMeasure) -> TokenTable:
        """A new table of tokens ``indexes`` of this one, shown as ``texts`` with ``spaces`` before them.

        Times and word flags come along, so a display form of a cue (its punctuation shown
        as spaces, say) wraps as the cue would.
        """
        table = TokenTable()
        table.cjk = self.cjk
        table.text, table.space = list(texts), list(spaces)
        table.start = [self.start[k] for k in indexes]
        table.end = [self.end[k] for k in indexes]
        table.glued = [self.glued[k] for k in indexes]
        table.phrase = [self.phrase[k] for k in indexes]
        table.jieba = [self.jieba[k] for k in indexes]
        table.offset = [self.offset[k] for k in indexes]
        return table.finish(measure)

    def __len__(self) -> int:
        return len(self.text)

    def finish(self, measure: WidthMeasure = CHARACTERS) -> TokenTable:
        """Compute the width prefix sums in ``measure`` once all tokens are in; returns the table.

        Tokens added without ``glued``/``phrase`` values (the cue builder leaves them to
        jieba) get False.
        """
        for flags in (self.glued, self.phrase):
            flags.extend([False] * (len(self.text) - len(flags)))
        space_width = measure.space_width
        # Characters: a space is 1 wide, so the space column is its own width column.
        self.gap = self.space if space_width == 1 else [space_width if s else 0 for s in self.space]
        self.max_gap = space_width if any(self.space) else 0
        widths: Sequence[float]
        if isinstance(measure, CharacterCount) and space_width == 1:
            widths, self._lengths = measure.widths_and_ascii(self.text)
        else:
            widths, self._lengths = measure.widths(self.text), False
        self.prefix = list(accumulate(map(add, widths, self.gap), initial=0))
        # Chinese has no spaces and English one before every word: then every join is one
        # C-level join with that separator (see :meth:`join`).
        unspaced = self.space.count(False)
        if unspaced == len(self.space):
            self._separator = ""
        elif unspaced == 1 and not self.space[0]:
            self._separator = " "
        else:
            self._separator = None
        return self

    def turns_inside(self, a: int, b: int) -> list[int]:
        """The tokens in ``(a, b)`` where another speaker starts: tokens[a:b] hold one speaker's words when empty."""
        turns = self.turns
        if not turns:
            return []
        return turns[bisect_right(turns, a) : bisect_left(turns, b)]

    def last_chars(self) -> str:
        """Every token's last character, as one string (``last_chars()[k] == text[k][-1]``).

        Lets the rules find tokens ending in punctuation with one regular-expression scan
        instead of a Python test per token. Computed once, after :meth:`finish`.
        """
        if self._last_chars is None:
            self._last_chars = "".join(map(itemgetter(-1), self.text))
        return self._last_chars

    def _index_times(self) -> None:
        """Prepare :meth:`speech_start` and :meth:`speech_end` once all tokens are in.

        Speech in order (the usual case: ``x == sorted(x)`` costs one C-level pass) needs
        nothing more. Otherwise ``floor[k]`` is the earliest start from token k on and
        ``reach[k]`` the latest end up to token k.
        """
        start, end = self.start, self.end
        self._start_floor = None if start == sorted(start) else [*list(accumulate(reversed(start), min))[::-1], math.inf]
        self._end_reach = None if end == sorted(end) else list(accumulate(end, max))
        self._times_indexed = True

    def times_in_order(self) -> bool:
        """True when starts and ends never go back: a range's times are its first start and last end."""
        if not self._times_indexed:
            self._index_times()
        return self._start_floor is None and self._end_reach is None

    def speech_span(self, a: int, b: int) -> tuple[int, int]:
        """``(speech_start(a, b), speech_end(a, b))`` in one call: every new group asks for both."""
        if self._times_indexed and self._start_floor is None and self._end_reach is None and b > a:
            return self.start[a], self.end[b - 1]  # speech in order
        return self.speech_start(a, b), self.speech_end(a, b)

    def speech_start(self, a: int, b: int) -> int:
        """``min(start[a:b])``, usually in O(1): the rules ask for the times of every group they make."""
        if not self._times_indexed:
            self._index_times()
        floor = self._start_floor
        if b > a:
            if floor is None:
                return self.start[a]
            if floor[a] < floor[b]:  # the earliest start from ``a`` on comes before ``b``
                return int(floor[a])
        return min(self.start[a:b])

    def speech_end(self, a: int, b: int) -> int:
        """``max(end[a:b])``, usually in O(1)."""
        if not self._times_indexed:
            self._index_times()
        reach = self._end_reach
        if b > a:
            if reach is None:
                return self.end[b - 1]
            if a == 0 or reach[b - 1] > reach[a - 1]:  # the latest end up to ``b`` lies in the range
                return reach[b - 1]
        return max(self.end[a:b])

    def longest_silence(self, a: int, b: int) -> int:
        """The longest stretch inside tokens[a:b]'s speech where nobody speaks (0 if none).

        In time order, not text order: with overlapping speech a word that comes later in
        the text may fill the silence between two others.
        """
        if b - a < 2:
            return 0
        spans = sorted(zip(self.start[a:b], self.end[a:b], strict=True))
        longest, reach = 0, spans[0][1]
        for start, end in spans[1:]:
            if start - reach > longest:
                longest = start - reach
            if end > reach:
                reach = end
        return longest

    def reading_length(self, a: int, b: int, cjk: bool) -> float:
        """:func:`~pipeline.subtitles.text.reading_length` of :meth:`join` (a, b), from prefix sums.

        Exact: the lengths are whole or half characters, which floats add without rounding.
        """
        prefix = self._reading.get(cjk)
        if prefix is None and not cjk and self._lengths:
            # ASCII outside CJK text: every character counts 1, as it does for a character width.
            prefix = self._reading[cjk] = self.prefix
        if prefix is None:
            lengths = map(_TOKEN_READING[cjk].__getitem__, self.text)
            if any(self.space):
                space = 0.5 if cjk else 1.0  # a space is a half-width character
                lengths = map(add, lengths, map(space.__mul__, self.space))
            prefix = self._reading[cjk] = list(accumulate(lengths, initial=0.0))
        return prefix[b] - prefix[a] - (0.5 if cjk else 1.0) * self.space[a]

    def width(self, a: int, b: int) -> float:
        """Width of tokens[a:b] on one line (the space before tokens[a] is not shown)."""
        return self.prefix[b] - self.prefix[a] - self.gap[a]

    def join(self, a: int, b: int) -> str:
        """The text of tokens[a:b] with the spaces the source had between them (none at the edges)."""
        if self._separator is not None:
            return self._separator.join(self.text[a:b]).strip()
        spaces = self.space[a + 1 : b]
        # Within a range with no spaces, or one before every token, it is one join too.
        if not any(spaces):
            return "".join(self.text[a:b]).strip()
        if all(spaces):
            return " ".join(self.text[a:b]).strip()
        parts = [self.text[a]]
        for k in range(a + 1, b):
            if spaces[k - a - 1]:
                parts.append(" ")
            parts.append(self.text[k])
        return "".join(parts).strip()

    def line_end(self, start: int, b: int, width: float) -> int:
        """Where the greedy line starting at token ``start`` ends (at most ``b``; one token at least).

        A line holds tokens[start:end] while ``prefix[end]`` stays within
        ``prefix[start] + gap[start] + width``: a bisection of the prefix sums.
        """
        prefix = self.prefix
        return bisect_right(prefix, prefix[start] + self.gap[start] + width, start + 2, b + 1) - 1

    def count_lines(self, a: int, b: int, width: float) -> int:
        """Fewest lines tokens[a:b] need at ``width`` (greedy filling is optimal for the count).

        A line at a time (:meth:`line_end`): O(lines x log n), as every rule asks it of
        every group.
        """
        if b <= a:
            return 0
        lines, end = 1, self.line_end(a, b, width)
        while end < b:
            lines, end = lines + 1, self.line_end(end, b, width)
        return lines

    def fits_lines(self, a: int, b: int, width: float, lines: int) -> bool:
        """``count_lines(a, b, width) <= lines``, stopping as soon as the answer is known.

        Every rule asks this of every group, and most groups fit on one line; the line ends
        are :meth:`line_end`'s bisection written out (tests hold the two to agreeing).
        """
        prefix, gap = self.prefix, self.gap
        if b - a <= 1 or prefix[b] - prefix[a] - gap[a] <= width:
            return lines >= (1 if b > a else 0)
        end = a
        for _ in range(lines):
            end = bisect_right(prefix, prefix[end] + gap[end] + width, end + 2, b + 1) - 1
            if end >= b:
                return True
        return False

    def flags(self, k: int) -> tuple[bool, bool]:
        """``(glued, phrase)`` of token ``k``, asking jieba now if that was left for later."""
        jieba = self.jieba[k]
        if jieba is None:
            return self.glued[k], self.phrase[k]
        return jieba.flags_at(self.offset[k])

    def break_cost(self, k: int) -> float:
        """How bad a break between tokens ``k - 1`` and ``k`` is (see :mod:`~pipeline.subtitles.costs`)."""
        cost = text_break_cost(self.text[k - 1], self.text[k], self.space[k], self.cjk)
        return flag_cost(*self.flags(k)) if cost is None else cost

    def timed_break_cost(self, k: int) -> float:
        """:meth:`break_cost` lowered where the speaker pauses (plain text has no pauses)."""
        return self.at_pause(self.break_cost(k), k)

    def at_pause(self, cost: float, k: int) -> float:
        """A break ``cost`` before token ``k`` lowered by the pause there (never below 0)."""
        return max(0.0, cost - pause_bonus(self.start[k] - self.end[k - 1]))
