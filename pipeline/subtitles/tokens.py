"""Text cut into tokens: the smallest pieces a line or a cue may break between.

A Latin word (with its attached punctuation) is one token, so a word is never cut; a CJK
character is one token, with closing punctuation glued to the character before it so no
line starts with ``，`` or ``。`` (and opening brackets glued to the character after).
Spaces are never added or removed inside a line: a token only remembers whether a space
preceded it, which is how Chinese stays free of WhisperX's inserted spaces while mixed
"用iPhone 15拍" keeps its own.

A link, an e-mail address, an @handle or a #hashtag is one token too, so no line or cue
break falls inside it (:func:`link_spans`), and no token boundary falls inside a grapheme
cluster: an emoji keeps its skin tone, a flag its pair, a family its joiners.

Example:
    >>> [t.text for t in tokenize("你好，世界。")]
    ['你', '好，', '世', '界。']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import NO_LINE_END, NO_LINE_START, WORD_JOINERS, cluster_starts, is_word_char


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


# Links and handles, ASCII only (so Chinese right after one is not swallowed). A URL's last
# character is not sentence punctuation ("see https://a.com." ends in a full stop).
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_LINK = re.compile(
    r"(?:https?://|www\.)" + _URL_CHARS + r"*[A-Za-z0-9\-_~/#\[\]@$&*+=%]"  # a URL
    r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"  # an e-mail address
    r"|(?<![A-Za-z0-9_&])@[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*"  # an @handle
    r"|(?<![A-Za-z0-9_&#])#[^\s#，。！？、；：,!?;:]{1,40}#"  # a Weibo #topic#
    r"|(?<![A-Za-z0-9_&#])#\w+(?=[\s，。！？、；：,.!?;:#]|$)"  # a #hashtag ending at a space or mark
)


def link_spans(text: str) -> list[tuple[int, int]]:
    """Where links, e-mail addresses, @handles and #hashtags lie in ``text``, as ``(start, end)``.

    Four substring tests skip the search in text that cannot hold one (most utterances).
    """
    if "@" not in text and "#" not in text and "://" not in text and "www." not in text:
        return []
    return [m.span() for m in _LINK.finditer(text)]


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


def span_bounds(text: str, too_wide: Callable[[str], bool] | None = None) -> list[tuple[int, int, bool]]:
    """The token spans of ``text`` as ``(start, end, space_before)``; all characters are covered.

    A link is one span, or, where ``too_wide`` says it is wider than a line, several, cut at
    URL-safe points (:func:`_link_breaks`).

    Whitespace between spans is dropped and recorded as ``space_before``; leading and
    trailing whitespace is dropped. Every other character lands in exactly one span.
    Tuples and one cached kind lookup per character keep it cheap: the cue builder cuts
    every utterance of a long transcript with it.
    """
    links = link_spans(text)
    link_at = {start: end for start, end in links}
    link_starts = [start for start, _ in links]
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
        pieces: list[int] = []
        if links and i in link_at:
            end = link_at[i]
            if too_wide is not None and too_wide(text[i:end]):
                pieces = _link_breaks(text, i, end)
        else:
            end = _word_end(text, i) if kind == _WORD else i + 1
            if links and end - i > 1:
                end = _stop_before_link(link_starts, i, end)
        first_end = pieces[0] if pieces else end
        if open_start >= 0:
            spans.append((open_start, first_end, open_space))
            open_start = -1
        else:
            spans.append((i, first_end, pending_space))
        if pieces:
            spans.extend((start, stop, False) for start, stop in zip(pieces, [*pieces[1:], end], strict=True))
        pending_space = False
        i = end
    if open_start >= 0:  # dangling opening bracket at the very end: keep it, glued back
        if spans:
            start, _, space = spans[-1]
            spans[-1] = (start, len(text.rstrip()), space)
        else:
            spans.append((open_start, len(text.rstrip()), False))
    starts = cluster_starts(text)
    return spans if starts is None else _whole_clusters(spans, starts)


# Where a link too long for a line may break: after a run of these, before anything else.
URL_BREAK_AFTER = frozenset("/.?&=-")


def _link_breaks(text: str, start: int, end: int) -> list[int]:
    """Offsets inside the link ``text[start:end]`` where it may break: after a run of ``/ . ? & = -``.

    Only a link wider than a line is cut so: it becomes several tokens with no space between,
    and a break between two ASCII characters with no space costs
    :data:`~pipeline.subtitles.costs.COST_INSIDE_LINK`, more than a cue, so the pieces part
    only where they must.
    """
    return [k for k in range(start + 1, end) if text[k - 1] in URL_BREAK_AFTER and text[k] not in URL_BREAK_AFTER]


def _stop_before_link(link_starts: list[int], i: int, end: int) -> int:
    """``end``, or the first link start inside ``(i, end)``: a word never swallows a link's beginning."""
    for start in link_starts:
        if i < start < end:
            return start
    return end


def _whole_clusters(spans: list[tuple[int, int, bool]], starts: frozenset[int]) -> list[tuple[int, int, bool]]:
    """Spans merged until each ends where a grapheme cluster ends: no break inside 👍🏻, 🇨🇳 or 👨‍👩‍👧.

    Why merging and not a segmenter of our own: ``\\X`` (the regex package) knows the
    clusters; a span ending inside one only needs the next span added to it.
    """
    out: list[tuple[int, int, bool]] = []
    for start, end, space in spans:
        if out and out[-1][1] not in starts:
            out[-1] = (out[-1][0], end, out[-1][2])
        else:
            out.append((start, end, space))
    return out


def split_spans(text: str) -> list[Span]:
    """:func:`span_bounds` as :class:`Span` objects."""
    return [Span(start, end, space) for start, end, space in span_bounds(text)]


def tokenize(text: str, rules: CueRules | None = None) -> list[Token]:
    """Plain text -> tokens.

    Tokens end in the same places for every language, so ``rules`` changes nothing; it is
    accepted because callers hold a text and its rules together.
    """
    return [Token(text[a:b], space) for a, b, space in span_bounds(text)]
