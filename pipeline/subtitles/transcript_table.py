"""A transcript's utterances as one :class:`~pipeline.subtitles.table.TokenTable`.

Each utterance's text is cut into tokens and each token timed from the words
(:mod:`~pipeline.subtitles.align`); Chinese tokens get jieba's words to look their flags up
in later. Where utterances meet, the first token gets a space before it in spaced languages
and between two Latin words in CJK text, and a token of closing marks alone is glued back
to the utterance before. Each utterance's token range is the rules' starting point: the
vendor's own segmentation. Where the utterances' speakers change, the table notes a turn
(:attr:`TokenTable.turns`).

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.transcript import Transcript, Utterance
    >>> table, ranges = transcript_table(Transcript((Utterance("Hi there.", 0, 900),)), rules_for("en"))
    >>> table.text, ranges
    (['Hi', 'there.'], [(0, 2)])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import accumulate, chain
from operator import attrgetter, lt, methodcaller

from pipeline.subtitles.align import ASCII_TEXT, TRAILING_CLOSING, char_slots, fast_tokens
from pipeline.subtitles.japanese import japanese_flags
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.table import TokenTable, wider_than
from pipeline.subtitles.text import is_cjk_char, is_halfwidth, is_word_char, norm_char, only_closing_marks
from pipeline.subtitles.tokens import span_bounds
from pipeline.subtitles.words import JiebaWords
from pipeline.transcript import Transcript, Utterance, Word

_WHITESPACE = re.compile(r"\s")
_NORM = {code: norm_char(chr(code)) for code in range(0x20, 0x7F)}  # ASCII; other characters as they are
# Characters each side of an utterance boundary that jieba sees to price a break there.
BOUNDARY_CONTEXT = 8


def _add_utterance(
    table: TokenTable, utterance: Utterance, chinese: bool, cjk: bool, too_wide: Callable[[str], bool] | None = None
) -> str:
    """Append the utterance's tokens to ``table``, timed from its words; returns the text tokenized.

    ``glued``/``phrase`` are left to :meth:`TokenTable.finish` (all False: jieba's flags are
    looked up later), and ``offset`` is only filled where ``jieba`` is set.
    """
    text = utterance.text.strip()
    if not cjk and text.count(" ") + 1 < len(utterance.words):
        text = spaced_by_words(text, utterance.words)
    fast = fast_tokens(text, utterance.words)
    jieba: list[JiebaWords | None] | None = None
    spaces: list[bool]
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
        starts_by_char, ends_by_char = char_slots(text, utterance)
        bounds = span_bounds(text, too_wide)
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
    return text


# Marks after which a missing space is put back when the words say a new word starts ("Yes,but").
_SPACE_AFTER = frozenset(",;!?")


def spaced_by_words(text: str, words: Sequence[Word]) -> str:
    """``text`` with a space wherever the words say a new word starts and the text has none.

    Why: some vendors return an utterance text without spaces ("Yesbutthen") while the
    words carry the boundaries; as one token it would be one unbreakable line. Only when
    the words spell the text's letters and digits exactly (loosely: case and width do not
    matter), and never inside a contraction or compound ("do" + "n't", "e" + "-mail"): a
    space goes only between two letters or digits, or after ``, ; ! ?``. Otherwise the text
    is kept as it is.
    """
    spelled = [_WHITESPACE.sub("", w.text).translate(_NORM) for w in words]
    have = "".join(spelled)
    owner = [k for k, word in enumerate(spelled) for _ in word]
    out: list[str] = []
    b, last_owner = 0, -1
    for ch in text:
        if ch.isspace():
            out.append(ch)
            last_owner = -1
            continue
        if b < len(have) and have[b] == norm_char(ch):
            if last_owner >= 0 and owner[b] != last_owner and (out[-1].isalnum() or out[-1] in _SPACE_AFTER):
                if "'" not in spelled[owner[b]] and "’" not in spelled[owner[b]]:
                    out.append(" ")
            last_owner = owner[b]
            b += 1
        elif ch.isalnum():
            return text  # the words spell something else: the text is kept
        out.append(ch)
    return "".join(out) if b == len(have) else text


def _spaced_table(transcript: Transcript, measure: WidthMeasure = CHARACTERS) -> tuple[TokenTable, list[tuple[int, int]]] | None:
    """:func:`transcript_table` for a spaced language when every utterance takes the ASCII fast path of :func:`~pipeline.subtitles.align.fast_tokens`.

    Why: that is the usual shape of English vendor output, and checking it utterance by
    utterance, word by word, was a quarter of the cue builder's time on a long English
    transcript. Here the checks run once over the whole transcript in C: each utterance
    has one more word than spaces, no word is empty, the joined text is ASCII words with
    single spaces (:data:`ASCII_TEXT`, needed only when some word has inner joiners), and
    with the closing marks after each token removed it spells the joined words. With the
    counts equal per utterance, that is that fast path accepting every utterance.
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
    if "" in spelled or TRAILING_CLOSING.sub("", shown) != " ".join(spelled):
        return None
    if not (letters.isascii() and letters.isalnum()) and not ASCII_TEXT.fullmatch(shown):
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
    ranges = list(zip(edges, edges[1:], strict=False))
    table.turns = speaker_turns(ranges, [u.speaker for u in utterances])
    return table.finish(measure), ranges


def transcript_table(
    transcript: Transcript, rules: CueRules, measure: WidthMeasure = CHARACTERS
) -> tuple[TokenTable, list[tuple[int, int]]]:
    """All utterances' tokens in one table, and each utterance's token range.

    Where utterances meet, the first token gets a space before it in spaced languages and
    between two Latin words in CJK text, and never a jieba flag.
    """
    if not rules.is_cjk and (spaced := _spaced_table(transcript, measure)) is not None:
        return spaced
    return _table_by_utterance(transcript, rules, measure)


def _table_by_utterance(
    transcript: Transcript, rules: CueRules, measure: WidthMeasure = CHARACTERS
) -> tuple[TokenTable, list[tuple[int, int]]]:
    """:func:`transcript_table` for any shape of input, one utterance at a time."""
    table = TokenTable()
    table.cjk = cjk = rules.is_cjk
    ranges: list[tuple[int, int]] = []
    speakers: list[str | None] = []  # the speaker of each range
    chinese = rules.is_chinese
    too_wide = wider_than(measure, measure.line_limit(rules))
    last_text = ""
    for utterance in transcript.utterances:
        a = len(table)
        text = _add_utterance(table, utterance, chinese, cjk, too_wide)
        if ranges and len(table) > a and only_closing_marks(table.text[a]):
            _glue_to_previous(table, a)
        if len(table) == a:
            continue
        if ranges:
            prev, nxt = table.text[a - 1], table.text[a]
            table.space[a] = not cjk or (_latin(prev[-1]) and _latin(nxt[0]))
            table.jieba[a] = None
            if chinese and not table.space[a] and is_cjk_char(prev[-1]):
                # After a mark the text prices the break (a sentence or clause end): no jieba needed.
                _jieba_across(table, a, last_text, text)
        last_text = text
        ranges.append((a, len(table)))
        speakers.append(utterance.speaker)
    if rules.is_japanese:
        table.glued, table.phrase = japanese_flags(table.text, table.space)
    table.turns = speaker_turns(ranges, speakers)
    return table.finish(measure), ranges


def speaker_turns(ranges: Sequence[tuple[int, int]], speakers: Sequence[str | None]) -> list[int]:
    """The first token of each range whose speaker differs from the last one known before it.

    An utterance of unknown speaker (None) starts no turn and ends none: its words stay with
    whoever spoke last. So a transcript without speakers has no turns at all.

    Example:
        >>> speaker_turns([(0, 2), (2, 3), (3, 5), (5, 6)], ["1", None, "2", "2"])
        [3]
    """
    turns: list[int] = []
    last: str | None = None
    for (a, _), speaker in zip(ranges, speakers, strict=True):
        if speaker is None:
            continue
        if last is not None and speaker != last:
            turns.append(a)
        last = speaker
    return turns


def _latin(ch: str) -> bool:
    """A half-width letter or digit: two of them meeting where utterances meet need a space."""
    return is_word_char(ch) and is_halfwidth(ch)


def _jieba_across(table: TokenTable, a: int, before: str, text: str) -> None:
    """Let jieba price the break before token ``a``, the first of utterance ``text``, with the end of ``before``.

    Why: a vendor may end an utterance inside a word ("分离出" | "来"); priced as a word
    boundary, a cue would be cut there. jieba sees the characters on both sides instead,
    as it does inside one utterance, so the cut points across cues obey the same words.
    """
    tail = before[-BOUNDARY_CONTEXT:]
    start = table.offset[a]  # where token ``a`` starts in ``text`` (0 but for a leading bracket)
    table.jieba[a] = JiebaWords(tail + text[: start + BOUNDARY_CONTEXT])
    table.offset[a] = len(tail) + start


def _glue_to_previous(table: TokenTable, k: int) -> None:
    """Move token ``k``'s text to the end of token ``k - 1`` and drop token ``k``.

    Why: a vendor utterance that starts with a comma or a closing bracket would otherwise
    start a cue with it; within one text :func:`~pipeline.subtitles.tokens.span_bounds` glues such marks to the
    character before them, and this does the same across the utterance boundary. The mark
    keeps the previous token's times, as a mark inside a text takes the time of the
    character before it.
    """
    table.text[k - 1] += table.text[k]
    for column in (table.text, table.start, table.end, table.space, table.offset, table.jieba):
        del column[k]
