"""Text and word times: which speech time each character of an utterance's text gets.

Chinese vendors return one word per character and leave punctuation out of the words, so
the utterance text is the text shown and the words only lend it their times. Characters
are matched to word characters (loosely: full-width and case do not matter); punctuation
the words lack takes the time of the character before it, and recognition differences
between the words and the text do not shift the rest. An utterance without words has its
span spread over its characters.

Most vendor output has one of two shapes, and for them the general alignment reduces to
"token k takes word k's times": :func:`fast_tokens` recognises them with a few C-level
string operations per utterance.

Example:
    >>> from pipeline.transcript import Utterance, Word
    >>> u = Utterance("你好。", 0, 600, (Word("你", 0, 200), Word("好", 300, 500)))
    >>> char_slots("你好。", u)
    ([0, 300, 500], [200, 500, 500])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from pipeline.subtitles.text import CLOSING_MARKS, norm_char
from pipeline.transcript import Utterance, Word


class _NormTable(dict[int, str]):
    """``str.translate`` table applying :func:`~pipeline.subtitles.text.norm_char`, filled on first sight of a character.

    Translating a whole utterance in C is several times cheaper than a call per character.
    """

    def __missing__(self, code: int) -> str:
        self[code] = norm_char(chr(code))
        return self[code]


_NORM_TABLE = _NormTable()
_WHITESPACE = re.compile(r"\s")  # the same characters as str.isspace()
_NON_SPACE_RUN = re.compile(r"\S+")
_ALNUM_RUN = re.compile(r"[^\W_]+")  # the same characters as str.isalnum()
_NON_ALNUM = re.compile(r"[\W_]+")
# Times of whitespace in :func:`char_slots`: min() and max() over a span skip them.
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


def char_slots(text: str, utterance: Utterance) -> tuple[list[int], list[int]]:
    """Start and end times for every character of ``text``.

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
            runs = _match_runs(wanted, have) or _general_runs(wanted, have)
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


# --------------------------------------------------------------------------- fast paths
#
# Most vendor output has one of two shapes, and for them the general alignment above
# (per-character times, then the min/max over each token) reduces to "token k takes word
# k's times". Recognising the shape costs a few C-level string operations per utterance.

_CLOSING_CLASS = "[" + re.escape(CLOSING_MARKS) + "]"
_CLOSING_RUN = re.compile(_CLOSING_CLASS + "+")
# Chinese: every token is one Han character with any closing marks after it.
_HAN_TEXT = re.compile("(?:[\u4e00-\u9fff]" + _CLOSING_CLASS + "*)+")
# Spaced languages: ASCII words (with inner joiners) and closing marks, single spaces between.
_ASCII_CHUNK = r"[A-Za-z0-9]+(?:[.,'’\-:/_&@+][A-Za-z0-9]+)*" + _CLOSING_CLASS + "*"
ASCII_TEXT = re.compile(_ASCII_CHUNK + "(?: " + _ASCII_CHUNK + ")*")
# What ``token.rstrip(CLOSING_MARKS)`` removes from every space-separated token, as one pattern.
TRAILING_CLOSING = re.compile(_CLOSING_CLASS + r"+(?= |\Z)")


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
    through :data:`ASCII_TEXT` and a strip of every token, as the general rule says.
    """
    tokens = text.split(" ")
    if len(tokens) != len(texts) or "" in texts:
        return None
    letters = "".join(texts)
    if letters.isascii() and letters.isalnum():
        for word, token in zip(texts, tokens, strict=True):
            if word != token and token.rstrip(CLOSING_MARKS) != word:
                return None
    elif not ASCII_TEXT.fullmatch(text) or [token.rstrip(CLOSING_MARKS) for token in tokens] != texts:
        return None
    return tokens


def fast_tokens(text: str, words: Sequence[Word]) -> tuple[list[str], list[int], list[int]] | None:
    """Token texts and times when each token is exactly one word plus closing punctuation.

    Chinese: Han characters with one single-character word each. Spaced languages: ASCII
    words separated by single spaces, each spelled by one word. Gives what
    :func:`~pipeline.subtitles.tokens.span_bounds` and :func:`char_slots` give for such input; None for anything else.
    """
    if not words:
        return None
    texts = [w.text for w in words]
    tokens = _han_tokens(text, texts) if _HAN_TEXT.fullmatch(text) else _ascii_tokens(text, texts)
    if tokens is None:
        return None
    starts, ends = _word_times(words)
    return tokens, starts, ends

