"""A transcript's utterances as one :class:`~pipeline.subtitles.table.TokenTable`.

Each utterance's text is cut into tokens and each token timed from the words
(:mod:`~pipeline.subtitles.align`); Chinese tokens get jieba's words to look their flags up
in later. Where utterances meet, the first token gets a space before it in spaced languages
and between two Latin words in CJK text, and a token of closing marks alone is glued back
to the utterance before. Each utterance's token range is the rules' starting point: the
vendor's own segmentation.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.transcript import Transcript, Utterance
    >>> table, ranges = transcript_table(Transcript((Utterance("Hi there.", 0, 900),)), rules_for("en"))
    >>> table.text, ranges
    (['Hi', 'there.'], [(0, 2)])
"""

from __future__ import annotations

from itertools import accumulate, chain
from operator import attrgetter, lt, methodcaller

from pipeline.subtitles.align import ASCII_TEXT, TRAILING_CLOSING, char_slots, fast_tokens
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.table import TokenTable
from pipeline.subtitles.text import is_word_char, only_closing_marks
from pipeline.subtitles.tokens import span_bounds
from pipeline.subtitles.words import JiebaWords
from pipeline.transcript import Transcript, Utterance


def _add_utterance(table: TokenTable, utterance: Utterance, chinese: bool) -> None:
    """Append the utterance's tokens to ``table``, timed from its words.

    ``glued``/``phrase`` are left to :meth:`TokenTable.finish` (all False: jieba's flags are
    looked up later), and ``offset`` is only filled where ``jieba`` is set.
    """
    text = utterance.text.strip()
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
    return table.finish(measure), list(zip(edges, edges[1:], strict=False))


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
    ranges: list[tuple[int, int]] = []
    cjk, chinese = rules.is_cjk, rules.is_chinese
    for utterance in transcript.utterances:
        a = len(table)
        _add_utterance(table, utterance, chinese)
        if ranges and len(table) > a and only_closing_marks(table.text[a]):
            _glue_to_previous(table, a)
        if len(table) == a:
            continue
        if ranges:
            prev, nxt = table.text[a - 1], table.text[a]
            table.space[a] = not cjk or (is_word_char(prev[-1]) and is_word_char(nxt[0]))
            table.jieba[a] = None
        ranges.append((a, len(table)))
    return table.finish(measure), ranges


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
