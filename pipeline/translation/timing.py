"""Times for a translation: each translated sentence takes the time span of its source sentences.

The source is a timed transcript (Volcengine's caption of the same video). It is cut into
sentences at sentence punctuation, and at the end of an utterance that ends without any mark
(a vendor that punctuates nothing gives no other evidence). After alignment
(:mod:`~pipeline.translation.sentence_align`), every group of translated sentences is laid over
the words of its source sentences: a translated token at a given share of its group's text
takes the time the source speech reaches at the same share of its characters. So the source's
own word times, pauses included, decide where a long translated sentence's cues change.

A 0:1 bead (a translated sentence no source sentence matched) has no time of its own: it
shares the span of the bead before it (the first one, of the bead after). A 1:0 bead's span
simply has no translation. Nothing is dropped and nothing moves out of order.

Example:
    >>> from pipeline.transcript import Transcript, Utterance, Word
    >>> src = Transcript((Utterance("好。", 0, 1000, (Word("好。", 0, 1000),)),), "zh-CN")
    >>> [s.text for s in source_sentences(src)]
    ['好。']
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from pipeline.subtitles.text import CLAUSE_MARKS, ends_sentence, last_mark
from pipeline.subtitles.tokens import span_bounds
from pipeline.transcript import Transcript, Utterance, Word, is_cjk_language
from pipeline.translation.sentence_align import Bead
from pipeline.translation.sentences import Sentence, text_length


@dataclass(frozen=True)
class TimedSentence:
    """A source sentence with its words' times."""

    text: str
    start_ms: int
    end_ms: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class TimedGroup:
    """Source sentences ``[src_start, src_end)`` and the translated ones laid over their span."""

    src_start: int
    src_end: int
    tgt_start: int
    tgt_end: int
    start_ms: int
    end_ms: int


def _join(words: Sequence[Word], cjk: bool) -> str:
    return ("" if cjk else " ").join(w.text for w in words)


def _utterance_words(utterance: Utterance) -> tuple[Word, ...]:
    """The utterance's words; one word of its whole text when the vendor gave none."""
    if utterance.words:
        return utterance.words
    return (Word(utterance.text, utterance.start_ms, utterance.end_ms),)


def source_sentences(transcript: Transcript) -> list[TimedSentence]:
    """The transcript's sentences, with their words; utterances without words count as one word.

    A sentence ends at sentence punctuation and at the end of an utterance, unless the
    utterance ends on a clause mark (，、；: …), when it goes on into the next utterance.
    """
    cjk = is_cjk_language(transcript.language)
    pieces: list[list[Word]] = []
    for utterance in transcript.utterances:
        words = _utterance_words(utterance)
        pending: list[Word] = []
        for k, word in enumerate(words):
            pending.append(word)
            following = words[k + 1].text if k + 1 < len(words) else None
            if following is None or ends_sentence(word.text, following, True):
                pieces.append(pending)
                pending = []
    sentences: list[TimedSentence] = []
    carry: list[Word] = []
    for number, piece in enumerate(pieces):
        joined = carry + piece
        if last_mark(piece[-1].text) in CLAUSE_MARKS and number + 1 < len(pieces):
            carry = joined
            continue
        carry = []
        sentences.append(TimedSentence(_join(joined, cjk), joined[0].start_ms, joined[-1].end_ms, tuple(joined)))
    return sentences


def group_beads(beads: Sequence[Bead], sources: Sequence[TimedSentence]) -> list[TimedGroup]:
    """One group per bead with source sentences; 0:1 beads join the group before (or after)."""
    groups: list[list[int]] = []  # [src_start, src_end, tgt_start, tgt_end]
    waiting: list[int] | None = None  # target range of 0:1 beads before the first source
    for bead in beads:
        if bead.src_start == bead.src_end:
            if groups:
                groups[-1][3] = bead.tgt_end
            else:
                waiting = [bead.tgt_start if waiting is None else waiting[0], bead.tgt_end]
            continue
        group = [bead.src_start, bead.src_end, bead.tgt_start, bead.tgt_end]
        if waiting is not None:
            group[2] = waiting[0] if group[2] == group[3] else min(waiting[0], group[2])
            group[3] = max(group[3], waiting[1])
            waiting = None
        groups.append(group)
    return [TimedGroup(a, b, c, d, sources[a].start_ms, sources[b - 1].end_ms) for a, b, c, d in groups]


@dataclass(frozen=True)
class _Axis:
    """The source words of a group on one line of characters: position -> time."""

    cum: list[int]
    words: Sequence[Word]

    @classmethod
    def of(cls, words: Sequence[Word]) -> _Axis:
        return cls(list(accumulate((max(1, text_length(w.text)) for w in words), initial=0)), words)

    @property
    def total(self) -> int:
        return self.cum[-1]

    def time(self, position: float, start: bool) -> int:
        """The time the speech reaches ``position``; at a word boundary, the next word's start
        for a ``start``, the previous word's end otherwise (so no token spans a pause)."""
        cum = self.cum
        q = (bisect_right(cum, position) if start else bisect_left(cum, position)) - 1
        q = min(max(q, 0), len(self.words) - 1)
        word = self.words[q]
        share = (position - cum[q]) / (cum[q + 1] - cum[q])
        return word.start_ms + round(min(max(share, 0.0), 1.0) * (word.end_ms - word.start_ms))


def time_tokens(sentences: Sequence[Sentence], words: Sequence[Word]) -> list[list[Word]]:
    """Each translated sentence's tokens as words timed over the source ``words`` by character share."""
    axis = _Axis.of(words)
    tokens = [[s.text[a:b] for a, b, _ in span_bounds(s.text)] for s in sentences]
    weights = [max(1, text_length(t)) for sentence in tokens for t in sentence]
    cum = list(accumulate(weights, initial=0))
    scale = axis.total / (cum[-1] or 1)
    timed: list[list[Word]] = []
    k = 0
    for sentence in tokens:
        out = []
        for text in sentence:
            start = axis.time(cum[k] * scale, True)
            end = max(start, axis.time(cum[k + 1] * scale, False))
            out.append(Word(text, start, end))
            k += 1
        timed.append(out)
    return timed


def timed_translation(sources: Sequence[TimedSentence], targets: Sequence[Sentence], beads: Sequence[Bead],
                      language: str) -> tuple[Transcript, list[TimedGroup]]:
    """The translation as a timed transcript (one utterance per sentence) and the groups it was timed by."""
    groups = group_beads(beads, sources)
    utterances: list[Utterance] = []
    for group in groups:
        if group.tgt_start == group.tgt_end:
            continue
        words = [w for s in sources[group.src_start:group.src_end] for w in s.words]
        for sentence, timed in zip(targets[group.tgt_start:group.tgt_end],
                                   time_tokens(targets[group.tgt_start:group.tgt_end], words), strict=True):
            if timed:
                utterances.append(Utterance(sentence.text, timed[0].start_ms, timed[-1].end_ms, tuple(timed)))
    duration = sources[-1].end_ms if sources else None
    return Transcript(tuple(utterances), language=language, duration_ms=duration), groups


__all__ = ["TimedGroup", "TimedSentence", "group_beads", "source_sentences", "time_tokens", "timed_translation"]
