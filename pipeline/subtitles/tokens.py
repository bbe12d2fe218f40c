"""Text cut into tokens: the smallest pieces a line or a cue may break between.

A Latin word (with its attached punctuation) is one token, so a word is never cut; a CJK
character is one token, with closing punctuation glued to the character before it so no
line starts with ``，`` or ``。`` (and opening brackets glued to the character after).
Spaces are never added or removed inside a line: a token only remembers whether a space
preceded it, which is how Chinese stays free of WhisperX's inserted spaces while mixed
"用iPhone 15拍" keeps its own.

Example:
    >>> [t.text for t in tokenize("你好，世界。")]
    ['你', '好，', '世', '界。']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import NO_LINE_END, NO_LINE_START, WORD_JOINERS, is_word_char


@dataclass(frozen=True)
class Token:
    """One token of a plain text: its characters, and whether whitespace came before it."""

    text: str
    space_before: bool = False


@dataclass(frozen=True)
class Span:
    """Where a token lies in its source text: ``text[start:end]``."""

    start: int
    end: int
    space_before: bool


def _is_opening_quote(text: str, i: int) -> bool:
    """ASCII quotes are ambiguous; one at the start or after a space opens."""
    return text[i] in "\"'" and (i == 0 or text[i - 1].isspace()) and i + 1 < len(text) and not text[i + 1].isspace()


# An ASCII word with inner joiners: the common case of :func:`_word_end`, matched in C.
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:[.,'’\-:/_&@+][A-Za-z0-9]+)*")


def _word_end(text: str, i: int) -> int:
    """End of the Latin word or number starting at ``i`` (joiners only inside the word).

    The regex takes the ASCII part in one step; the loop then continues exactly as the
    character rule says (non-ASCII letters, a joiner before one), so the result is the same.
    """
    match = _ASCII_WORD.match(text, i)
    j = match.end() if match else i + 1
    while j < len(text):
        if is_word_char(text[j]):
            j += 1
        elif text[j] in WORD_JOINERS and j + 1 < len(text) and is_word_char(text[j + 1]):
            j += 2
        else:
            break
    return j


# Character kinds for :func:`span_bounds`, cached per character (the loop runs once per character).
_SPACE, _OPENING, _QUOTE, _CLOSING, _WORD, _OTHER = range(6)
_KINDS: dict[str, int] = {}


def _kind(ch: str) -> int:
    """The kind of ``ch``, in the order :func:`span_bounds` tests them."""
    kind = _KINDS.get(ch)
    if kind is None:
        if ch.isspace():
            kind = _SPACE
        elif ch in NO_LINE_END:
            kind = _OPENING
        elif ch in "\"'":
            kind = _QUOTE
        elif ch in NO_LINE_START:
            kind = _CLOSING
        else:
            kind = _WORD if is_word_char(ch) else _OTHER
        _KINDS[ch] = kind
    return kind


def span_bounds(text: str) -> list[tuple[int, int, bool]]:
    """The token spans of ``text`` as ``(start, end, space_before)``; all characters are covered.

    Whitespace between spans is dropped and recorded as ``space_before``; leading and
    trailing whitespace is dropped. Every other character lands in exactly one span.
    Tuples and one cached kind lookup per character keep it cheap: the cue builder cuts
    every utterance of a long transcript with it.
    """
    spans: list[tuple[int, int, bool]] = []
    pending_space = False
    open_start = -1  # an opening bracket waiting for the token it belongs to
    open_space = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        kind = _KINDS.get(ch)
        if kind is None:
            kind = _kind(ch)
        if kind == _SPACE:
            pending_space = bool(spans) or open_start >= 0
            i += 1
            continue
        if kind == _OPENING or (kind == _QUOTE and _is_opening_quote(text, i)):
            if open_start < 0:
                open_start, open_space = i, pending_space
            pending_space = False
            i += 1
            continue
        if (kind == _CLOSING or kind == _QUOTE) and spans and open_start < 0:
            # Glue to the previous token, including any space between ("mot !").
            start, _, space = spans[-1]
            spans[-1] = (start, i + 1, space)
            pending_space = False
            i += 1
            continue
        end = _word_end(text, i) if kind == _WORD else i + 1
        if open_start >= 0:
            spans.append((open_start, end, open_space))
            open_start = -1
        else:
            spans.append((i, end, pending_space))
        pending_space = False
        i = end
    if open_start >= 0:  # dangling opening bracket at the very end: keep it, glued back
        if spans:
            start, _, space = spans[-1]
            spans[-1] = (start, len(text.rstrip()), space)
        else:
            spans.append((open_start, len(text.rstrip()), False))
    return spans


def split_spans(text: str) -> list[Span]:
    """:func:`span_bounds` as :class:`Span` objects."""
    return [Span(start, end, space) for start, end, space in span_bounds(text)]


def tokenize(text: str, rules: CueRules | None = None) -> list[Token]:
    """Plain text -> tokens.

    Tokens end in the same places for every language, so ``rules`` changes nothing; it is
    accepted because callers hold a text and its rules together.
    """
    return [Token(text[a:b], space) for a, b, space in span_bounds(text)]
