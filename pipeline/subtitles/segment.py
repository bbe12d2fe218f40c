"""Build subtitle cues from a transcript as a chain of small named rules.

The chain (after stable-ts' ``split_by_gap``/``split_by_punctuation``/``merge_by_gap``, but
with named arguments instead of a positional mini-language)::

    join_sentence_parts -> split_at_sentence_end -> split_at_pause -> split_at_clause
    -> split_by_length -> merge_short -> extend_for_reading_speed -> close_gaps -> clamp_duration

Each rule is a frozen dataclass whose fields are its arguments, so :func:`recipe_for`
records exactly what ran and the JSON output can be reproduced. Rules work on *groups*
(a range of tokens plus display times); the first six only regroup tokens, the last three
only move times. Tokens are never dropped, duplicated or reordered, so no text is lost.

All tokens of a transcript live in one :class:`~pipeline.subtitles.wrap.TokenTable`
(parallel lists, no object per token) and groups are index ranges into it: a 10-hour
Chinese transcript has ~150 000 tokens, and per-token objects used to cost more than the
rules themselves. Cue words become :class:`Word` objects only when read (:class:`CueWords`).

Before the chain runs, each utterance's text is aligned to its words' characters: Chinese
vendors return one word per character and leave punctuation out of the words, so the
utterance text is the text shown and the words only lend it their times. An utterance
without words has its span spread over its characters.

Example:
    >>> from pipeline.transcript import Transcript, Utterance
    >>> t = Transcript((Utterance("祝您生活愉快再见", 3442, 4877),), language="zh-CN")
    >>> [(c.start_ms, c.end_ms, c.lines) for c in build_cues(t)]
    [(3442, 4877, ('祝您生活愉快再见',))]
"""

from __future__ import annotations

import gc
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import accumulate, chain, count
from operator import attrgetter, lt, methodcaller
from typing import Any, ClassVar, Protocol, overload

from pipeline.subtitles.rules import CueRules, rules_for
from pipeline.subtitles.wrap import (
    _CLOSERS,
    CLAUSE_MARKS,
    COST_CHINESE_PHRASE,
    COST_CLAUSE,
    NO_LINE_START,
    SENTENCE_END,
    JiebaWords,
    Token,
    TokenTable,
    _best_two_lines,
    _flag_cost,
    _pause_bonus,
    _text_break_cost,
    is_cjk_char,
    is_word_char,
    sentence_end_by_text,
    span_bounds,
    wrap_range,
    wrap_tokens,
)
from pipeline.transcript import Transcript, Utterance, Word

# Partition costs: one more cue costs more than any single bad break, so the fewest cues win.
COST_PER_CUE = 50.0
BALANCE_WEIGHT = 20.0

# Punctuation-mode character sets (full-width: the modes mirror Volcengine's Chinese modes).
SPACE_MODE_MARKS = frozenset("，、；：。")
DROP_FINAL_MARKS = frozenset("，。、；：,.")


class CueWords(Sequence[Word]):
    """A cue's words, made into :class:`Word` objects only when someone reads them.

    Why: a cue builder run on a 10-hour Chinese transcript makes ~150 000 words, and only the
    JSON writer (and tests) look at them. This behaves like the tuple it stands for
    (indexing, iteration, ``len``, equality with tuples, hashing, ``repr``).
    """

    __slots__ = ("_a", "_b", "_table", "_words")

    def __init__(self, table: TokenTable, a: int, b: int) -> None:
        self._table, self._a, self._b = table, a, b
        self._words: tuple[Word, ...] | None = None

    def _tuple(self) -> tuple[Word, ...]:
        if self._words is None:
            t, a, b = self._table, self._a, self._b
            self._words = tuple(map(Word, t.text[a:b], t.start[a:b], t.end[a:b]))
        return self._words

    def __len__(self) -> int:
        return self._b - self._a

    @overload
    def __getitem__(self, index: int) -> Word: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Word, ...]: ...
    def __getitem__(self, index: int | slice) -> Word | tuple[Word, ...]:
        return self._tuple()[index]

    def __iter__(self) -> Iterator[Word]:
        return iter(self._tuple())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CueWords | tuple | list):
            return self._tuple() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._tuple())

    def __repr__(self) -> str:
        return repr(self._tuple())


@dataclass(frozen=True)
class Cue:
    """One subtitle: display times in integer milliseconds and its lines, top first.

    ``words`` holds the tokens the cue was built from with their speech times (for the JSON
    output); cues read back from SRT/VTT have none, and equality ignores them. Built cues
    hold a :class:`CueWords` view, which acts as the tuple.
    """

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    words: Sequence[Word] = field(default=(), compare=False, repr=False)

    @property
    def text(self) -> str:
        """The lines joined with newlines, as written to SRT/VTT."""
        return "\n".join(self.lines)


@dataclass(slots=True)
class Group:
    """A cue in the making: tokens ``[a, b)`` of the transcript's table and its display times.

    Mutable while rules run. Groups are index ranges, not token lists, so splitting and
    merging cost nothing per token.
    """

    table: TokenTable
    a: int
    b: int
    start_ms: int
    end_ms: int
    #: ``(width, lines, max_duration_ms)`` the group is known to fit (see :func:`group_fits`).
    fits: tuple[int, int, int] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, table: TokenTable, a: int, b: int) -> Group:
        """A group timed from its tokens' speech."""
        start_ms, end_ms = table.speech_span(a, b)
        return cls(table, a, b, start_ms, end_ms)

    @property
    def tokens(self) -> list[Token]:
        """The group's tokens as objects (for inspection; the rules use the table)."""
        return [self.table.token(k) for k in range(self.a, self.b)]

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


class Rule(Protocol):
    """A step of the chain: a pure function of the groups, with its arguments as fields."""

    name: ClassVar[str]

    def apply(self, groups: list[Group]) -> list[Group]: ...


def describe(rule: Rule) -> dict[str, Any]:
    """``{"name": ..., "args": {...}}`` for the recipe."""
    return {"name": rule.name, "args": asdict(rule)}  # type: ignore[call-overload]


# --------------------------------------------------------------------------- transcript -> tokens


@lru_cache(maxsize=8192)
def _norm(ch: str) -> str:
    """Compare characters loosely: full-width/half-width and case do not matter.

    Cached: it runs once per character of every utterance, and NFKC is the slow part.
    """
    return (unicodedata.normalize("NFKC", ch).casefold() or ch)[0]


class _NormTable(dict):
    """``str.translate`` table applying :func:`_norm`, filled on first sight of a character.

    Translating a whole utterance in C is several times cheaper than a call per character.
    """

    def __missing__(self, code: int) -> str:
        self[code] = _norm(chr(code))
        return self[code]


_NORM_TABLE = _NormTable()
_WHITESPACE = re.compile(r"\s")  # the same characters as str.isspace()
_NON_SPACE_RUN = re.compile(r"\S+")
_ALNUM_RUN = re.compile(r"[^\W_]+")  # the same characters as str.isalnum()
_NON_ALNUM = re.compile(r"[\W_]+")
# Times of whitespace in :func:`_char_slots`: min() and max() over a span skip them.
_NO_START, _NO_END = 1 << 62, -(1 << 62)


def _spread(count: int, start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """``count`` equal consecutive slices of a time span."""
    span = max(0, end_ms - start_ms)
    return [(start_ms + span * k // count, start_ms + span * (k + 1) // count) for k in range(count)]


def _align_skipping_punctuation(wanted: str, have: str) -> dict[int, int] | None:
    """The common case in linear time: the words spell the text minus some punctuation.

    Returns None when that is not so (recognition differences), for difflib to handle.
    """
    matched: dict[int, int] = {}
    b = 0
    for a, ch in enumerate(wanted):
        if b < len(have) and have[b] == ch:
            matched[a] = b
            b += 1
        elif ch.isalnum():
            return None
    return matched if b == len(have) else None


def _word_char_times(words: Sequence[Word]) -> tuple[str, list[int], list[int]]:
    """The words' non-space characters (normalized) and each one's start and end.

    A word's span is spread evenly over its characters (one character: the whole span).
    """
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for word in words:
        text = word.text
        if _WHITESPACE.search(text):
            text = _WHITESPACE.sub("", text)
        count, start = len(text), word.start_ms
        span = max(0, word.end_ms - start)
        if count == 1:
            starts.append(start)
            ends.append(start + span)
        elif count:
            starts.extend([start + span * k // count for k in range(count)])
            ends.extend([start + span * (k + 1) // count for k in range(count)])
        texts.append(text)
    return "".join(texts).translate(_NORM_TABLE), starts, ends


def _match_runs(wanted: str, have: str) -> list[tuple[int, int, int]] | None:
    """``(a, b, size)`` runs where ``wanted[a:a+size] == have[b:b+size]``, for the common case only.

    When the words hold letters and digits only and spell exactly the text's letters and
    digits, :func:`_align_skipping_punctuation` matches each of those characters in order
    and nothing else; this finds the same matches a run at a time. None otherwise.
    """
    if not have.isalnum() or _NON_ALNUM.sub("", wanted) != have:
        return None
    runs, b = [], 0
    for match in _ALNUM_RUN.finditer(wanted):
        a, end = match.span()
        runs.append((a, b, end - a))
        b += end - a
    return runs


def _general_runs(wanted: str, have: str) -> list[tuple[int, int, int]]:
    """Matching runs for any text: skipping punctuation when that works, difflib otherwise."""
    matched = _align_skipping_punctuation(wanted, have)
    if matched is not None:
        return [(a, b, 1) for a, b in matched.items()]
    blocks = SequenceMatcher(None, wanted, have, autojunk=False).get_matching_blocks()
    return [(block.a, block.b, block.size) for block in blocks if block.size]


def _char_slots(text: str, utterance: Utterance) -> tuple[list[int], list[int]]:
    """Start and end times for every character of ``text`` (see :func:`char_times`).

    Whitespace gets ``_NO_START``/``_NO_END`` so that min()/max() over a span ignore it.
    Matching is done on runs of characters and times are copied by slices: this runs for
    every character of the transcript, so per-character Python work is kept to a minimum.
    """
    chars = _WHITESPACE.sub("", text) if _WHITESPACE.search(text) else text
    count = len(chars)
    starts, ends = [utterance.start_ms] * count, [utterance.start_ms] * count
    runs: list[tuple[int, int, int]] = []
    if utterance.words and count:
        have, word_starts, word_ends = _word_char_times(utterance.words)
        if have:
            wanted = chars.translate(_NORM_TABLE)
            runs = _match_runs(wanted, have)
            if runs is None:
                runs = _general_runs(wanted, have)
    if runs:
        # Unmatched characters (punctuation the words lack) take the end of the character
        # before them; leading ones the start of the first match.
        position, last = 0, word_starts[runs[0][1]]
        for a, b, size in runs:
            if a > position:
                starts[position:a] = ends[position:a] = [last] * (a - position)
            starts[a : a + size] = word_starts[b : b + size]
            ends[a : a + size] = word_ends[b : b + size]
            position, last = a + size, word_ends[b + size - 1]
        if position < count:
            starts[position:] = ends[position:] = [last] * (count - position)
    elif count:
        slots = _spread(count, utterance.start_ms, utterance.end_ms)
        starts, ends = [a for a, _ in slots], [b for _, b in slots]
    if count == len(text):
        return starts, ends
    return _with_whitespace(text, starts, ends)


def _with_whitespace(text: str, starts: list[int], ends: list[int]) -> tuple[list[int], list[int]]:
    """Per-character times of the non-space characters spread back over ``text``."""
    full_starts, full_ends = [_NO_START] * len(text), [_NO_END] * len(text)
    q = 0
    for match in _NON_SPACE_RUN.finditer(text):
        a, b = match.span()
        full_starts[a:b] = starts[q : q + b - a]
        full_ends[a:b] = ends[q : q + b - a]
        q += b - a
    return full_starts, full_ends


def char_times(text: str, utterance: Utterance) -> list[tuple[int, int]]:
    """Speech times for every character of ``text`` (whitespace gets a placeholder).

    Word characters are matched to text characters with difflib, so punctuation the words
    lack still gets a time (that of the character before it) and recognition differences do
    not shift the rest. Without words, or with nothing matching, times are spread evenly.
    """
    starts, ends = _char_slots(text, utterance)
    placeholder = (utterance.start_ms, utterance.start_ms)
    return [placeholder if ch.isspace() else (a, b) for ch, a, b in zip(text, starts, ends, strict=True)]


# --------------------------------------------------------------------------- fast paths
#
# Most vendor output has one of two shapes, and for them the general alignment above
# (per-character times, then the min/max over each token) reduces to "token k takes word
# k's times". Recognising the shape costs a few C-level string operations per utterance.

# Closing punctuation that is glued to the character before it and is neither a letter
# nor a quote (so alignment skips it and span_bounds glues it).
_CLOSING = "".join(
    sorted(c for c in NO_LINE_START if c not in "\"'" and not c.isalnum() and not _norm(c).isalnum())
)
_CLOSING_CLASS = "[" + re.escape(_CLOSING) + "]"
_CLOSING_RUN = re.compile(_CLOSING_CLASS + "+")
# Chinese: every token is one Han character with any closing marks after it.
_HAN_TEXT = re.compile("(?:[\u4e00-\u9fff]" + _CLOSING_CLASS + "*)+")
# Spaced languages: ASCII words (with inner joiners) and closing marks, single spaces between.
_ASCII_CHUNK = r"[A-Za-z0-9]+(?:[.,'’\-:/_&@+][A-Za-z0-9]+)*" + _CLOSING_CLASS + "*"
_ASCII_TEXT = re.compile(_ASCII_CHUNK + "(?: " + _ASCII_CHUNK + ")*")
# What ``token.rstrip(_CLOSING)`` removes from every space-separated token, as one pattern.
_TRAILING_CLOSING = re.compile(_CLOSING_CLASS + r"+(?= |\Z)")


_MATCH_START = methodcaller("start")

def _word_times(words: Sequence[Word]) -> tuple[list[int], list[int]]:
    """Each word's start and end (an end before the start counts as the start, as in alignment)."""
    return [w.start_ms for w in words], [w.end_ms if w.end_ms >= w.start_ms else w.start_ms for w in words]


def _han_tokens(text: str, texts: list[str]) -> list[str] | None:
    """The tokens of ``text`` (Han characters, each with the closing marks after it) when the
    word ``texts`` spell its characters one each; None otherwise.

    Built from the words: each run of closing marks is added to the character before it,
    and the result must give back the text. With as many non-empty words as characters,
    none can be longer than one.
    """
    runs = [match.span() for match in _CLOSING_RUN.finditer(text)]
    if len(texts) != len(text) - sum(end - start for start, end in runs) or "" in texts:
        return None
    tokens = texts.copy()
    marks = 0  # closing marks before the run: the character before it is token start - marks - 1
    for start, end in runs:
        tokens[start - marks - 1] += text[start:end]
        marks += end - start
    return tokens if "".join(tokens) == text else None


def _ascii_tokens(text: str, texts: list[str]) -> list[str] | None:
    """The tokens of ``text`` (ASCII words with any closing marks after them, single spaces
    between) when the word ``texts`` spell them one each; None otherwise.

    Words of letters and digits only, the usual case, are checked with string methods, and
    only tokens that differ from their word (those with marks) are stripped (``rstrip``
    with a set of characters is costly); words with inner joiners ("don't", "3.5") go
    through :data:`_ASCII_TEXT` and a strip of every token, as the general rule says.
    """
    tokens = text.split(" ")
    if len(tokens) != len(texts) or "" in texts:
        return None
    letters = "".join(texts)
    if letters.isascii() and letters.isalnum():
        for word, token in zip(texts, tokens, strict=True):
            if word != token and token.rstrip(_CLOSING) != word:
                return None
    elif not _ASCII_TEXT.fullmatch(text) or [token.rstrip(_CLOSING) for token in tokens] != texts:
        return None
    return tokens


def _fast_tokens(text: str, words: Sequence[Word]) -> tuple[list[str], list[int], list[int]] | None:
    """Token texts and times when each token is exactly one word plus closing punctuation.

    Chinese: Han characters with one single-character word each. Spaced languages: ASCII
    words separated by single spaces, each spelled by one word. Gives what
    :func:`span_bounds` and :func:`_char_slots` give for such input; None for anything else.
    """
    if not words:
        return None
    texts = [w.text for w in words]
    tokens = _han_tokens(text, texts) if _HAN_TEXT.fullmatch(text) else _ascii_tokens(text, texts)
    if tokens is None:
        return None
    starts, ends = _word_times(words)
    return tokens, starts, ends


def _add_utterance(table: TokenTable, utterance: Utterance, chinese: bool) -> None:
    """Append the utterance's tokens to ``table`` (see :func:`utterance_tokens`).

    ``glued``/``phrase`` are left to :meth:`TokenTable.finish` (all False: jieba's flags are
    looked up later), and ``offset`` is only filled where ``jieba`` is set.
    """
    text = utterance.text.strip()
    fast = _fast_tokens(text, utterance.words)
    jieba: list[JiebaWords | None] | None = None
    if fast is not None:
        texts, starts, ends = fast
        count = len(texts)
        spaced = " " in text  # then a space before every token but the first
        spaces = [False] + [spaced] * (count - 1)
        if chinese and not spaced:  # every token but the first may be glued to the one before
            offsets = list(accumulate(map(len, texts), initial=0))
            offsets.pop()
            jieba = [None] + [JiebaWords(text)] * (count - 1)
        else:  # no jieba flags, so the offsets are never read
            offsets = [0] * count
            jieba = [None] * count
    else:
        starts_by_char, ends_by_char = _char_slots(text, utterance)
        bounds = span_bounds(text)
        texts, starts, ends, offsets, spaces = [], [], [], [], []
        for a, b, space in bounds:
            if b - a == 1:  # one CJK character: most tokens of Chinese text
                start, end = starts_by_char[a], ends_by_char[a]
            else:
                start, end = min(starts_by_char[a:b]), max(ends_by_char[a:b])
            texts.append(text[a:b])
            starts.append(start)
            ends.append(end if end > start else start)
            offsets.append(a)
            spaces.append(space)
    count = len(texts)
    table.text.extend(texts)
    table.start.extend(starts)
    table.end.extend(ends)
    table.space.extend(spaces)
    table.offset.extend(offsets)
    if jieba is None and chinese and count:
        # jieba flags are looked up only where a break is priced, and never for a token
        # that is first or has a space before it.
        words = JiebaWords(text)
        jieba = [None if not a or space else words for a, space in zip(offsets, spaces, strict=True)]
    table.jieba.extend(jieba or [None] * count)


def utterance_tokens(utterance: Utterance, rules: CueRules) -> list[Token]:
    """The utterance text cut into timed tokens (see :mod:`pipeline.subtitles.wrap`).

    For Chinese, jieba's word flags are left to :class:`~pipeline.subtitles.wrap.JiebaWords`
    and looked up only where a break is priced (a token with a space before it, or the
    first one, is never glued and its phrase flag is never read).
    """
    table = TokenTable()
    _add_utterance(table, utterance, rules.is_chinese)
    table.finish()
    return [table.token(k) for k in range(len(table))]


def _spaced_table(transcript: Transcript) -> tuple[TokenTable, list[tuple[int, int]]] | None:
    """:func:`transcript_table` for a spaced language when every utterance takes :func:`_ascii_tokens`' path.

    Why: that is the usual shape of English vendor output, and checking it utterance by
    utterance, word by word, was a quarter of the cue builder's time on a long English
    transcript. Here the checks run once over the whole transcript in C: each utterance
    has one more word than spaces, no word is empty, the joined text is ASCII words with
    single spaces (:data:`_ASCII_TEXT`, needed only when some word has inner joiners), and
    with the closing marks after each token removed it spells the joined words. With the
    counts equal per utterance, that is :func:`_ascii_tokens` accepting every utterance.
    None when any check fails (then each utterance is handled on its own).
    """
    utterances = transcript.utterances
    texts = [u.text.strip() for u in utterances]
    sizes = [len(u.words) for u in utterances]
    if not utterances or 0 in sizes or list(map(methodcaller("count", " "), texts)) != [n - 1 for n in sizes]:
        return None
    words = list(chain.from_iterable(map(attrgetter("words"), utterances)))
    spelled = list(map(attrgetter("text"), words))
    letters = "".join(spelled)
    shown = " ".join(texts)
    if "" in spelled or _TRAILING_CLOSING.sub("", shown) != " ".join(spelled):
        return None
    if not (letters.isascii() and letters.isalnum()) and not _ASCII_TEXT.fullmatch(shown):
        return None
    table = TokenTable()
    table.text = shown.split(" ")
    table.start = list(map(attrgetter("start_ms"), words))
    table.end = list(map(attrgetter("end_ms"), words))
    if any(map(lt, table.end, table.start)):  # an end before the start counts as the start
        table.end = list(map(max, table.end, table.start))
    n = len(words)
    table.space = [False] + [True] * (n - 1)  # between words, and where utterances meet
    table.offset = [0] * n
    table.jieba = [None] * n
    edges = list(accumulate(sizes, initial=0))
    return table.finish(), list(zip(edges, edges[1:], strict=False))


def transcript_table(transcript: Transcript, rules: CueRules) -> tuple[TokenTable, list[tuple[int, int]]]:
    """All utterances' tokens in one table, and each utterance's token range.

    Where utterances meet, the first token gets a space before it in spaced languages and
    between two Latin words in CJK text, and never a jieba flag.
    """
    if not rules.is_cjk and (spaced := _spaced_table(transcript)) is not None:
        return spaced
    return _table_by_utterance(transcript, rules)


def _table_by_utterance(transcript: Transcript, rules: CueRules) -> tuple[TokenTable, list[tuple[int, int]]]:
    """:func:`transcript_table` for any shape of input, one utterance at a time."""
    table = TokenTable()
    ranges: list[tuple[int, int]] = []
    cjk, chinese = rules.is_cjk, rules.is_chinese
    for utterance in transcript.utterances:
        a = len(table)
        _add_utterance(table, utterance, chinese)
        if ranges and len(table) > a and _only_closing_marks(table.text[a]):
            _glue_to_previous(table, a)
        if len(table) == a:
            continue
        if ranges:
            prev, nxt = table.text[a - 1], table.text[a]
            table.space[a] = not cjk or (is_word_char(prev[-1]) and is_word_char(nxt[0]))
            table.jieba[a] = None
        ranges.append((a, len(table)))
    return table.finish(), ranges


def _only_closing_marks(token: str) -> bool:
    """True for a token of closing punctuation alone ("，", "),", "」"): one that cannot start a line."""
    return not token.strip(_CLOSING + _CLOSERS)


def _glue_to_previous(table: TokenTable, k: int) -> None:
    """Move token ``k``'s text to the end of token ``k - 1`` and drop token ``k``.

    Why: a vendor utterance that starts with a comma or a closing bracket would otherwise
    start a cue with it; within one text :func:`span_bounds` glues such marks to the
    character before them, and this does the same across the utterance boundary. The mark
    keeps the previous token's times, as a mark inside a text takes the time of the
    character before it.
    """
    table.text[k - 1] += table.text[k]
    for column in (table.text, table.start, table.end, table.space, table.offset, table.jieba):
        del column[k]


def _timed_groups(table: TokenTable, ranges: Iterable[tuple[int, int]]) -> list[Group]:
    """:meth:`Group.of` for each (non-empty) range, with speech in order read straight from the table.

    Rules make a group for every piece they cut; one constructor call each instead of three.
    """
    if table.times_in_order():
        starts, ends = table.start, table.end
        return [Group(table, a, b, starts[a], ends[b - 1]) for a, b in ranges]
    return [Group.of(table, a, b) for a, b in ranges]


def transcript_groups(transcript: Transcript, rules: CueRules) -> list[Group]:
    """One group per utterance (the vendor's own segmentation is the starting point)."""
    table, ranges = transcript_table(transcript, rules)
    return _timed_groups(table, ranges)


# --------------------------------------------------------------------------- shared helpers


def fits_range(table: TokenTable, a: int, b: int, width: int, lines: int, max_duration_ms: int) -> bool:
    """True when tokens[a:b] make one acceptable cue: within the lines and the longest duration.

    A single token always fits: a word wider than the line or longer than the limit cannot
    be cut, so it becomes a cue of its own.
    """
    if b - a <= 1:
        return True
    return table.speech_end(a, b) - table.start[a] <= max_duration_ms and table.fits_lines(a, b, width, lines)


def group_fits(group: Group, width: int, lines: int, max_duration_ms: int) -> bool:
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


def fits(tokens: Sequence[Token], width: int, lines: int, max_duration_ms: int) -> bool:
    """:func:`fits_range` for a list of tokens."""
    return fits_range(TokenTable.from_tokens(tokens), 0, len(tokens), width, lines, max_duration_ms)


def _split_at(groups: list[Group], cuts: Sequence[int]) -> list[Group]:
    """Cut every group before each token index in ``cuts`` (sorted) that lies inside it."""
    out: list[Group] = []
    for group in groups:
        lo, hi = bisect_right(cuts, group.a), bisect_left(cuts, group.b)
        if lo == hi:
            out.append(group)
            continue
        edges = [group.a, *cuts[lo:hi], group.b]
        out.extend(_timed_groups(group.table, zip(edges, edges[1:], strict=False)))
    return out


def _partition(
    table: TokenTable,
    a: int,
    b: int,
    cut_points: Sequence[int],
    part_cost: Callable[[int, int], float | None],
    break_costs: Sequence[float] | None = None,
) -> list[int] | None:
    """Cheapest cuts of tokens[a:b] among ``cut_points`` (dynamic programme over the allowed boundaries).

    ``part_cost(i, j)`` prices ``tokens[i:j]`` and returns None for a part that is not
    allowed; parts only grow when their start moves left, so the scan stops at the first
    disallowed one. Break costs are computed once per cut point, not once per pair (or
    given as ``break_costs``, the timed break cost before each cut point). Returns None
    when no partition into allowed parts exists.
    """
    points = [a, *cut_points, b]
    if break_costs is None:
        break_costs = [table.timed_break_cost(p) for p in cut_points]
    breaks = [0.0, *break_costs]
    best = [math.inf] * len(points)
    back = [0] * len(points)
    best[0] = 0.0
    for j in range(1, len(points)):
        end = points[j]
        for i in range(j - 1, -1, -1):
            cost = part_cost(points[i], end)
            if cost is None:
                break
            if i:
                cost += breaks[i]
            if best[i] + cost < best[j]:
                best[j], back[j] = best[i] + cost, i
    if best[-1] == math.inf:
        return None
    cuts, j = [], len(points) - 1
    while j:
        j = back[j]
        if j:
            cuts.append(points[j])
    return sorted(cuts)


def _cut(group: Group, cuts: Sequence[int]) -> list[Group]:
    edges = [group.a, *cuts, group.b]
    return _timed_groups(group.table, zip(edges, edges[1:], strict=False))


# --------------------------------------------------------------------------- regrouping rules


_SENTENCE_MARKS = SENTENCE_END | {"."}


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
        finished = [_last_mark(text[g.b - 1]) in _SENTENCE_MARKS for g in groups]
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


@lru_cache(maxsize=1 << 16)
def _last_mark(text: str) -> str:
    """The token's last character before any closing quotes or brackets ("" when none)."""
    return text.rstrip(_CLOSERS)[-1:]


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
        # Cheap filter first, in one scan: only a token ending in a mark or a closing quote
        # can end a sentence.
        last = re.compile("[" + re.escape("".join(sorted(set(self.marks) | set(_CLOSERS)))) + "]")
        marks = self.marks
        cuts = [
            k + 1
            for k in map(_MATCH_START, last.finditer(table.last_chars(), 0, len(text) - 1))
            if (
                (ends := sentence_end_by_text(text[k]))
                or (ends is None and (space[k + 1] or is_cjk_char(text[k + 1][0])))  # as _ends_sentence
            )
            and _last_mark(text[k]) in marks
        ]
        return _split_at(groups, cuts)


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
        return _split_at(groups, cuts)


def _fewest_cues(table: TokenTable, a: int, b: int, width: int, lines: int, max_duration_ms: int) -> int:
    """The fewest fitting cues tokens[a:b] can be cut into, breaking anywhere.

    Greedy: each cue takes tokens while they still fit (lines filled as :meth:`TokenTable.count_lines`
    fills them, duration as :func:`fits_range` measures it). With speech in time order a part
    of a fitting cue fits too, so taking as much as fits never needs more cues than any other cut.
    A cue's end is found line by line (:meth:`TokenTable.line_end`), then pulled back token by
    token only when its speech runs too long.
    """
    starts, ends = table.start, table.end
    cues, start = 0, a
    while start < b:
        cues += 1
        end = start
        for _ in range(lines):
            end = table.line_end(end, b, width)
            if end >= b:
                break
        if max(ends[start:end]) - starts[start] > max_duration_ms:
            last_end, limit = ends[start], starts[start] + max_duration_ms
            for k in range(start + 1, end):
                last_end = max(last_end, ends[k])
                if last_end > limit:
                    end = k
                    break
        start = end
    return cues


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
    max_chars_per_line: int = 42
    max_lines: int = 2
    max_duration_ms: int = 7000
    marks: str = "".join(sorted(CLAUSE_MARKS | SENTENCE_END))

    def _piece_costs(
        self, table: TokenTable
    ) -> tuple[Callable[[int, int], float | None], Callable[[int, int], float]]:
        """Prices of a piece tokens[i:j] for :func:`_partition`: one refusing pieces that do not
        fit, one pricing them by the cues they will probably need once cut by length.

        Closures over the table's lists, with :func:`fits_range` written out: the partition
        prices every pair of cut points of every group that does not fit.
        """
        width, lines, max_ms = self.max_chars_per_line, self.max_lines, self.max_duration_ms
        capacity = width * lines
        prefix, space, starts = table.prefix, table.space, table.start
        speech_end, fits_lines = table.speech_end, table.fits_lines

        def fitting(i: int, j: int) -> float | None:
            if j - i > 1 and (speech_end(i, j) - starts[i] > max_ms or not fits_lines(i, j, width, lines)):
                return None
            return COST_PER_CUE + BALANCE_WEIGHT * ((prefix[j] - prefix[i] - space[i]) / capacity) ** 2

        def priced(i: int, j: int) -> float:
            cost = fitting(i, j)
            if cost is not None:
                return cost
            # An unfit piece will be cut by length later: count the cues it will probably need.
            chars, duration = prefix[j] - prefix[i] - space[i], speech_end(i, j) - starts[i]
            return COST_PER_CUE * max(math.ceil(chars / capacity), math.ceil(duration / max_ms), 2)

        return fitting, priced

    def apply(self, groups: list[Group]) -> list[Group]:
        out: list[Group] = []
        # Tokens ending in a mark, found in one scan of their last characters.
        mark = re.compile("[" + re.escape(self.marks) + "]")
        limits = (self.max_chars_per_line, self.max_lines, self.max_duration_ms)
        priced_on: TokenTable | None = None  # the table the piece prices below were made for
        for group in groups:
            table, a, b = group.table, group.a, group.b
            if group_fits(group, *limits):
                out.append(group)
                continue
            cut_points, breaks = [], []
            for k in map((1).__add__, map(_MATCH_START, mark.finditer(table.last_chars(), a, b - 1))):
                cost = table.break_cost(k)
                if cost <= COST_CLAUSE:
                    cut_points.append(k)
                    breaks.append(max(0.0, cost - _pause_bonus(table.start[k] - table.end[k - 1])))  # timed_break_cost
            if not cut_points:
                out.append(group)
                continue
            if table is not priced_on:  # groups share one table: price with the same closures
                (fitting, priced), priced_on = self._piece_costs(table), table
            cuts = _partition(table, a, b, cut_points, fitting, breaks)
            if cuts is not None and len(cuts) + 1 <= _fewest_cues(table, a, b, *limits):
                pieces = _cut(group, cuts)
                for piece in pieces:
                    piece.fits = limits  # every piece was priced as fitting
                out.extend(pieces)
                continue
            # Unfit pieces are priced, not refused, so this always finds a partition.
            out.extend(_cut(group, _partition(table, a, b, cut_points, priced, breaks) or []))
        return out


def _lazy_breaks(table: TokenTable, a: int, b: int) -> tuple[list[float], dict[int, float]]:
    """Timed break costs before tokens[a+1:b] (local indexes), with jieba left for later.

    Where the cost depends on jieba's word flags the list holds the lowest it can be (a
    phrase boundary) and ``pending`` maps the index to its pause bonus; the real cost is
    ``max(0.0, _flag_cost(*table.flags(k)) - bonus)``, exactly what
    :meth:`TokenTable.timed_break_cost` gives. Why: jieba is the costliest step for
    Chinese and most of these breaks are never chosen.
    """
    text, space, starts, ends, jieba = table.text, table.space, table.start, table.end, table.jieba
    breaks = [0.0] * (b - a)
    pending: dict[int, float] = {}
    for k in range(a + 1, b):
        bonus = _pause_bonus(starts[k] - ends[k - 1])
        cost = _text_break_cost(text[k - 1], text[k], space[k])
        if cost is None:
            if jieba[k] is not None:
                pending[k - a] = bonus
                breaks[k - a] = max(0.0, COST_CHINESE_PHRASE - bonus)
                continue
            cost = _flag_cost(table.glued[k], table.phrase[k])
        breaks[k - a] = max(0.0, cost - bonus)
    return breaks, pending


def _line_reach(prefix: list[int], shown_space: list[int], width: int, lines: int) -> list[int]:
    """reach[i]: the end of the longest run tokens[i:reach[i]] that fits on ``lines`` lines.

    Lines are filled greedily from the left (a token wider than the line gets a line of its
    own), which needs the fewest lines, as :func:`count_lines` does; ``prefix`` and
    ``shown_space`` give widths as in :meth:`TokenTable.width`. Two pointers: O(n).
    """
    n = len(prefix) - 1
    line_end = list(range(1, n + 1)) + [n]
    k = 0
    for i in range(n):
        k = max(k, i + 1)
        while k < n and prefix[k + 1] - prefix[i] - shown_space[i] <= width:
            k += 1
        line_end[i] = k
    reach = list(range(n + 1))
    for _ in range(lines):
        reach = [line_end[r] for r in reach]
    return reach


@dataclass(frozen=True)
class SplitByLength:
    """Split groups that do not fit into the fewest balanced cues, breaking at the best places."""

    name: ClassVar[str] = "split_by_length"
    max_chars_per_line: int = 42
    max_lines: int = 2
    max_duration_ms: int = 7000

    def _cuts(self, table: TokenTable, a: int, b: int) -> list[int]:
        """The cheapest cuts of tokens[a:b] into fitting pieces: :func:`_partition` over every boundary.

        Same programme, costs, tie-breaking and result as ``_partition`` with a piece cost of
        ``COST_PER_CUE + BALANCE_WEIGHT * (width / capacity) ** 2`` for pieces that fit (a
        piece's start scans left from its end and stops at the first piece that does not
        fit; among equal costs the first seen, i.e. the latest start, wins). This loop ran
        for every token times the piece length and was the cue builder's hottest spot, so
        for each end the allowed starts are found from precomputed line reaches
        (:func:`_line_reach`) and the durations, and all their costs are priced in one list
        comprehension. Breaks that need jieba enter with their lowest possible cost and are
        looked up only when such a break would be chosen (see :func:`_lazy_breaks`): a piece
        that loses with a lower bound loses with the real cost too, so the choices are the
        same. Indexes are local to the group.
        """
        capacity = self.max_chars_per_line * self.max_lines
        n = b - a
        spaced = [1 if s else 0 for s in table.space[a:b]]
        starts, ends = table.start[a:b], table.end[a:b]
        base = table.prefix[a] + spaced[0]
        prefix = [0] + [p - base for p in table.prefix[a + 1 : b + 1]]
        shown_space = [0, *spaced[1:]]  # a piece starting at i > 0 does not show the space before it
        reach = _line_reach(prefix, shown_space, self.max_chars_per_line, self.max_lines)
        ordered = all(x <= y for x, y in zip(starts, starts[1:], strict=False))
        breaks, pending = _lazy_breaks(table, a, b)
        best = [math.inf] * (n + 1)
        back = [0] * (n + 1)
        best[0] = 0.0
        lowest = 0
        for j in range(1, n + 1):
            while reach[lowest] < j:  # tokens[i:j] need more than max_lines lines for every i < lowest
                lowest += 1
            first = self._first_start(starts, ends, lowest, j, ordered)
            widths = [prefix[j] - prefix[i] - shown_space[i] for i in range(first, j)]
            costs = [
                best[i] + (COST_PER_CUE + BALANCE_WEIGHT * (width / capacity) ** 2 + breaks[i])
                for i, width in zip(range(first, j), widths, strict=True)
            ]
            while True:
                cheapest = min(costs)
                pick = first + len(costs) - 1 - costs[::-1].index(cheapest)  # the latest start among equals
                if pick not in pending:
                    break
                # Priced with its lowest possible break cost: ask jieba, then choose again.
                breaks[pick] = max(0.0, _flag_cost(*table.flags(a + pick)) - pending.pop(pick))
                width = widths[pick - first]
                costs[pick - first] = best[pick] + (
                    COST_PER_CUE + BALANCE_WEIGHT * (width / capacity) ** 2 + breaks[pick]
                )
            best[j], back[j] = cheapest, pick
        cuts, j = [], n
        while j:
            j = back[j]
            if j:
                cuts.append(a + j)
        return sorted(cuts)

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
            if group_fits(group, self.max_chars_per_line, self.max_lines, self.max_duration_ms):
                out.append(group)
                continue
            out.extend(_cut(group, self._cuts(group.table, group.a, group.b)))
        return out


@dataclass(frozen=True)
class MergeShort:
    """Merge a cue shorter than ``min_duration_ms`` into its nearer neighbour when the result fits.

    Only neighbours within ``max_gap_ms`` merge: after a longer silence the short cue can
    simply stay up longer instead.
    """

    name: ClassVar[str] = "merge_short"
    min_duration_ms: int = 833
    max_gap_ms: int = 500
    max_chars_per_line: int = 42
    max_lines: int = 2
    max_duration_ms: int = 7000

    def _try_merge(self, groups: list[Group], i: int) -> bool:
        candidates = []
        if i > 0:
            candidates.append((groups[i].start_ms - groups[i - 1].end_ms, i - 1))
        if i + 1 < len(groups):
            candidates.append((groups[i + 1].start_ms - groups[i].end_ms, i))
        for gap, k in sorted(candidates):
            table, a, b = groups[k].table, groups[k].a, groups[k + 1].b
            if gap <= self.max_gap_ms and fits_range(
                table, a, b, self.max_chars_per_line, self.max_lines, self.max_duration_ms
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


# --------------------------------------------------------------------------- timing rules


@dataclass(frozen=True)
class ExtendForReadingSpeed:
    """Keep short or dense cues up longer, into the following silence only.

    The target is the longer of ``min_duration_ms`` and the time needed to read the text at
    ``max_cps``; the end never passes the next cue's start minus ``min_gap_ms``, the end of
    the media, or ``max_duration_ms``. When speech is faster than that, the cue stays short:
    moving text away from its speech would be worse.
    """

    name: ClassVar[str] = "extend_for_reading_speed"
    max_cps: float = 20.0
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_ms: int = 80
    cjk: bool = False
    media_end_ms: int | None = None

    def apply(self, groups: list[Group]) -> list[Group]:
        # Limits in locals and min()/max() written as comparisons: this runs once per cue.
        cps, cjk, gap, media_end = self.max_cps, self.cjk, self.min_gap_ms, self.media_end_ms
        shortest, longest = self.min_duration_ms, self.max_duration_ms
        last = len(groups) - 1
        for i, group in enumerate(groups):
            target = math.ceil(group.table.reading_length(group.a, group.b, cjk) * 1000 / cps)
            if target < shortest:
                target = shortest
            limit = group.start_ms + (target if target < longest else longest)
            if i < last and groups[i + 1].start_ms - gap < limit:
                limit = groups[i + 1].start_ms - gap
            if media_end is not None and media_end < limit:
                limit = media_end
            if limit > group.end_ms:
                group.end_ms = limit
        return groups


@dataclass(frozen=True)
class CloseGaps:
    """Make every gap at least ``min_gap_ms`` and close gaps under ``close_gap_ms`` to exactly that.

    Overlaps (vendors' utterances sometimes overlap) are resolved by ending the earlier cue
    sooner, or, when it would vanish, by starting the later cue later.
    """

    name: ClassVar[str] = "close_gaps"
    min_gap_ms: int = 80
    close_gap_ms: int = 500
    max_duration_ms: int = 7000

    def apply(self, groups: list[Group]) -> list[Group]:
        min_gap, close_gap, longest = self.min_gap_ms, self.close_gap_ms, self.max_duration_ms
        for cur in groups:
            if cur.end_ms <= cur.start_ms:  # zero-length speech still needs a visible cue
                cur.end_ms = cur.start_ms + 1
        for cur, nxt in zip(groups, groups[1:], strict=False):
            gap = nxt.start_ms - cur.end_ms
            if gap < min_gap:
                cur.end_ms = max(cur.start_ms + 1, nxt.start_ms - min_gap)
                if nxt.start_ms < cur.end_ms + min_gap:
                    nxt.start_ms = cur.end_ms + min_gap
                    nxt.end_ms = max(nxt.end_ms, nxt.start_ms + 1)
            elif gap < close_gap:
                cur.end_ms = min(nxt.start_ms - min_gap, max(cur.end_ms, cur.start_ms + longest))
        return groups


@dataclass(frozen=True)
class ClampDuration:
    """End cues at ``max_duration_ms`` (only a single very long word can still exceed it)."""

    name: ClassVar[str] = "clamp_duration"
    max_duration_ms: int = 7000

    def apply(self, groups: list[Group]) -> list[Group]:
        longest = self.max_duration_ms
        for group in groups:
            if group.end_ms > group.start_ms + longest:
                group.end_ms = group.start_ms + longest
        return groups


# --------------------------------------------------------------------------- chain and cues


def default_chain(rules: CueRules, media_end_ms: int | None = None) -> tuple[Rule, ...]:
    """The rules :func:`build_cues` applies, with their arguments taken from ``rules``."""
    fit = {
        "max_chars_per_line": rules.max_chars_per_line,
        "max_lines": rules.max_lines,
        "max_duration_ms": rules.max_duration_ms,
    }
    return (
        JoinSentenceParts(max_gap_ms=rules.pause_split_ms),
        SplitAtSentenceEnd(),
        SplitAtPause(min_pause_ms=rules.pause_split_ms),
        SplitAtClause(**fit),
        SplitByLength(**fit),
        MergeShort(min_duration_ms=rules.min_duration_ms, max_gap_ms=rules.close_gap_ms, **fit),
        ExtendForReadingSpeed(
            max_cps=rules.max_cps,
            min_duration_ms=rules.min_duration_ms,
            max_duration_ms=rules.max_duration_ms,
            min_gap_ms=rules.min_gap_ms,
            cjk=rules.is_cjk,
            media_end_ms=media_end_ms,
        ),
        CloseGaps(min_gap_ms=rules.min_gap_ms, close_gap_ms=rules.close_gap_ms, max_duration_ms=rules.max_duration_ms),
        ClampDuration(max_duration_ms=rules.max_duration_ms),
    )


def recipe_for(rules: CueRules, media_end_ms: int | None = None) -> list[dict[str, Any]]:
    """The applied chain as ``[{"name": ..., "args": {...}}, ...]`` (stored in the JSON output)."""
    return [describe(rule) for rule in default_chain(rules, media_end_ms)]


def recipe_string(recipe: Sequence[dict[str, Any]]) -> str:
    """A one-line form for logs: ``split_at_pause(min_pause_ms=600) > ...``."""
    return " > ".join(
        f"{step['name']}({', '.join(f'{k}={v!r}' for k, v in step['args'].items())})" for step in recipe
    )


def display_tokens(tokens: Sequence[Token], mode: str) -> list[Token]:
    """Apply the Chinese punctuation display mode to one cue's tokens.

    ``keep`` changes nothing; ``space`` shows ，、；：。 as a space (none at the cue's edges);
    ``drop_final`` removes commas and full stops that end the cue. Tokens left empty vanish.
    """
    if mode == "space":
        return _marks_as_spaces(tokens)
    if mode == "drop_final":
        return _drop_final_marks(tokens)
    return list(tokens)


def _marks_as_spaces(tokens: Sequence[Token]) -> list[Token]:
    out: list[Token] = []
    space_next = False  # a mark that became a space sits before the next shown token
    for token in tokens:
        shown = "".join(" " if ch in SPACE_MODE_MARKS else ch for ch in token.text)
        if shown == token.text:
            out.append(replace(token, space_before=token.space_before or space_next) if space_next else token)
            space_next = False
            continue
        core = " ".join(shown.split())
        if core:
            out.append(replace(token, text=core, space_before=token.space_before or space_next or shown[0] == " "))
            space_next = shown[-1] == " "
        else:
            space_next = True
    return out


def _drop_final_marks(tokens: Sequence[Token]) -> list[Token]:
    out = list(tokens)
    while out:
        text = out[-1].text
        while text and text[-1] in DROP_FINAL_MARKS and not text.endswith(".."):
            text = text[:-1].rstrip()
        if text:
            out[-1] = replace(out[-1], text=text)
            break
        out.pop()
    return out


def render_cues(groups: Sequence[Group], rules: CueRules) -> list[Cue]:
    """Groups -> cues: punctuation display mode, then line breaking."""
    cues = []
    width, max_lines, bottom_heavy = rules.max_chars_per_line, rules.max_lines, rules.bottom_heavy
    keep = rules.punctuation == "keep"
    for group in groups:
        table, a, b = group.table, group.a, group.b
        if keep:  # the shown tokens are the table's: wrap them in place
            prefix = table.prefix
            if b - a == 1 or (b > a and prefix[b] - prefix[a] - table.space[a] <= width):  # one line, as wrap_range finds
                lines = (table.join(a, b),)
            elif (k := _best_two_lines(table, a, b, width, bottom_heavy)) is not None:  # two, as wrap_range finds
                lines = (table.join(a, k), table.join(k, b))
            else:
                lines = wrap_range(table, a, b, width, max_lines, bottom_heavy)
        else:
            shown = display_tokens(group.tokens, rules.punctuation)
            lines = wrap_tokens(shown, width, max_lines, bottom_heavy)
        if not lines:
            continue
        cues.append(Cue(int(group.start_ms), int(group.end_ms), lines, CueWords(table, a, b)))
    return cues


def build_cues(
    transcript: Transcript, rules: CueRules | None = None, chain: Sequence[Rule] | None = None
) -> list[Cue]:
    """Turn a transcript into ordered, non-overlapping, wrapped cues.

    Args:
        transcript: the normalized vendor result.
        rules: limits to apply; ``rules_for(transcript.language)`` when omitted.
        chain: the rules to apply, in order; :func:`default_chain` of ``rules`` when omitted.

    Returns:
        Cues in time order; their concatenated text is the transcript's text (apart from
        the chosen punctuation display mode).
    """
    rules = rules or rules_for(transcript.language)
    # The cue builder makes no reference cycles, yet a long transcript makes hundreds of
    # thousands of lists and tuples that would set the cyclic collector off again and again
    # (a few percent of the time). Off while building, then back as it was.
    collecting = gc.isenabled()
    gc.disable()
    try:
        groups = transcript_groups(transcript, rules)
        for rule in default_chain(rules, transcript.duration_ms) if chain is None else chain:
            groups = rule.apply(groups)
        return render_cues(groups, rules)
    finally:
        if collecting:
            gc.enable()
