"""Line breaking for subtitle cues, for spaced (Latin, Korean) and unspaced (Chinese, Japanese) text.

Text is first cut into *tokens*: the smallest pieces a line may break between. A Latin word
(with its attached punctuation) is one token, so a word is never cut; a CJK character is one
token, with closing punctuation glued to the character before it so no line starts with
``，`` or ``。`` (and opening brackets glued to the character after). Spaces are never added
or removed inside a line: a token only remembers whether a space preceded it, which is how
Chinese stays free of WhisperX's inserted spaces while mixed "用iPhone 15拍" keeps its own.

Lines are then chosen by a small dynamic programme: as few lines as possible, each within the
width (a single token wider than the line gets a line of its own), breaking at the cheapest
places (after punctuation, before conjunctions, at jieba word boundaries) and, for two
lines, preferring a slightly longer bottom line (Netflix's "pyramid").

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> wrap_text("如果您没有其他需要举报的话，这边就先挂断了", rules_for("zh-CN"))
    ('如果您没有其他需要举报的话，', '这边就先挂断了')
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import add, itemgetter

from pipeline.subtitles.rules import CueRules

# Closing punctuation, small kana and prolonged-sound marks may not start a line (kinsoku):
# they are glued to the token before them.
NO_LINE_START = frozenset(
    "，。、；：？！…‥—–）》」』】〕〉〗〙］｝’”,.;:?!)]}%‰％・·ー々〻ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
# Opening punctuation may not end a line: glued to the token after it.
NO_LINE_END = frozenset("（《「『【〔〈〖〘［｛‘“([{¿¡")
SENTENCE_END = frozenset("。！？!?．")
CLAUSE_MARKS = frozenset("，、；：,;:…—")
# Characters allowed inside a Latin word or number when letters/digits follow: "don't", "3.5", "e-mail".
WORD_JOINERS = frozenset(".,'’-:/_&@+")
ABBREVIATIONS = frozenset(
    {"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "etc.", "e.g.", "i.e.", "no.", "jr.", "sr.", "prof.", "u.s."}
)
# English: never break after these (article/determiner + noun, title + name, "to" + verb).
GLUE_AFTER = frozenset(
    {
        "a", "an", "the", "this", "these", "those", "my", "your", "his", "her", "its", "our", "their",
        "mr.", "mrs.", "ms.", "dr.", "prof.", "to", "very", "some", "any", "no", "every", "each",
    }
)
# English: good places to break are before conjunctions and prepositions.
BREAK_BEFORE = frozenset(
    {
        "and", "but", "or", "nor", "so", "yet", "because", "although", "though", "while", "when",
        "where", "which", "who", "that", "if", "unless", "until", "since", "after", "before", "as",
        "in", "on", "at", "for", "with", "from", "into", "about", "over", "under", "of", "by",
        "through", "without", "between", "than", "like",
    }
)

# Break costs: lower is better. The numbers only matter relative to each other.
COST_SENTENCE = 0.0
COST_CLAUSE = 1.0
COST_BEFORE_CONJUNCTION = 3.0
COST_CHINESE_PHRASE = 2.0
COST_CJK_WORD_BOUNDARY = 4.0
COST_PLAIN_SPACE = 6.0
COST_INSIDE_CJK_WORD = 25.0
COST_GLUED_WORDS = 40.0
# A pause in speech marks a phrase boundary: up to this much off a break's cost.
MAX_PAUSE_BONUS = 4.0

# Chinese: good line breaks come after clause-final words and before conjunctions.
CHINESE_BREAK_AFTER = frozenset({"的话", "以后", "之后", "以前", "之前", "时候", "的时候", "然后"})
CHINESE_BREAK_BEFORE = frozenset(
    {"但是", "可是", "所以", "因为", "而且", "然后", "如果", "虽然", "不过", "因此", "于是", "并且", "或者", "而是", "否则"}
)
# Chinese particles that lean on the word before them: a line starting with one reads badly.
CHINESE_PARTICLES = frozenset("了的吗呢吧啊呀着过得地们么嘛")
_PHRASE_WORD_SIZES = sorted({len(w) for w in CHINESE_BREAK_AFTER | CHINESE_BREAK_BEFORE})


@dataclass(frozen=True)
class Token:
    """The smallest unit a line may break before.

    Attributes:
        text: the token's text exactly as in the source (punctuation included).
        start_ms: when its speech starts (0 for plain text).
        end_ms: when its speech ends.
        space_before: the source had whitespace before it; joined lines reproduce that space.
        glued: breaking before this token would cut a jieba word (Chinese only).
        phrase: a Chinese phrase boundary lies before this token (after 的话, before 但是 ...).
        words: where ``glued`` and ``phrase`` really come from when they are not known yet:
            the jieba words of the source text and this token's offset in it. The cue builder
            leaves them to be looked up only where a break before the token is priced (see
            :class:`JiebaWords`); :func:`word_flags` reads either form.
    """

    text: str
    start_ms: int = 0
    end_ms: int = 0
    space_before: bool = False
    glued: bool = False
    phrase: bool = False
    words: tuple[JiebaWords, int] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Span:
    """Where a token lies in its source text (used to time tokens from per-character times)."""

    start: int
    end: int
    space_before: bool
    glued: bool = False
    phrase: bool = False


def is_cjk_char(ch: str) -> bool:
    """True for characters written without spaces between words (Han, kana, full-width forms)."""
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= cp <= 0x31FF
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF10 <= cp <= 0xFF5A  # full-width digits and letters: one per token, like Han
        or 0xFF66 <= cp <= 0xFF9F
        or 0x20000 <= cp <= 0x3FFFF
        or cp in (0x3005, 0x3007)
    )


@lru_cache(maxsize=8192)
def is_word_char(ch: str) -> bool:
    """Letters, digits and combining marks of spaced scripts (Latin, Cyrillic, Hangul ...).

    Cached: it runs several times per character while text is cut into tokens.
    """
    return (ch.isalnum() or unicodedata.category(ch) in ("Mn", "Mc")) and not is_cjk_char(ch)


def is_halfwidth(ch: str) -> bool:
    """True when ``ch`` takes half the width of a CJK character on screen."""
    return unicodedata.east_asian_width(ch) not in ("W", "F")


def line_width(text: str) -> int:
    """A line's width in characters: every character counts 1, as the per-line limits assume."""
    return len(text)


class _ReadingWeights(dict):
    """Character -> 0.5 (half-width) or 1.0, filled on first sight (``east_asian_width`` is slow)."""

    def __missing__(self, ch: str) -> float:
        self[ch] = 0.5 if is_halfwidth(ch) else 1.0
        return self[ch]


_READING_WEIGHTS = _ReadingWeights()


class _TokenReading(dict):
    """Token text -> :func:`reading_length`, filled on first sight (tokens repeat a lot)."""

    def __init__(self, cjk: bool) -> None:
        super().__init__()
        self.cjk = cjk

    def __missing__(self, text: str) -> float:
        self[text] = reading_length(text, self.cjk)
        return self[text]


_TOKEN_READING = {False: _TokenReading(False), True: _TokenReading(True)}


def reading_length(text: str, cjk: bool) -> float:
    """Characters to read for the reading-speed limit; line breaks do not count.

    In CJK text a half-width character (Latin letter, digit, space) counts 0.5, as the
    Netflix Chinese/Japanese guides count it.
    """
    chars = text.replace("\n", "")
    if not cjk:
        return float(len(chars))
    return sum(map(_READING_WEIGHTS.__getitem__, chars))


def join_tokens(tokens: Sequence[Token]) -> str:
    """The tokens' text with the spaces the source had between them (none at the edges)."""
    parts: list[str] = []
    for i, token in enumerate(tokens):
        if i and token.space_before:
            parts.append(" ")
        parts.append(token.text)
    return "".join(parts).strip()


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
    """:func:`split_spans` as ``(start, end, space_before)`` tuples.

    The cue builder cuts every utterance with this; tuples instead of :class:`Span`
    objects and one cached kind lookup per character keep it cheap on long transcripts.
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
    """Cut ``text`` into token spans (see the module docstring); all characters are covered.

    Whitespace between spans is dropped and recorded as ``space_before``; leading and
    trailing whitespace is dropped. Every other character lands in exactly one span.
    """
    return [Span(start, end, space) for start, end, space in span_bounds(text)]


@lru_cache(maxsize=1)
def _jieba():  # noqa: ANN202 - jieba has no type hints
    """Import jieba once, quietly: its dictionary load logs to stderr otherwise."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def jieba_boundaries(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """Offsets where jieba words start or end, and the subset that are phrase boundaries."""
    bounds = {0, len(text)}
    phrases = set()
    for word, start, end in _jieba().tokenize(text):
        bounds.update((start, end))
        if word in CHINESE_BREAK_BEFORE:
            phrases.add(start)
        if word in CHINESE_BREAK_AFTER:
            phrases.add(end)
    return frozenset(bounds), frozenset(phrases)


def mark_words(text: str, spans: list[Span]) -> list[Span]:
    """Mark spans that start inside a jieba word (breaks cost more) or at a phrase (less)."""
    bounds, phrases = jieba_boundaries(text)
    # Span(...) rather than dataclasses.replace: this runs once per character of Chinese text.
    return [
        Span(
            s.start,
            s.end,
            s.space_before,
            glued=bool(k) and not s.space_before and (s.start not in bounds or text[s.start] in CHINESE_PARTICLES),
            phrase=s.start in phrases,
        )
        for k, s in enumerate(spans)
    ]


class _JiebaBlock:
    """jieba's default segmentation (``Tokenizer.cut`` with HMM) of one Han block, fused.

    Why: the same dynamic programme as jieba's ``get_DAG`` + ``calc`` + ``__cut_DAG``, with
    the dictionary lookups, route and word log-probabilities kept in locals and a cache
    instead of a DAG dict and a generator of tuples per character: about twice as fast, and
    the same words (same floating-point sums, same tie-breaking: the longer word wins a tie,
    as ``max`` over ``(score, end)`` tuples does). Runs of single characters that are not a
    dictionary word still go to jieba's own HMM (``jieba.finalseg.cut``). The cache follows
    the dictionary: it is dropped when jieba's word total changes (``jieba.add_word``).
    """

    def __init__(self) -> None:
        self._total = -1
        self._freq: dict[str, int] = {}
        self._logp: dict[str, float] = {}
        self._unknown = 0.0

    def _sync(self) -> None:
        tokenizer = _jieba().dt
        tokenizer.check_initialized()
        if tokenizer.total != self._total or tokenizer.FREQ is not self._freq:
            self._total, self._freq, self._logp = tokenizer.total, tokenizer.FREQ, {}
            self._unknown = math.log(1) - math.log(tokenizer.total)

    def words(self, block: str) -> list[str]:
        """The words of ``block`` (a match of ``jieba.re_han_default``), as ``jieba.cut`` gives them."""
        self._sync()
        freq, logp = self._freq, self._logp
        logtotal = math.log(self._total)
        n = len(block)
        score = [0.0] * (n + 1)
        route = list(range(n + 1))
        for idx in range(n - 1, -1, -1):
            best_score, best_end = -math.inf, -1
            i, frag = idx, block[idx]
            found = False
            while i < n and frag in freq:
                if freq[frag]:
                    found = True
                    value = logp.get(frag)
                    if value is None:
                        value = logp[frag] = math.log(freq[frag]) - logtotal
                    total = value + score[i + 1]
                    if total >= best_score:  # ends grow: ">=" keeps the larger end, as max() over tuples
                        best_score, best_end = total, i
                i += 1
                frag = block[idx : i + 1]
            if not found:  # jieba's DAG falls back to the single character, frequency 1
                best_score, best_end = self._unknown + score[idx + 1], idx
            score[idx], route[idx] = best_score, best_end
        return self._with_hmm(block, route)

    def _with_hmm(self, block: str, route: list[int]) -> list[str]:
        """``__cut_DAG``'s walk: single characters are buffered and unknown runs of them go to the HMM."""
        from jieba import finalseg

        words: list[str] = []
        buf = ""
        x, n = 0, len(block)
        while x < n:
            y = route[x] + 1
            if y - x == 1:
                buf += block[x]
            else:
                if buf:
                    words.extend(self._flush(buf, finalseg))
                    buf = ""
                words.append(block[x:y])
            x = y
        if buf:
            words.extend(self._flush(buf, finalseg))
        return words

    def _flush(self, buf: str, finalseg) -> list[str]:  # noqa: ANN001 - jieba has no type hints
        if len(buf) == 1:
            return [buf]
        if not self._freq.get(buf):
            return list(finalseg.cut(buf))
        return list(buf)


_JIEBA_BLOCK = _JiebaBlock()


def _block_boundaries(block: str) -> tuple[frozenset[int], frozenset[int]]:
    """:func:`jieba_boundaries` for one Han block, through :class:`_JiebaBlock`."""
    bounds = {0, len(block)}
    phrases = set()
    start = 0
    for word in _JIEBA_BLOCK.words(block):
        end = start + len(word)
        bounds.add(end)
        if word in CHINESE_BREAK_BEFORE:
            phrases.add(start)
        if word in CHINESE_BREAK_AFTER:
            phrases.add(end)
        start = end
    return frozenset(bounds), frozenset(phrases)


class JiebaWords:
    """jieba's word boundaries in one text, segmented run by run on first use.

    Why: jieba is the costliest step for Chinese (about 0.06 s per hour of speech), yet its
    answer only matters where a break between two characters of a run of Han text is
    priced, which happens only for cues that need a line or cue break. jieba cuts its input
    into runs (``jieba.re_han_default`` blocks) and segments each run on its own, so
    segmenting just the run that contains the asked offset gives exactly the words that
    segmenting the whole text would.
    """

    __slots__ = ("_ends", "_runs", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self._ends: list[int] = []
        self._runs: dict[int, tuple[frozenset[int], frozenset[int]]] = {}

    def _run_words(self, index: int) -> tuple[frozenset[int], frozenset[int]]:
        """Word boundaries and phrase boundaries (absolute offsets) of run ``index``."""
        if index not in self._runs:
            start, end = self._starts[index], self._ends[index]  # type: ignore[index]
            bounds, phrases = _block_boundaries(self.text[start:end])
            self._runs[index] = (
                frozenset(start + k for k in bounds),
                frozenset(start + k for k in phrases),
            )
        return self._runs[index]

    def lowest_cost(self, offset: int) -> float:
        """A lower bound of ``_flag_cost(*self.flags_at(offset))`` that needs no segmentation.

        A particle glues whatever jieba says (:data:`COST_INSIDE_CJK_WORD`); a phrase
        boundary needs one of the phrase words right before or after ``offset``; otherwise
        the break costs at least a word boundary. Lets the line breaker skip jieba for
        breaks that cannot win.
        """
        text = self.text
        if text[offset] in CHINESE_PARTICLES:
            return COST_INSIDE_CJK_WORD
        for size in _PHRASE_WORD_SIZES:
            if text[offset : offset + size] in CHINESE_BREAK_BEFORE or text[max(0, offset - size) : offset] in CHINESE_BREAK_AFTER:
                return COST_CHINESE_PHRASE
        return COST_CJK_WORD_BOUNDARY

    def flags_at(self, offset: int) -> tuple[bool, bool]:
        """``(glued, phrase)`` for a token at ``offset`` that is not first and has no space before.

        Same values as :func:`mark_words`: outside jieba's runs every character is a word
        of its own, so only the run containing ``offset`` (or ending at it) is segmented.
        """
        if self._starts is None:
            runs = [m.span() for m in _jieba().re_han_default.finditer(self.text)]
            self._starts, self._ends = [a for a, _ in runs], [b for _, b in runs]
        index = bisect_right(self._starts, offset) - 1
        if index < 0 or offset > self._ends[index]:
            return self.text[offset] in CHINESE_PARTICLES, False
        bounds, phrases = self._run_words(index)
        return offset not in bounds or self.text[offset] in CHINESE_PARTICLES, offset in phrases


def word_flags(token: Token) -> tuple[bool, bool]:
    """``(glued, phrase)`` of ``token``, looking jieba's words up now if they were left for later."""
    if token.words is None:
        return token.glued, token.phrase
    words, offset = token.words
    return words.flags_at(offset)


def tokenize(text: str, rules: CueRules) -> list[Token]:
    """Plain text -> untimed tokens, with jieba word boundaries for Chinese."""
    spans = split_spans(text)
    if rules.is_chinese:
        spans = mark_words(text, spans)
    return [Token(text[s.start : s.end], space_before=s.space_before, glued=s.glued, phrase=s.phrase) for s in spans]


def _bare_word(text: str) -> str:
    return text.strip("\"'“”‘’()[]{},;:!?").lower()


_CLOSERS = "\"'”’）)」』】"


@lru_cache(maxsize=1 << 16)
def sentence_end_by_text(text: str) -> bool | None:
    """Whether a token ``text`` ends a sentence: True or False, or None when it ends in a plain
    full stop and the token after it decides (see :func:`_ends_sentence`).

    Cached: the sentence rule asks this of every token ending in a mark, and tokens repeat.
    """
    core = text.rstrip(_CLOSERS)
    if not core:
        return False
    if core[-1] in SENTENCE_END:
        return True
    if core[-1] != "." or core.endswith("..") or core.lower() in ABBREVIATIONS:
        return False
    # "U.S. Army": a single capital before the dot is an initial, not a sentence end.
    if len(core) >= 2 and core[-2].isupper() and (len(core) == 2 or core[-3] == "."):
        return False
    return None


def _ends_sentence(text: str, following_text: str | None, following_space: bool) -> bool:
    """:func:`ends_sentence` on plain values (the token tables have no Token objects)."""
    ends = sentence_end_by_text(text)
    if ends is not None:
        return ends
    # A full stop ends a sentence before a space, CJK text or nothing ("3.5" and "e.g.x" go on).
    return following_text is None or following_space or is_cjk_char(following_text[0])


def ends_sentence(token: Token, following: Token | None = None) -> bool:
    """True when ``token`` closes a sentence (。！？ always; "." unless an abbreviation or "...")."""
    if following is None:
        return _ends_sentence(token.text, None, False)
    return _ends_sentence(token.text, following.text, following.space_before)


@lru_cache(maxsize=1 << 16)
def _text_break_cost(prev: str, nxt: str, nxt_space: bool) -> float | None:
    """:func:`break_cost` where the texts decide it; None where jieba's word flags do.

    Cached: the cue builder prices most boundaries of a long transcript, and the same
    pairs of characters or words recur (a pure function of its arguments).
    """
    if _ends_sentence(prev, nxt, nxt_space):
        return COST_SENTENCE
    core = prev.rstrip(_CLOSERS)
    if core and core[-1] in CLAUSE_MARKS:
        return COST_CLAUSE
    if nxt_space:
        if is_cjk_char(core[-1:] or " ") and is_cjk_char(nxt[0]):
            # A space inside CJK text separates phrases (punctuation mode "space").
            return COST_CLAUSE
        if _bare_word(prev) in GLUE_AFTER:
            return COST_GLUED_WORDS
        if _bare_word(nxt) in BREAK_BEFORE:
            return COST_BEFORE_CONJUNCTION
        return COST_PLAIN_SPACE
    return None


def _flag_cost(glued: bool, phrase: bool) -> float:
    if glued:
        return COST_INSIDE_CJK_WORD
    return COST_CHINESE_PHRASE if phrase else COST_CJK_WORD_BOUNDARY


def break_cost(prev: Token, nxt: Token) -> float:
    """How bad a line (or cue) break between ``prev`` and ``nxt`` is; 0 is ideal."""
    cost = _text_break_cost(prev.text, nxt.text, nxt.space_before)
    return _flag_cost(*word_flags(nxt)) if cost is None else cost


def _pause_bonus(pause: int) -> float:
    return min(MAX_PAUSE_BONUS, max(0, pause - 40) / 25)


def timed_break_cost(prev: Token, nxt: Token) -> float:
    """:func:`break_cost` lowered where the speaker pauses (tokens from plain text have no pauses)."""
    return max(0.0, break_cost(prev, nxt) - _pause_bonus(nxt.start_ms - prev.end_ms))


class TokenTable:
    """Tokens as parallel lists: ``text[k]``, ``start[k]``, ``end[k]``, ``space[k]`` ...

    Why: the cue builder handles every character of a transcript (hundreds of thousands for
    a 10-hour recording) and a :class:`Token` object per character cost more than the rest
    of the chain. Groups, cues and lines are index ranges ``[a, b)`` into one table; widths
    come from prefix sums. ``jieba[k]``/``offset[k]`` are the lazy form of ``glued[k]`` and
    ``phrase[k]`` (see :class:`Token`'s ``words``).
    """

    __slots__ = (
        "_end_reach", "_last_chars", "_reading", "_separator", "_start_floor", "_times_indexed",
        "end", "glued", "jieba", "offset", "phrase", "prefix", "space", "start", "text",
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
        #: prefix[k] = width of tokens[:k] with every token's space counted (see :meth:`finish`).
        self.prefix: list[int] = [0]
        self._last_chars: str | None = None
        self._reading: dict[bool, list[float]] = {}
        self._times_indexed = False
        self._separator: str | None = None
        self._end_reach: list[int] | None = None
        self._start_floor: list[float] | None = None

    @classmethod
    def from_tokens(cls, tokens: Sequence[Token]) -> TokenTable:
        """A table holding ``tokens`` (used by the Token-based helpers and plain-text wrapping)."""
        table = cls()
        for t in tokens:
            table.text.append(t.text)
            table.start.append(t.start_ms)
            table.end.append(t.end_ms)
            table.space.append(t.space_before)
            table.glued.append(t.glued)
            table.phrase.append(t.phrase)
            table.jieba.append(t.words[0] if t.words is not None else None)
            table.offset.append(t.words[1] if t.words is not None else 0)
        return table.finish()

    def __len__(self) -> int:
        return len(self.text)

    def token(self, k: int) -> Token:
        """Token ``k`` as an object (only for the rare paths that need :class:`Token`)."""
        jieba = self.jieba[k]
        words = None if jieba is None else (jieba, self.offset[k])
        return Token(
            self.text[k], self.start[k], self.end[k], self.space[k], self.glued[k], self.phrase[k], words
        )

    def finish(self) -> TokenTable:
        """Compute the width prefix sums once all tokens are in; returns the table.

        Tokens added without ``glued``/``phrase`` values (the cue builder leaves them to
        jieba) get False.
        """
        for flags in (self.glued, self.phrase):
            flags.extend([False] * (len(self.text) - len(flags)))
        self.prefix = list(accumulate(map(add, map(len, self.text), self.space), initial=0))
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
                return floor[a]  # type: ignore[return-value]  # only the sentinel is a float
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

    def reading_length(self, a: int, b: int, cjk: bool) -> float:
        """:func:`reading_length` of :meth:`join` (a, b), from prefix sums of each token's length.

        Exact: the lengths are whole or half characters, which floats add without rounding.
        """
        prefix = self._reading.get(cjk)
        if prefix is None and not cjk and "\n" not in "".join(self.text):
            # Outside CJK text every character counts 1, as it does for the width: no new pass.
            prefix = self._reading[cjk] = self.prefix
        if prefix is None:
            lengths = map(_TOKEN_READING[cjk].__getitem__, self.text)
            if any(self.space):
                space = 0.5 if cjk else 1.0  # a space is a half-width character
                lengths = map(add, lengths, map(space.__mul__, self.space))
            prefix = self._reading[cjk] = list(accumulate(lengths, initial=0.0))
        return prefix[b] - prefix[a] - (0.5 if cjk else 1.0) * self.space[a]

    def width(self, a: int, b: int) -> int:
        """Width of tokens[a:b] on one line (the space before tokens[a] is not shown)."""
        prefix = self.prefix
        return prefix[b] - prefix[a] - self.space[a]

    def join(self, a: int, b: int) -> str:
        """:func:`join_tokens` of tokens[a:b]."""
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

    def count_lines(self, a: int, b: int, width: int) -> int:
        """:func:`count_lines` of tokens[a:b].

        The same greedy fill, a line at a time: the end of each line is found by bisecting
        the width prefix sums (a line holds tokens[start:end] while ``prefix[end]`` stays
        within ``prefix[start] + space[start] + width``, and at least one token). Every
        rule asks this for every group, so O(lines x log n) instead of O(n) matters.
        """
        if b <= a:
            return 0
        lines, end = 1, self.line_end(a, b, width)
        while end < b:
            lines, end = lines + 1, self.line_end(end, b, width)
        return lines

    def fits_lines(self, a: int, b: int, width: int, lines: int) -> bool:
        """``count_lines(a, b, width) <= lines``, stopping as soon as the answer is known.

        Every rule asks this of every group, and most groups fit on one line.
        """
        prefix, space = self.prefix, self.space
        if b - a <= 1 or prefix[b] - prefix[a] - space[a] <= width:
            return lines >= (1 if b > a else 0)
        end = a
        for _ in range(lines):
            end = bisect_right(prefix, prefix[end] + space[end] + width, end + 2, b + 1) - 1  # line_end
            if end >= b:
                return True
        return False

    def line_end(self, start: int, b: int, width: int) -> int:
        """Where the greedy line starting at token ``start`` ends (at most ``b``; one token at least)."""
        prefix = self.prefix
        return bisect_right(prefix, prefix[start] + self.space[start] + width, start + 2, b + 1) - 1

    def flags(self, k: int) -> tuple[bool, bool]:
        """``(glued, phrase)`` of token ``k``, asking jieba now if that was left for later."""
        jieba = self.jieba[k]
        if jieba is None:
            return self.glued[k], self.phrase[k]
        return jieba.flags_at(self.offset[k])

    def break_cost(self, k: int) -> float:
        """:func:`break_cost` between tokens ``k - 1`` and ``k``."""
        cost = _text_break_cost(self.text[k - 1], self.text[k], self.space[k])
        return _flag_cost(*self.flags(k)) if cost is None else cost

    def timed_break_cost(self, k: int) -> float:
        """:func:`timed_break_cost` between tokens ``k - 1`` and ``k``."""
        return max(0.0, self.break_cost(k) - _pause_bonus(self.start[k] - self.end[k - 1]))


def span_width(tokens: Sequence[Token], prefix: Sequence[int], i: int, j: int) -> int:
    """Width of tokens[i:j] on one line (the space before tokens[i] is not shown)."""
    return prefix[j] - prefix[i] - (1 if i and tokens[i].space_before else 0)


def count_lines(tokens: Sequence[Token], width: int) -> int:
    """Fewest lines the tokens need at ``width`` (greedy filling is optimal for the count)."""
    if not tokens:
        return 0
    lines, current = 1, -1
    for k, token in enumerate(tokens):
        add = len(token.text) + (1 if k and token.space_before else 0)
        if current < 0:
            current = len(token.text)
        elif current + add <= width:
            current += add
        else:
            lines += 1
            current = len(token.text)
    return lines


def _pair_balance(top: int, bottom: int, width: int, bottom_heavy: bool) -> float:
    """Cost of two stacked line widths: balanced, ideally with the bottom one a little longer.

    Measured as a fraction of the line width (7 characters matter more in a 16-wide Chinese
    line than in a 42-wide English one) and weak on purpose: a break after punctuation or
    at a phrase boundary matters more than the shape.
    """
    diff = (top - bottom) / width
    if not bottom_heavy:
        return abs(diff) * 2.0
    return diff * 4.0 + 0.5 if diff >= 0 else -diff * 1.0


def _fits(table: TokenTable, i: int, j: int, width: int) -> bool:
    return j - i == 1 or table.width(i, j) <= width


def _best_two_lines(table: TokenTable, a: int, b: int, width: int, bottom_heavy: bool) -> int | None:
    """Index of the best break of tokens[a:b] into two lines, or None when no break fits.

    Only breaks where both lines fit are priced: ``k`` in ``[lo, hi]`` (the top line grows
    and the bottom one shrinks with ``k``; a single token may overflow its line). A break
    costs at least its balance, which only grows away from the most balanced break, so
    breaks are visited from there outwards in order of balance, and the scan stops when the
    next balance alone loses to the best break found. Breaks whose cost needs jieba are
    priced last, cheapest bound first, and only while their bound could still win: after a
    comma or at a pause that is rarely so, and jieba is the costliest step for Chinese.
    The result is the same as pricing every break: the cheapest, the first among equals.
    """
    prefix, space, text, starts, ends, jieba = table.prefix, table.space, table.text, table.start, table.end, table.jieba
    base = prefix[a] + space[a]  # prefix[k] - base = width of tokens[a:k]
    total = prefix[b] - base
    # Bounds, balances and bonuses are written out (no min()/max(), _pair_balance or
    # _pause_bonus calls) because this runs for every two-line cue; same values, same floats.
    hi = bisect_right(prefix, base + width, a + 2, b + 1) - 1  # line_end(a, b, width)
    if hi >= b:
        hi = b - 1
    # The bottom line fits from about here (the space before tokens[k] is at most 1).
    lo = bisect_left(prefix, prefix[b] - width - 1, a + 1, b)
    if lo >= b:
        lo = b - 1
    while lo < b - 1 and prefix[b] - prefix[lo] - space[lo] > width:
        lo += 1
    if lo > hi:
        return None
    # The first break whose top line is at least as wide as its bottom line; the balance
    # falls before it and grows from it on. top - bottom = 2 * (prefix[k] - base) - total + space[k].
    middle = bisect_left(prefix, base + (total - 1) / 2, lo, hi + 1)
    while middle <= hi and 2 * (prefix[middle] - base) - total + space[middle] < 0:
        middle += 1
    inf = math.inf
    left, right = middle - 1, middle
    if left >= lo:
        diff = (2 * (prefix[left] - base) - total + space[left]) / width
        left_balance = -diff * 1.0 if bottom_heavy else abs(diff) * 2.0
    else:
        left_balance = inf
    if right <= hi:
        diff = (2 * (prefix[right] - base) - total + space[right]) / width
        right_balance = diff * 4.0 + 0.5 if bottom_heavy else abs(diff) * 2.0
    else:
        right_balance = inf
    best_cost, best_k = inf, -1
    deferred: list[tuple[float, int, float, float]] = []  # (lowest total, k, pause bonus, balance)
    while left >= lo or right <= hi:
        if left_balance <= right_balance:
            k, shape = left, left_balance
            left -= 1
            if left >= lo:
                diff = (2 * (prefix[left] - base) - total + space[left]) / width
                left_balance = -diff * 1.0 if bottom_heavy else abs(diff) * 2.0
            else:
                left_balance = inf
        else:
            k, shape = right, right_balance
            right += 1
            if right <= hi:
                diff = (2 * (prefix[right] - base) - total + space[right]) / width
                right_balance = diff * 4.0 + 0.5 if bottom_heavy else abs(diff) * 2.0
            else:
                right_balance = inf
        if shape > best_cost:
            break  # every break left costs at least its balance, which is higher still
        pause = starts[k] - ends[k - 1] - 40
        bonus = 0.0 if pause <= 0 else (MAX_PAUSE_BONUS if pause >= 100 else pause / 25)
        cost = _text_break_cost(text[k - 1], text[k], space[k])
        if cost is None:
            if jieba[k] is not None:
                lowest = COST_CHINESE_PHRASE - bonus
                deferred.append(((lowest if lowest > 0.0 else 0.0) + shape, k, bonus, shape))
                continue
            cost = _flag_cost(table.glued[k], table.phrase[k])
        cost -= bonus
        cost = (cost if cost > 0.0 else 0.0) + shape
        if cost < best_cost or (cost == best_cost and k < best_k):
            best_cost, best_k = cost, k
    if deferred:
        for lowest, k, bonus, shape in sorted(deferred):
            if lowest > best_cost:
                break  # sorted: the rest cannot be cheaper either
            if lowest == best_cost and k > best_k:
                continue  # cannot be cheaper, nor as cheap and earlier
            # A tighter bound from the text around the break, then jieba itself.
            lowest = max(0.0, jieba[k].lowest_cost(table.offset[k]) - bonus) + shape  # type: ignore[union-attr]
            if lowest > best_cost or (lowest == best_cost and k > best_k):
                continue
            cost = max(0.0, _flag_cost(*table.flags(k)) - bonus) + shape
            if cost < best_cost or (cost == best_cost and k < best_k):
                best_cost, best_k = cost, k
    return None if best_k < 0 else best_k


def _best_n_lines(table: TokenTable, a: int, b: int, width: int, lines: int) -> list[int] | None:
    """Break indexes for exactly ``lines`` lines (3+), balancing widths by squared deviation."""
    n = b - a
    target = table.width(a, b) / lines
    inf = float("inf")
    # best[l][j]: cheapest way to set tokens[a:a+j] on l lines; back[l][j]: where the last line starts.
    best = [[inf] * (n + 1) for _ in range(lines + 1)]
    back = [[0] * (n + 1) for _ in range(lines + 1)]
    best[0][0] = 0.0
    for line in range(1, lines + 1):
        for j in range(line, n + 1):
            for i in range(line - 1, j):
                if best[line - 1][i] == inf or not _fits(table, a + i, a + j, width):
                    continue
                cost = best[line - 1][i] + ((table.width(a + i, a + j) - target) ** 2) / max(target, 1)
                if i:
                    cost += table.timed_break_cost(a + i)
                if cost < best[line][j]:
                    best[line][j], back[line][j] = cost, i
    if best[lines][n] == inf:
        return None
    cuts, j = [], n
    for line in range(lines, 0, -1):
        j = back[line][j]
        cuts.append(a + j)
    return sorted(cuts)[1:]


def _lines_at(table: TokenTable, a: int, b: int, cuts: Sequence[int]) -> tuple[str, ...]:
    edges = [a, *cuts, b]
    return tuple([table.join(i, j) for i, j in zip(edges, edges[1:], strict=False)])


def _greedy_cuts(table: TokenTable, a: int, b: int, width: int) -> list[int]:
    cuts, current = [], -1
    for k in range(a, b):
        size = len(table.text[k])
        if current < 0:
            current = size
        elif current + size + table.space[k] <= width:
            current += size + table.space[k]
        else:
            cuts.append(k)
            current = size
    return cuts


def wrap_range(table: TokenTable, a: int, b: int, width: int, max_lines: int, bottom_heavy: bool = True) -> tuple[str, ...]:
    """:func:`wrap_tokens` for tokens[a:b] of a table (whose tokens must not be empty)."""
    if b <= a:
        return ()
    if _fits(table, a, b, width):
        return (table.join(a, b),)
    # Most cues that do not fit on one line need two. Asking for the best two-line break
    # first skips counting lines: it finds one exactly when two lines are the fewest needed.
    k = _best_two_lines(table, a, b, width, bottom_heavy)
    if k is not None:
        return (table.join(a, k), table.join(k, b))
    needed = table.count_lines(a, b, width)  # more than two
    for lines in range(needed, max(max_lines, needed) + 1):
        cuts = _best_n_lines(table, a, b, width, lines) if b - a <= 400 else None
        if cuts is not None:
            return _lines_at(table, a, b, cuts)
    return _lines_at(table, a, b, _greedy_cuts(table, a, b, width))


def wrap_tokens(tokens: Sequence[Token], width: int, max_lines: int, bottom_heavy: bool = True) -> tuple[str, ...]:
    """Lay tokens out on as few lines as possible (never more than needed), breaking well.

    When the tokens cannot fit on ``max_lines`` lines the result has more lines: the caller
    (the cue builder) splits cues so that does not happen; the linter reports it otherwise.
    """
    table = TokenTable.from_tokens([t for t in tokens if t.text])
    return wrap_range(table, 0, len(table), width, max_lines, bottom_heavy)


def wrap_text(text: str, rules: CueRules) -> tuple[str, ...]:
    """Break plain ``text`` into lines under ``rules`` (width, line count, pyramid preference)."""
    return wrap_tokens(tokenize(text, rules), rules.max_chars_per_line, rules.max_lines, rules.bottom_heavy)
