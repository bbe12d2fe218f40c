"""The cue builder's chain, rule by rule: what each rule does alone, and why the chain needs it.

Three parts:

1. One section per rule: the rule applied alone (``build_cues(t, rules, chain=(Rule(...),))``)
   on small hand-made Chinese and English transcripts, asserting its specific behaviour.
2. A witness per rule of the default chain (optional rules, like snapping to frames, switched
   on): a transcript whose cues under the full default chain keep a property that the same
   chain without that one rule breaks. A rule dropped from the chain, or a new rule without
   a witness, fails here.
3. Hypothesis properties of the default chain over random transcripts (Chinese and English
   words, random times, pauses and punctuation, zero-length and overlapping times).

Only ``pipeline.subtitles`` (its ``__all__``) and ``pipeline.transcript`` are imported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.subtitles import (
    ClampDuration,
    CloseGaps,
    Cue,
    CueRules,
    ExtendForReadingSpeed,
    JoinSentenceParts,
    LeadIntoSilence,
    MergeShort,
    SnapToFrames,
    SplitAtClause,
    SplitAtPause,
    SplitAtSentenceEnd,
    SplitAtSpeakerChange,
    SplitByLength,
    build_cues,
    default_chain,
    lint_cues,
    rules_for,
)
from pipeline.transcript import Transcript, Utterance, Word

ZH, EN = "zh-CN", "en-US"
R = TypeVar("R")
# Punctuation the vendors leave out of the words (it is only in the utterance text).
MARKS = "，。？！、；：,.?!;:"
SENTENCE_MARKS = "。？！.?!"
CLAUSE_MARKS = "，、；：,;:"


# --------------------------------------------------------------------------- helpers


def speak(
    language: str,
    text: str,
    start_ms: int = 0,
    word_ms: int = 230,
    gap_ms: int = 20,
    silences: Mapping[int, int] | None = None,
) -> Utterance:
    """One utterance as a vendor returns it, punctuation only in the text.

    Chinese: one word per character; English: one word per space-separated token with its
    leading/trailing marks stripped ("dollars." -> "dollars", "3.5" stays). Every word lasts
    ``word_ms``; ``gap_ms`` of silence precede each word but the first, or ``silences[k]``
    before word ``k`` where given.
    """
    if language.startswith("zh"):
        cores = [ch for ch in text if ch.isalnum()]
    else:
        cores = [core for core in (token.strip(MARKS) for token in text.split()) if core]
    silences = silences or {}
    words, t = [], start_ms
    for k, core in enumerate(cores):
        if k:
            t += silences.get(k, gap_ms)
        words.append(Word(core, t, t + word_ms))
        t += word_ms
    return Utterance(text, words[0].start_ms, words[-1].end_ms, tuple(words))


def after(utterance: Utterance, silence_ms: int) -> int:
    """The start time ``silence_ms`` after the utterance ends (negative: an overlap)."""
    return utterance.end_ms + silence_ms


def transcript(language: str, *utterances: Utterance, duration_ms: int | None = None) -> Transcript:
    return Transcript(tuple(utterances), language=language, duration_ms=duration_ms)


def one_word(language: str, text: str, start_ms: int, end_ms: int) -> Transcript:
    word = Word(text.strip(MARKS), start_ms, end_ms)
    return transcript(language, Utterance(text, start_ms, end_ms, (word,)))


def no_space(text: str) -> str:
    return re.sub(r"\s", "", text)


def flat(cue: Cue) -> str:
    """The cue's text on one line (lines joined with a space, as they read)."""
    return " ".join(cue.lines)


def texts(cues: Sequence[Cue]) -> list[str]:
    """Each cue's text without whitespace (Chinese lines join without a space)."""
    return [no_space(cue.text) for cue in cues]


def times(cues: Sequence[Cue]) -> list[tuple[int, int]]:
    return [(cue.start_ms, cue.end_ms) for cue in cues]


def gaps(cues: Sequence[Cue]) -> list[int]:
    return [nxt.start_ms - cur.end_ms for cur, nxt in zip(cues, cues[1:], strict=False)]


def pauses_inside(cue: Cue) -> list[int]:
    """The silence between each two consecutive words of a built cue (speech times)."""
    words = list(cue.words)
    return [nxt.start_ms - cur.end_ms for cur, nxt in zip(words, words[1:], strict=False)]


def silences_inside(cue: Cue) -> list[int]:
    """The silences in a built cue's speech: its words in time order, each start minus the
    latest end before it.

    The same as :func:`pauses_inside` while times go forward. With overlapping speech (two
    utterances at once, a word spoken across shorter ones) words adjacent in the text can
    be far apart in time with the other speaker's words in between: that is no silence.
    """
    silences, latest = [], None
    for word in sorted(cue.words, key=lambda w: (w.start_ms, w.end_ms)):
        if latest is not None:
            silences.append(word.start_ms - latest)
        latest = word.end_ms if latest is None else max(latest, word.end_ms)
    return silences


def fits(cue: Cue, rules: CueRules) -> bool:
    """Within the lines and the line width (a line that is one unbreakable word is exempt)."""
    return len(cue.lines) <= rules.max_lines and all(
        len(line) <= rules.max_chars_per_line or (" " not in line and not re.search(r"[\u4e00-\u9fff]", line))
        for line in cue.lines
    )


def lines_needed(language: str, text: str, width: int) -> int:
    """Lines ``text`` fills greedily at ``width``: the fewest it can take (Chinese breaks
    between any two characters, English between words; a word wider than a line gets one alone)."""
    tokens, sep = (list(no_space(text)), "") if language.startswith("zh") else (text.split(), " ")
    lines, used = 0, None
    for token in tokens:
        if used is not None and used + len(sep) + len(token) <= width:
            used += len(sep) + len(token)
        else:
            lines, used = lines + 1, len(token)
    return lines


def chain_rule(rule_class: type[R], rules: CueRules, media_end_ms: int | None = None, **changes: object) -> R:
    """The ``rule_class`` step of ``default_chain(rules)``, with ``changes`` to its arguments.

    Taken from the default chain rather than constructed, so its limits (line width, lines,
    durations) are exactly the ones the chain applies under ``rules``.
    """
    found = [r for r in default_chain(rules, media_end_ms) if type(r) is rule_class]
    assert len(found) == 1, f"{rule_class.__name__} is not in default_chain(rules) once: {found}"
    return replace(found[0], **changes)


# =========================================================================== JoinSentenceParts


JOIN = JoinSentenceParts(max_gap_ms=600)
VENDOR_CUT = {  # a sentence the vendor cut mid-phrase, then a sentence of its own
    ZH: ("今天下午我们一起去", "公园散步吧。", "好的，明天见。"),
    EN: ("This short clip tests English captions and", "their timing in detail.", "Thank you for watching."),
}


@pytest.mark.parametrize("language", [ZH, EN])
def test_join_sentence_parts_joins_an_utterance_that_stops_mid_sentence(language: str) -> None:
    first, second, third = VENDOR_CUT[language]
    a = speak(language, first)
    b = speak(language, second, after(a, 200))
    c = speak(language, third, after(b, 300))
    cues = build_cues(transcript(language, a, b, c), rules_for(language), chain=(JOIN,))
    assert texts(cues) == [no_space(first + second), no_space(third)]
    assert cues[0].start_ms == a.start_ms and cues[0].end_ms == b.end_ms  # the joined speech span


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("silence_ms", [601, 2000, -100])  # longer than max_gap_ms, or overlapping
def test_join_sentence_parts_does_not_join_across_a_long_pause_or_an_overlap(language: str, silence_ms: int) -> None:
    first, second, third = VENDOR_CUT[language]
    a = speak(language, first)
    b = speak(language, second, after(a, silence_ms))
    c = speak(language, third, after(b, 3000))
    cues = build_cues(transcript(language, a, b, c), rules_for(language), chain=(JOIN,))
    assert texts(cues) == [no_space(first), no_space(second), no_space(third)]


@pytest.mark.parametrize("language", [ZH, EN])
def test_join_sentence_parts_joins_up_to_max_gap_ms_exactly(language: str) -> None:
    first, second, third = VENDOR_CUT[language]
    a = speak(language, first)
    b = speak(language, second, after(a, JOIN.max_gap_ms))
    cues = build_cues(transcript(language, a, b), rules_for(language), chain=(JOIN,))
    assert len(cues) == 1


@pytest.mark.parametrize(
    ("language", "parts"),
    [(ZH, ("今天下午我们一起去", "公园散步", "好的明天见")), (EN, ("We tested the captions and", "their timing", "thank you"))],
)
def test_join_sentence_parts_keeps_the_vendor_boundaries_of_unpunctuated_text(
    language: str, parts: tuple[str, str, str]
) -> None:
    a = speak(language, parts[0])
    b = speak(language, parts[1], after(a, 100))
    c = speak(language, parts[2], after(b, 100))
    cues = build_cues(transcript(language, a, b, c), rules_for(language), chain=(JOIN,))
    assert texts(cues) == [no_space(p) for p in parts]


@pytest.mark.parametrize("language", [ZH, EN])
def test_join_sentence_parts_does_not_join_after_a_sentence_end(language: str) -> None:
    _, second, third = VENDOR_CUT[language]
    b = speak(language, second)
    c = speak(language, third, after(b, 100))
    cues = build_cues(transcript(language, b, c), rules_for(language), chain=(JOIN,))
    assert texts(cues) == [no_space(second), no_space(third)]


# =========================================================================== SplitAtSentenceEnd


def test_split_at_sentence_end_splits_after_chinese_sentence_marks() -> None:
    text = "今天天气很好。我们去公园吧！你去吗？好的"
    cues = build_cues(transcript(ZH, speak(ZH, text)), rules_for(ZH), chain=(SplitAtSentenceEnd(),))
    assert texts(cues) == ["今天天气很好。", "我们去公园吧！", "你去吗？", "好的"]


def test_split_at_sentence_end_splits_after_full_stops_and_question_marks_only_at_sentence_ends() -> None:
    text = "Mr. Smith paid 3.5 dollars. Is that fair? Dr. Jones thinks so! The U.S. Army agrees."
    cues = build_cues(transcript(EN, speak(EN, text)), rules_for(EN), chain=(SplitAtSentenceEnd(),))
    assert [flat(c) for c in cues] == [
        "Mr. Smith paid 3.5 dollars.",  # not after "Mr.", not inside "3.5"
        "Is that fair?",
        "Dr. Jones thinks so!",
        "The U.S. Army agrees.",  # not after the initials
    ]


@pytest.mark.parametrize(
    ("language", "text"), [(ZH, "我们明天早上八点一起去公园散步吧"), (EN, "No full stop here, just a comma and more words")]
)
def test_split_at_sentence_end_leaves_text_without_sentence_ends_alone(language: str, text: str) -> None:
    cues = build_cues(transcript(language, speak(language, text)), rules_for(language), chain=(SplitAtSentenceEnd(),))
    assert texts(cues) == [no_space(text)]


def test_split_at_sentence_end_does_not_split_a_decimal_number_in_chinese_text() -> None:
    text = "价格是3.5元。我们明天再说"
    words = tuple(Word(w, 250 * k, 250 * k + 230) for k, w in enumerate(["价", "格", "是", "3.5", "元", "我", "们", "明", "天", "再", "说"]))
    utterance = Utterance(text, 0, words[-1].end_ms, words)
    cues = build_cues(transcript(ZH, utterance), rules_for(ZH), chain=(SplitAtSentenceEnd(),))
    assert texts(cues) == ["价格是3.5元。", "我们明天再说"]


# =========================================================================== SplitAtPause


PAUSED = {ZH: ("今天天气很好", "我们去公园散步"), EN: ("I was thinking about it", "and then we went home")}


def paused(language: str, silence_ms: int) -> Transcript:
    """One utterance whose second part starts after ``silence_ms`` of silence."""
    first, second = PAUSED[language]
    where = len(speak(language, first).words)
    return transcript(language, speak(language, f"{first} {second}" if language == EN else first + second,
                                      silences={where: silence_ms}))  # fmt: skip


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("silence_ms", [601, 2000])
def test_split_at_pause_splits_at_a_silence_longer_than_min_pause_ms(language: str, silence_ms: int) -> None:
    cues = build_cues(paused(language, silence_ms), rules_for(language), chain=(SplitAtPause(min_pause_ms=600),))
    assert texts(cues) == [no_space(part) for part in PAUSED[language]]
    assert gaps(cues) == [silence_ms]  # the cues keep their speech times
    assert all(p <= 600 for cue in cues for p in pauses_inside(cue))


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("silence_ms", [20, 300, 600])  # 600: not *longer* than the threshold
def test_split_at_pause_does_not_split_at_a_shorter_silence(language: str, silence_ms: int) -> None:
    cues = build_cues(paused(language, silence_ms), rules_for(language), chain=(SplitAtPause(min_pause_ms=600),))
    assert texts(cues) == [no_space("".join(PAUSED[language]))]


@pytest.mark.parametrize("language", [ZH, EN])
def test_split_at_pause_uses_its_own_threshold(language: str) -> None:
    t = paused(language, 400)
    assert len(build_cues(t, rules_for(language), chain=(SplitAtPause(min_pause_ms=300),))) == 2
    assert len(build_cues(t, rules_for(language), chain=(SplitAtPause(min_pause_ms=500),))) == 1


def test_split_at_pause_splits_every_long_pause_of_an_utterance() -> None:
    utterance = speak(ZH, "一二三四五六七八九", silences={3: 700, 6: 1500})
    cues = build_cues(transcript(ZH, utterance), rules_for(ZH), chain=(SplitAtPause(min_pause_ms=600),))
    assert texts(cues) == ["一二三", "四五六", "七八九"]


# =========================================================================== SplitAtClause


ZH_CLAUSE = "好的谢谢，我们明天早上八点然后一起去公园吧"  # 4 + comma + 16 characters
EN_CLAUSE = "Honestly, we went to the market and then back home."  # 9 + 41 characters


@pytest.mark.parametrize(("language", "text", "first"), [(ZH, ZH_CLAUSE, "好的谢谢，"), (EN, EN_CLAUSE, "Honestly,")])
def test_split_at_clause_prefers_the_comma_where_a_length_split_would_not(language: str, text: str, first: str) -> None:
    # One line per cue: the text needs two cues. Cut by length alone, the balanced cut (before
    # 然后 / "and") wins; both clauses fit a cue, so the clause rule cuts at the comma instead.
    rules = rules_for(language, max_lines=1)
    t = transcript(language, speak(language, text))
    by_clause = build_cues(t, rules, chain=(chain_rule(SplitAtClause, rules),))
    by_length = build_cues(t, rules, chain=(chain_rule(SplitByLength, rules),))
    assert [flat(c) for c in by_clause] == [first, text[len(first) :].strip()]
    assert all(fits(c, rules) for c in by_clause)
    assert len(by_length) == 2 and flat(by_length[0]) != first  # the comma is not the obvious cut


@pytest.mark.parametrize(("language", "text"), [(ZH, "好的，谢谢你。"), (EN, "Well, thank you very much.")])
def test_split_at_clause_leaves_a_cue_that_fits_alone(language: str, text: str) -> None:
    rules = rules_for(language)
    cues = build_cues(transcript(language, speak(language, text)), rules, chain=(chain_rule(SplitAtClause, rules),))
    assert texts(cues) == [no_space(text)]


@pytest.mark.parametrize(("language", "text"), [(ZH, "我们明天早上八点一起去公园散步然后一起吃午饭吧"),
                                                (EN, "we went to the market early this morning and then we walked all the way back home together")])  # fmt: skip
def test_split_at_clause_leaves_text_without_clause_marks_to_the_length_split(language: str, text: str) -> None:
    rules = rules_for(language, max_lines=1)
    cues = build_cues(transcript(language, speak(language, text)), rules, chain=(chain_rule(SplitAtClause, rules),))
    assert texts(cues) == [no_space(text)]


def test_split_at_clause_cuts_a_long_chinese_text_at_its_clause_marks() -> None:
    # Two lines of 16: the whole (41 characters) does not fit, each clause (16, 10, 15) does.
    text = "我们明天早上八点在学校门口集合，然后一起坐车去公园，中午在公园里面吃饭休息一会儿。"
    rules = rules_for(ZH)
    cues = build_cues(transcript(ZH, speak(ZH, text)), rules, chain=(chain_rule(SplitAtClause, rules),))
    assert "".join(texts(cues)) == text
    assert len(cues) == 2 and all(fits(c, rules) for c in cues)
    assert all(t[-1] in CLAUSE_MARKS + SENTENCE_MARKS for t in texts(cues))  # every cut after a mark


# =========================================================================== SplitByLength


ZH_LONG = "我们公司明年计划在上海和北京各开一家新的门店同时还要招聘大约两百名员工来负责日常运营工作以及客户服务希望大家积极参与讨论"
EN_LONG = ("we spent most of the afternoon walking along the river looking for a quiet place to sit down "
           "and talk about everything that had happened during the long and difficult winter")  # fmt: skip


@pytest.mark.parametrize(("language", "text", "word_ms"), [(ZH, ZH_LONG, 80), (EN, EN_LONG, 130)])
@pytest.mark.parametrize("max_lines", [1, 2, 3])
def test_split_by_length_yields_cues_that_fit_width_times_lines(language: str, text: str, word_ms: int, max_lines: int) -> None:
    rules = rules_for(language, max_lines=max_lines)
    utterance = speak(language, text, word_ms=word_ms)
    assert utterance.end_ms - utterance.start_ms <= rules.max_duration_ms  # only the length needs cutting
    cues = build_cues(transcript(language, utterance), rules, chain=(chain_rule(SplitByLength, rules),))
    assert all(fits(c, rules) for c in cues)
    assert "".join(texts(cues)) == no_space(text)
    if language == EN:
        assert " ".join(flat(c) for c in cues).split() == text.split()  # no word cut, none invented
    # As few cues as fit: no two neighbours would fit together (one cue fewer always costs less).
    assert len(cues) >= math.ceil(len(text) / (rules.max_chars_per_line * max_lines))
    for a, b in zip(cues, cues[1:], strict=False):
        assert lines_needed(language, flat(a) + " " + flat(b), rules.max_chars_per_line) > max_lines


def test_split_by_length_takes_the_fewest_cues_for_chinese() -> None:
    rules = rules_for(ZH)  # 60 characters, two lines of 16: two cues are needed and enough
    cues = build_cues(transcript(ZH, speak(ZH, ZH_LONG, word_ms=80)), rules, chain=(chain_rule(SplitByLength, rules),))
    assert len(ZH_LONG) == 60 and len(cues) == 2


@pytest.mark.parametrize("language", [ZH, EN])
def test_split_by_length_splits_speech_longer_than_max_duration(language: str) -> None:
    text = "我们明天早上一起去公园散步吧" if language == ZH else "we will walk in the park tomorrow morning"
    rules = rules_for(language)
    utterance = speak(language, text, word_ms=900, gap_ms=100)  # short text, spoken over 9 s or more
    assert utterance.end_ms - utterance.start_ms > rules.max_duration_ms
    cues = build_cues(transcript(language, utterance), rules, chain=(chain_rule(SplitByLength, rules),))
    assert len(cues) == 2
    assert all(c.end_ms - c.start_ms <= rules.max_duration_ms for c in cues)
    assert "".join(texts(cues)) == no_space(text)


@pytest.mark.parametrize(("language", "text"), [(ZH, "好的，谢谢你。"), (EN, "Thank you very much.")])
def test_split_by_length_leaves_a_cue_that_fits_alone(language: str, text: str) -> None:
    rules = rules_for(language)
    cues = build_cues(transcript(language, speak(language, text)), rules, chain=(chain_rule(SplitByLength, rules),))
    assert texts(cues) == [no_space(text)]


def test_split_by_length_keeps_a_word_wider_than_the_line_whole() -> None:
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    text = f"the doctor said {word} is rare"
    rules = rules_for(EN, max_lines=1)
    cues = build_cues(transcript(EN, speak(EN, text)), rules, chain=(chain_rule(SplitByLength, rules),))
    assert word in [line for c in cues for line in c.lines]
    assert all(fits(c, rules) for c in cues)


# =========================================================================== MergeShort


def merge_short(rules: CueRules, **changes: int) -> MergeShort:
    return chain_rule(MergeShort, rules, **changes)


# (long, short, long): the short one is spoken in 480 ms (Chinese) / 230 ms (English).
MERGE_PARTS = {
    ZH: ("我们现在开始开会", "好的", "请大家坐下"),
    EN: ("We are starting the meeting now", "Okay", "Please take a seat"),
}


def three(language: str, before_ms: int, after_ms: int) -> Transcript:
    first, short, last = MERGE_PARTS[language]
    a = speak(language, first)
    b = speak(language, short, after(a, before_ms))
    c = speak(language, last, after(b, after_ms))
    return transcript(language, a, b, c)


@pytest.mark.parametrize("language", [ZH, EN])
def test_merge_short_merges_a_short_cue_into_the_nearer_neighbour(language: str) -> None:
    first, short, last = MERGE_PARTS[language]
    rules = rules_for(language)
    t = three(language, 100, 400)
    to_previous = build_cues(t, rules, chain=(merge_short(rules),))
    assert texts(to_previous) == [no_space(first + short), no_space(last)]
    assert times(to_previous)[0] == (t.utterances[0].start_ms, t.utterances[1].end_ms)  # both cues' speech
    to_next = build_cues(three(language, 400, 100), rules, chain=(merge_short(rules),))
    assert texts(to_next) == [no_space(first), no_space(short + last)]


@pytest.mark.parametrize("language", [ZH, EN])
def test_merge_short_merges_into_the_farther_neighbour_when_the_nearer_one_does_not_fit(language: str) -> None:
    first, short, last = MERGE_PARTS[language]
    rules = rules_for(language, max_lines=1, max_chars_per_line=len(first) + 1)  # first + short is too wide
    cues = build_cues(three(language, 100, 400), rules, chain=(merge_short(rules),))
    assert texts(cues) == [no_space(first), no_space(short + last)]


@pytest.mark.parametrize("language", [ZH, EN])
def test_merge_short_does_not_merge_when_no_neighbour_fits(language: str) -> None:
    first, short, last = MERGE_PARTS[language]
    narrow = rules_for(language, max_lines=1, max_chars_per_line=len(short) + 1)  # short + anything is too wide
    cues = build_cues(three(language, 100, 400), narrow, chain=(merge_short(narrow),))
    assert texts(cues) == [no_space(p) for p in MERGE_PARTS[language]]
    # Too long a merged duration does not fit either.
    cues = build_cues(three(language, 100, 400), rules_for(language), chain=(merge_short(rules_for(language), max_duration_ms=1000),))
    assert len(cues) == 3


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize(("before_ms", "after_ms", "count"), [(501, 700, 3), (600, 501, 3), (500, 900, 2), (900, 500, 2)])
def test_merge_short_merges_only_within_max_gap_ms(language: str, before_ms: int, after_ms: int, count: int) -> None:
    rules = rules_for(language)
    assert rules.close_gap_ms == 500
    cues = build_cues(three(language, before_ms, after_ms), rules, chain=(merge_short(rules),))
    assert len(cues) == count


@pytest.mark.parametrize("language", [ZH, EN])
def test_merge_short_leaves_cues_that_are_long_enough(language: str) -> None:
    rules = rules_for(language)
    t = three(language, 100, 100)
    assert (t.utterances[1].end_ms - t.utterances[1].start_ms) < rules.min_duration_ms
    cues = build_cues(t, rules, chain=(merge_short(rules, min_duration_ms=200),))  # 480/230 ms is long enough now
    assert len(cues) == 3


# =========================================================================== ExtendForReadingSpeed


def extend(rules: CueRules, media_end_ms: int | None = None) -> ExtendForReadingSpeed:
    rule = chain_rule(ExtendForReadingSpeed, rules, media_end_ms)
    assert (rule.max_cps, rule.min_gap_ms, rule.media_end_ms) == (rules.max_cps, rules.min_gap_ms, media_end_ms)
    return rule


# Text spoken fast (80 ms words, 20 ms gaps) and the display time it needs to be read:
# Chinese 11 characters at 9 cps -> ceil(11000 / 9) = 1223 ms; English 25 characters
# (spaces count) at 20 cps -> 1250 ms.
FAST = {ZH: ("我们明天早上八点见面吧", 1223), EN: ("See you tomorrow at eight", 1250)}


def fast(language: str, start_ms: int = 1000) -> Utterance:
    return speak(language, FAST[language][0], start_ms, word_ms=80, gap_ms=20)


@pytest.mark.parametrize("language", [ZH, EN])
def test_extend_for_reading_speed_extends_into_following_silence(language: str) -> None:
    rules = rules_for(language)
    a = fast(language)
    later = speak(language, "好的" if language == ZH else "Fine", after(a, 5000))
    cues = build_cues(transcript(language, a, later), rules, chain=(extend(rules),))
    needed = FAST[language][1]
    assert a.end_ms - a.start_ms < needed
    assert times(cues)[0] == (a.start_ms, a.start_ms + needed)  # the start never moves
    assert cues[1].start_ms == later.start_ms
    assert cues[1].end_ms == later.start_ms + rules.min_duration_ms  # short text: the minimum duration


@pytest.mark.parametrize("language", [ZH, EN])
def test_extend_for_reading_speed_stops_at_the_next_start_minus_the_gap(language: str) -> None:
    rules = rules_for(language)
    a = fast(language)
    b = speak(language, "好的" if language == ZH else "Fine", after(a, 100))
    cues = build_cues(transcript(language, a, b), rules, chain=(extend(rules),))
    assert cues[0].end_ms == b.start_ms - rules.min_gap_ms


@pytest.mark.parametrize("language", [ZH, EN])
def test_extend_for_reading_speed_stops_at_the_media_end(language: str) -> None:
    rules = rules_for(language)
    a = fast(language)
    media_end = a.end_ms + 50
    cues = build_cues(transcript(language, a), rules, chain=(extend(rules, media_end_ms=media_end),))
    assert cues[0].end_ms == media_end
    # Through build_cues' default chain, the media end is the transcript's duration.
    assert build_cues(transcript(language, a, duration_ms=media_end), rules)[0].end_ms == media_end


@pytest.mark.parametrize("language", [ZH, EN])
def test_extend_for_reading_speed_never_shortens_and_never_passes_max_duration(language: str) -> None:
    rules = rules_for(language)
    slow = speak(language, FAST[language][0], 0, word_ms=400)  # slower than reading already
    assert build_cues(transcript(language, slow), rules, chain=(extend(rules),))[0].end_ms == slow.end_ms
    long_text = "我们明天早上八点见面吧" * 7 if language == ZH else " ".join(["See you tomorrow at eight"] * 7)
    dense = speak(language, long_text, 0, word_ms=20, gap_ms=10)  # needs > 7 s to read
    assert dense.end_ms < rules.max_duration_ms
    assert build_cues(transcript(language, dense), rules, chain=(extend(rules),))[0].end_ms == rules.max_duration_ms


def test_zero_length_words_start_their_cue_earlier_into_the_silence() -> None:
    cues = build_cues(witness_lead(), rules_for(EN))
    middle = next(c for c in cues if "store" in c.text)
    first_speech_end = 4 * 230 + 3 * 20
    # Before: a 20 ms cue with 37 characters; now it takes the silence before it (not the first cue's speech).
    assert middle.start_ms < 3000 and middle.start_ms >= first_speech_end + rules_for(EN).min_gap_ms
    assert middle.end_ms - middle.start_ms >= 1500


def test_plausible_fast_speech_leads_by_at_most_half_a_second() -> None:
    a = speak(EN, "Okay.", 0)
    b = speak(EN, "We went to the store and bought some milk.", after(a, 3000), word_ms=100, gap_ms=0)
    cues = build_cues(transcript(EN, a, b, speak(EN, LATER, after(b, 0))), rules_for(EN))
    middle = next(c for c in cues if "store" in c.text)
    assert middle.start_ms == b.start_ms - 500


def test_lead_into_silence_leaves_a_cue_that_can_extend_alone() -> None:
    a = speak(EN, "Okay.", 0)
    b = speak(EN, "We went to the store.", after(a, 3000))  # 5 s of silence after it: the end extends
    cues = build_cues(transcript(EN, a, b, speak(EN, "Then home.", after(b, 5000))), rules_for(EN))
    assert next(c for c in cues if "store" in c.text).start_ms == b.start_ms


def test_extend_for_reading_speed_counts_half_width_characters_as_half_in_chinese() -> None:
    rules = rules_for(ZH)
    words = (Word("OK", 0, 100), Word("好", 120, 200))
    utterance = Utterance("OK好的OK好的OK好的", 0, 200, words)  # "OK" x3 = 3 characters, 好的 x3 = 6: 9 at 9 cps
    cues = build_cues(transcript(ZH, utterance), rules, chain=(extend(rules),))
    assert cues[0].end_ms == 1000  # not 12 / 9 s


# =========================================================================== CloseGaps


CLOSE = CloseGaps(min_gap_ms=80, close_gap_ms=500, max_duration_ms=7000)
PAIR = {ZH: ("你好我是小王。", "请问有什么可以帮您？"), EN: ("Hello, this is Wang.", "How can I help you?")}


def pair(language: str, silence_ms: int) -> Transcript:
    first, second = PAIR[language]
    a = speak(language, first, 1000)
    return transcript(language, a, speak(language, second, after(a, silence_ms)))


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("silence_ms", [81, 200, 499])
def test_close_gaps_closes_a_short_gap_to_min_gap_ms(language: str, silence_ms: int) -> None:
    t = pair(language, silence_ms)
    cues = build_cues(t, rules_for(language), chain=(CLOSE,))
    a, b = t.utterances
    assert gaps(cues) == [80]
    assert times(cues) == [(a.start_ms, b.start_ms - 80), (b.start_ms, b.end_ms)]  # the earlier cue stays up longer


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("silence_ms", [500, 900, 3000])
def test_close_gaps_leaves_a_long_gap_alone(language: str, silence_ms: int) -> None:
    t = pair(language, silence_ms)
    cues = build_cues(t, rules_for(language), chain=(CLOSE,))
    assert times(cues) == [(u.start_ms, u.end_ms) for u in t.utterances]


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("silence_ms", [0, 30, 80, -300])
def test_close_gaps_widens_a_gap_under_min_gap_ms_and_resolves_overlaps(language: str, silence_ms: int) -> None:
    t = pair(language, silence_ms)
    cues = build_cues(t, rules_for(language), chain=(CLOSE,))
    a, b = t.utterances
    assert gaps(cues) == [80]
    assert times(cues) == [(a.start_ms, b.start_ms - 80), (b.start_ms, b.end_ms)]  # the earlier cue ends sooner


@pytest.mark.parametrize("language", [ZH, EN])
def test_close_gaps_starts_the_later_cue_later_when_the_earlier_one_would_vanish(language: str) -> None:
    first, second = PAIR[language]
    a = speak(language, first, 1000)
    b = speak(language, second, 1000)  # both start together
    cues = build_cues(transcript(language, a, b), rules_for(language), chain=(CLOSE,))
    assert cues[0].start_ms == 1000 and cues[0].end_ms > 1000
    assert cues[1].start_ms == cues[0].end_ms + 80 and cues[1].end_ms > cues[1].start_ms
    assert texts(cues) == [no_space(first), no_space(second)]


@pytest.mark.parametrize("language", [ZH, EN])
def test_close_gaps_gives_zero_length_speech_a_visible_cue(language: str) -> None:
    cues = build_cues(one_word(language, "好" if language == ZH else "Hi", 500, 500), rules_for(language), chain=(CLOSE,))
    assert times(cues) == [(500, 501)]


def test_close_gaps_does_not_stretch_a_cue_past_max_duration_ms_to_close_a_gap() -> None:
    t = transcript(ZH, speak(ZH, "你好", 0), speak(ZH, "再见", 1300))  # 0-480 ms, then an 820 ms gap
    closing = CloseGaps(min_gap_ms=80, close_gap_ms=900, max_duration_ms=7000)
    assert build_cues(t, rules_for(ZH), chain=(closing,))[0].end_ms == 1300 - 80
    short_limit = CloseGaps(min_gap_ms=80, close_gap_ms=900, max_duration_ms=1000)
    assert build_cues(t, rules_for(ZH), chain=(short_limit,))[0].end_ms == 1000  # only up to 1 s after its start


# =========================================================================== ClampDuration


@pytest.mark.parametrize(("language", "text"), [(ZH, "啊"), (EN, "Hello.")])
def test_clamp_duration_ends_a_nine_second_single_word_cue_at_seven_seconds(language: str, text: str) -> None:
    cues = build_cues(one_word(language, text, 1000, 10_000), rules_for(language), chain=(ClampDuration(max_duration_ms=7000),))
    assert times(cues) == [(1000, 8000)]
    assert no_space(cues[0].text) == text


@pytest.mark.parametrize("language", [ZH, EN])
def test_clamp_duration_clamps_any_cue_and_leaves_shorter_ones(language: str) -> None:
    text = "我们明天见" if language == ZH else "See you tomorrow then"
    long = speak(language, text, 0, word_ms=2000)  # 4-5 words over 8 s or more
    short = speak(language, text, 20_000)
    cues = build_cues(transcript(language, long, short), rules_for(language), chain=(ClampDuration(max_duration_ms=7000),))
    assert times(cues) == [(0, 7000), (short.start_ms, short.end_ms)]
    assert build_cues(transcript(language, long), rules_for(language), chain=(ClampDuration(max_duration_ms=3000),))[0].end_ms == 3000


# =========================================================================== SnapToFrames


FRAME_RATES = (24000 / 1001, 25.0, 30000 / 1001, 30.0, 50.0, 60.0)


def frame_error_ms(time_ms: int, fps: float) -> float:
    """How far ``time_ms`` is from the nearest frame boundary of a ``fps`` video."""
    frame_ms = 1000 / fps
    return abs(time_ms - round(time_ms / frame_ms) * frame_ms)


def every_time_on_a_frame(cues: Sequence[Cue], *, rules: CueRules) -> bool:
    """Every start and end within a millisecond of a frame boundary (a file holds whole ms)."""
    return all(frame_error_ms(t, rules.fps) < 1 for c in cues for t in (c.start_ms, c.end_ms))


def gaps_in_frames(cues: Sequence[Cue], fps: float) -> list[float]:
    return [gap * fps / 1000 for gap in gaps(cues)]


def snap(rules: CueRules) -> SnapToFrames:
    return chain_rule(SnapToFrames, replace(rules, snap_to_frames=True))


def test_snap_to_frames_is_in_the_chain_only_when_asked() -> None:
    assert SnapToFrames not in [type(rule) for rule in default_chain(rules_for(ZH))]
    rule = snap(rules_for(ZH, fps=60))
    assert (rule.fps, rule.min_gap_frames, rule.close_gap_ms, rule.max_duration_ms) == (60, 2, 500, 7000)
    assert type(default_chain(rules_for(ZH, snap_to_frames=True))[-1]) is SnapToFrames  # after every other rule


@pytest.mark.parametrize("language", [ZH, EN])
@pytest.mark.parametrize("fps", FRAME_RATES, ids=lambda f: f"{f:.3f}")
def test_snapped_cues_sit_on_frames_with_gaps_of_two_frames(language: str, fps: float) -> None:
    rules = rules_for(language, fps=fps, snap_to_frames=True)
    first, second = PAIR[language]
    a = speak(language, first, 1013)  # off every frame grid
    b = speak(language, second, after(a, 237))  # a short gap: closed to two frames
    c = speak(language, first, after(b, 1561))  # a long one: left open
    cues = build_cues(transcript(language, a, b, c), rules)
    assert every_time_on_a_frame(cues, rules=rules)
    closed, left = gaps(cues)
    assert closed == rules.min_gap_ms  # two frames, as lint wants the milliseconds
    assert gaps_in_frames(cues, fps)[0] == pytest.approx(2, abs=fps / 1000)  # within a millisecond of two frames
    assert left > rules.close_gap_ms
    assert [issue for issue in lint_cues(cues, rules) if issue.severity == "error"] == []


@pytest.mark.parametrize("fps", FRAME_RATES, ids=lambda f: f"{f:.3f}")
def test_snap_to_frames_keeps_two_frames_between_cues_that_touch_or_overlap(fps: float) -> None:
    rule = SnapToFrames(fps=fps)
    for silence_ms in (-300, 0, 5, 40):
        a = speak(EN, "Hello, this is Wang.", 1013)
        cues = build_cues(transcript(EN, a, speak(EN, "How can I help?", after(a, silence_ms))), rules_for(EN), chain=(rule,))
        assert gaps_in_frames(cues, fps)[0] >= 2 and gaps(cues)[0] >= math.ceil(2000 / fps)
        assert every_time_on_a_frame(cues, rules=rules_for(EN, fps=fps))


def test_snap_to_frames_gives_a_blink_of_speech_one_frame() -> None:
    cues = build_cues(one_word(EN, "Hi", 1000, 1005), rules_for(EN), chain=(SnapToFrames(fps=25),))
    assert times(cues) == [(1000, 1040)]  # frame 25 only, not nothing


def test_snap_to_frames_never_makes_a_cue_outlast_max_duration() -> None:
    cues = build_cues(one_word(EN, "Hello.", 1013, 8013), rules_for(EN), chain=(SnapToFrames(fps=30000 / 1001),))
    assert cues[0].end_ms - cues[0].start_ms <= 7000
    assert cues[0].end_ms - cues[0].start_ms > 7000 - 1000 / 29.97  # shortened by less than a frame


# =========================================================================== each rule's witness


def every_cue_ends_a_sentence(cues: Sequence[Cue]) -> bool:
    return all(no_space(c.text)[-1] in SENTENCE_MARKS for c in cues)


def no_sentence_end_inside_a_cue(cues: Sequence[Cue]) -> bool:
    return not any(mark in no_space(c.text)[:-1] for c in cues for mark in "。？！")


def no_cue_spans_a_pause(cues: Sequence[Cue], *, rules: CueRules) -> bool:
    return all(p <= rules.pause_split_ms for c in cues for p in pauses_inside(c))


def no_clause_mark_inside_a_cue(cues: Sequence[Cue]) -> bool:
    return not any(mark in no_space(c.text)[:-1] for c in cues for mark in CLAUSE_MARKS)


def every_cue_fits(cues: Sequence[Cue], *, rules: CueRules) -> bool:
    return all(fits(c, rules) for c in cues)


def no_cue_is_short(cues: Sequence[Cue], *, rules: CueRules) -> bool:
    return all(c.end_ms - c.start_ms >= rules.min_duration_ms for c in cues)


def every_cue_is_readable(cues: Sequence[Cue], *, rules: CueRules) -> bool:
    """Up for the minimum duration and long enough to read at max_cps (English: every character counts)."""
    return all(c.end_ms - c.start_ms >= max(rules.min_duration_ms, len(flat(c)) * 1000 / rules.max_cps) for c in cues)


def gaps_are_closed(cues: Sequence[Cue], *, rules: CueRules) -> bool:
    return all(g == rules.min_gap_ms or g >= rules.close_gap_ms for g in gaps(cues))


def no_cue_is_too_long(cues: Sequence[Cue], *, rules: CueRules) -> bool:
    return all(c.end_ms - c.start_ms <= rules.max_duration_ms for c in cues)


def witness_join() -> Transcript:
    first, second, third = VENDOR_CUT[EN]
    a = speak(EN, first, 0, 230)
    b = speak(EN, second, after(a, 200))
    return transcript(EN, a, b, speak(EN, third, after(b, 1000)))


def witness_speaker_change() -> Transcript:
    """One speaker stops mid-sentence and another answers at once: the join rule would join them."""
    a = replace(speak(ZH, "我们明天早上去"), speaker="1")
    return transcript(ZH, a, replace(speak(ZH, "好的，几点？", after(a, 200)), speaker="2"))


def one_speaker_per_cue(cues: Sequence[Cue]) -> bool:
    """The witness's two speakers never share a cue ("去" ends the first one's words, "好" starts the other's)."""
    return all(not ("去" in c.text and "好" in c.text) for c in cues)


def witness_sentence_end() -> Transcript:
    return transcript(ZH, speak(ZH, "今天天气很好。我们去公园散步吧。"))


def witness_pause() -> Transcript:
    return transcript(ZH, speak(ZH, "今天天气很好我们去公园散步", silences={6: 2000}))


def witness_clause() -> Transcript:
    return transcript(ZH, speak(ZH, ZH_CLAUSE))


def witness_length() -> Transcript:
    return transcript(EN, speak(EN, EN_LONG, word_ms=130))


def witness_merge() -> Transcript:
    a = speak(ZH, "好的。")  # 480 ms, 100 ms before the next sentence: no room to extend
    return transcript(ZH, a, speak(ZH, "我们现在开始开会吧。", after(a, 100)))


def witness_extend() -> Transcript:
    a = speak(EN, "See you tomorrow.", word_ms=150)  # 490 ms of speech, then 5 s of silence
    return transcript(EN, a, speak(EN, "Goodbye everyone, take care of yourselves.", after(a, 5000)))


LATER = "And then we went home together after a very long and tiring day at work."


def witness_lead() -> Transcript:
    """A sentence whose words all carry one instant (an alignment failure), 2 s after the last one."""
    a = speak(EN, "See you tomorrow then.", 0)
    at = after(a, 2000)
    b = Utterance("We went to the store and bought milk.", at, at,
                  tuple(Word(w.strip("."), at, at) for w in "We went to the store and bought milk.".split()))
    return transcript(EN, a, b, speak(EN, LATER, at + 20))


def starts_in_the_silence(cues: Sequence[Cue]) -> bool:
    """The cue of the zero-length words is up long enough to read: it starts in the silence before it."""
    middle = next(c for c in cues if "store" in c.text)
    return middle.end_ms - middle.start_ms >= 1500


def witness_close() -> Transcript:
    first, second = PAIR[ZH]
    a = speak(ZH, first)  # long enough to read: reading speed does not extend it
    return transcript(ZH, a, speak(ZH, second, after(a, 200)))


def witness_clamp() -> Transcript:
    return one_word(EN, "Hello.", 0, 9000)  # a 9 s word


def witness_snap() -> Transcript:
    a = speak(EN, "See you tomorrow.", 1013, word_ms=350)  # times off the 29.97 fps frames
    return transcript(EN, a, speak(EN, "Goodbye everyone.", after(a, 1500), word_ms=350))


SNAPPING = rules_for(EN, fps=30000 / 1001, snap_to_frames=True)
#: Optional rules switched on, so that each of them needs a witness too.
ALL_RULES = {"snap_to_frames": True}


#: Each rule class of the default chain -> (transcript, rules, the property the rule guarantees).
WITNESSES: dict[type, tuple[Callable[[], Transcript], CueRules, Callable[[Sequence[Cue]], bool]]] = {
    JoinSentenceParts: (witness_join, rules_for(EN), every_cue_ends_a_sentence),
    SplitAtSpeakerChange: (witness_speaker_change, rules_for(ZH), one_speaker_per_cue),
    SplitAtSentenceEnd: (witness_sentence_end, rules_for(ZH), no_sentence_end_inside_a_cue),
    SplitAtPause: (witness_pause, rules_for(ZH), partial(no_cue_spans_a_pause, rules=rules_for(ZH))),
    SplitAtClause: (witness_clause, rules_for(ZH, max_lines=1), no_clause_mark_inside_a_cue),
    SplitByLength: (witness_length, rules_for(EN), partial(every_cue_fits, rules=rules_for(EN))),
    MergeShort: (witness_merge, rules_for(ZH), partial(no_cue_is_short, rules=rules_for(ZH))),
    LeadIntoSilence: (witness_lead, rules_for(EN), starts_in_the_silence),
    ExtendForReadingSpeed: (witness_extend, rules_for(EN), partial(every_cue_is_readable, rules=rules_for(EN))),
    CloseGaps: (witness_close, rules_for(ZH), partial(gaps_are_closed, rules=rules_for(ZH))),
    ClampDuration: (witness_clamp, rules_for(EN), partial(no_cue_is_too_long, rules=rules_for(EN))),
    SnapToFrames: (witness_snap, SNAPPING, partial(every_time_on_a_frame, rules=SNAPPING)),
}


@pytest.mark.parametrize("language", [ZH, EN])
def test_every_rule_of_the_default_chain_has_a_witness(language: str) -> None:
    chain_classes = [type(rule) for rule in default_chain(rules_for(language, **ALL_RULES))]
    assert len(set(chain_classes)) == len(chain_classes)
    assert set(chain_classes) == set(WITNESSES)  # a new rule needs a witness; a dropped one is missed


# Every rule of the default chain, and every witnessed one: a rule missing from the chain
# still has its witness run, and fails it.
CHAIN_CLASSES = list(dict.fromkeys([*(type(rule) for rule in default_chain(rules_for(ZH, **ALL_RULES))), *WITNESSES]))


@pytest.mark.parametrize("rule_class", CHAIN_CLASSES, ids=lambda c: c.__name__)
def test_dropping_a_rule_breaks_its_witness(rule_class: type) -> None:
    assert rule_class in WITNESSES, f"{rule_class.__name__} has no witness in WITNESSES"
    factory, rules, predicate = WITNESSES[rule_class]
    t = factory()
    full = build_cues(t, rules)  # the default chain, exactly as build_cues applies it
    name = getattr(predicate, "func", predicate).__name__
    assert predicate(full), f"{name} fails with the default chain: {[c.lines for c in full]}"
    chain = default_chain(rules, t.duration_ms)
    assert [type(rule) for rule in chain].count(rule_class) == 1
    assert full == build_cues(t, rules, chain=chain)
    without = tuple(rule for rule in chain if type(rule) is not rule_class)
    dropped = build_cues(t, rules, chain=without)
    assert not predicate(dropped), f"{name} holds without {rule_class.__name__} too: not a witness"


# =========================================================================== properties of the default chain


HAN = "我们你他是的了在有不这个人大中国上来到时说要就出会可也能对生年发成方后作里用天地明想看起"
ZH_LATIN = ("iPhone", "15", "4K", "OK", "3.5")
EN_WORDS = ("we", "the", "market", "and", "then", "Mr.", "3.5", "OK", "because", "hello", "world", "don't",
            "e-mail", "U.S.", "YouTube", "a", "Pneumonoultramicroscopicsilicovolcanoconiosis")  # fmt: skip
ZH_TAILS = ("",) * 8 + ("，", "。", "？", "！", "、", "；")
EN_TAILS = ("",) * 8 + (",", ".", "?", "!", ";", ":", "...")


def weighted(*choices: tuple[int, st.SearchStrategy[int]]) -> st.SearchStrategy[int]:
    """One of the strategies, each as likely as its weight says."""
    return st.one_of(*[strategy for weight, strategy in choices for _ in range(weight)])


# A word's duration: mostly speech-like, sometimes zero (vendors time marks so), long, or
# longer than a cue may last.
DURATIONS = weighted((16, st.integers(1, 400)), (1, st.just(0)), (2, st.integers(400, 2500)), (1, st.integers(7000, 9500)))
# The silence after a word: mostly short, sometimes none, a pause, or negative (the next
# word starts while this one is still spoken).
SILENCES = weighted((14, st.integers(1, 200)), (1, st.just(0)), (4, st.integers(500, 2500)), (2, st.integers(-600, -1)))


@st.composite
def utterances(draw: st.DrawFn, chinese: bool, start_ms: int) -> Utterance:
    """One vendor utterance from ``start_ms``: words in time order, each start not before the previous one."""
    count = draw(st.integers(1, 30))
    text, words, t = "", [], start_ms
    latin_before = False
    for _ in range(count):
        if chinese:
            latin = draw(st.integers(0, 9)) == 0
            core = draw(st.sampled_from(ZH_LATIN)) if latin else draw(st.sampled_from(HAN))
            tail = draw(st.sampled_from(ZH_TAILS))
            # A space only next to a Latin word ("用 iPhone 拍" or "用iPhone拍"), always between two.
            spaced = text and (latin or text[-1].isascii()) and (latin and latin_before or draw(st.booleans()))
            latin_before = latin
        else:
            core, tail, spaced = draw(st.sampled_from(EN_WORDS)), draw(st.sampled_from(EN_TAILS)), bool(text)
        text += (" " if spaced else "") + core + tail
        duration, silence = draw(DURATIONS), draw(SILENCES)
        start = max(words[-1].start_ms, t) if words else t
        words.append(Word(core.rstrip("."), start, start + duration))
        t = start + duration + silence
    if draw(st.integers(0, 9)) == 0:  # no words: the utterance's span is spread over its characters
        return Utterance(text, start_ms, max(w.end_ms for w in words), ())
    return Utterance(text, words[0].start_ms, max(w.end_ms for w in words), tuple(words))


@st.composite
def transcripts(draw: st.DrawFn, overlapping: bool = True) -> Transcript:
    """Random Chinese or English transcripts; ``overlapping``: an utterance may start before the last one ends."""
    chinese = draw(st.booleans())
    parts, t = [], draw(st.integers(0, 3000))
    for _ in range(draw(st.integers(1, 6))):
        utterance = draw(utterances(chinese, t))
        parts.append(utterance)
        t = max(utterance.start_ms, utterance.end_ms + draw(st.integers(-800 if overlapping else 0, 4000)))
    parts.sort(key=lambda u: (u.start_ms, u.end_ms))  # as the converters sort them
    end = max(u.end_ms for u in parts)
    duration_ms = draw(st.one_of(st.none(), st.integers(end, end + 3000)))
    return Transcript(tuple(parts), language=ZH if chinese else EN, duration_ms=duration_ms)


@st.composite
def cases(
    draw: st.DrawFn, overlapping: bool = True, pause_thresholds: Sequence[int] = (200, 600, 1000)
) -> tuple[Transcript, CueRules]:
    """A random transcript and its language's rules, sometimes with other limits."""
    t = draw(transcripts(overlapping))
    overrides = draw(
        st.one_of(
            st.just({}),
            st.fixed_dictionaries(
                {},
                optional={
                    "max_lines": st.integers(1, 3),
                    "max_chars_per_line": st.integers(8, 42),
                    "pause_split_ms": st.sampled_from(pause_thresholds),
                    "fps": st.sampled_from(FRAME_RATES),
                    "snap_to_frames": st.booleans(),
                },
            ),
        )
    )
    return t, rules_for(t.language, **overrides)


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@PROPERTY_SETTINGS
@given(case=cases())
def test_built_cues_lint_without_errors(case: tuple[Transcript, CueRules]) -> None:
    t, rules = case
    cues = build_cues(t, rules)
    # A single word wider than a line is flagged by lint but no builder can break it.
    errors = [i for i in lint_cues(cues, rules) if i.severity == "error" and "cannot be broken" not in i.message]
    assert errors == [], [c.lines for c in cues]


def assert_no_cue_spans_a_pause(t: Transcript, rules: CueRules) -> None:
    for cue in build_cues(t, rules):
        assert all(p <= rules.pause_split_ms for p in silences_inside(cue)), (cue.lines, list(cue.words))


@PROPERTY_SETTINGS
@given(case=cases(overlapping=False, pause_thresholds=(500, 600, 1000)))
def test_no_cue_spans_a_pause_longer_than_the_threshold(case: tuple[Transcript, CueRules]) -> None:
    # Utterances one after the other (words within one may still overlap) and thresholds of
    # at least close_gap_ms; the two tests below cover the rest.
    assert_no_cue_spans_a_pause(*case)


# Minimal counter-examples hypothesis once found for the general property, both caused by
# MergeShort merging across a pause SplitAtPause had cut (it now refuses to bridge a silence
# longer than the pause threshold).
#
# 1. pause_split_ms below close_gap_ms: default_chain gives MergeShort max_gap_ms=close_gap_ms
#    (500), so it merges the short "OK" back across the 450 ms pause SplitAtPause cut.
PAUSE_BELOW_CLOSE_GAP = (
    Transcript((Utterance("OK then", 0, 700, (Word("OK", 0, 200), Word("then", 650, 700))),), language=EN),
    rules_for(EN, pause_split_ms=400),
)
# 2. Overlapping utterances: "right" (150-250 ms) starts inside the first utterance, so the
#    group "then right" spans 150-1000 ms and MergeShort sees a 50 ms gap after "OK" (0-100 ms);
#    the cue's speech then has a 650 ms silence (250-900 ms), over the 600 ms threshold.
PAUSE_ACROSS_OVERLAP = (
    Transcript(
        (
            Utterance("OK then", 0, 1000, (Word("OK", 0, 100), Word("then", 900, 1000))),
            Utterance("right", 150, 250, (Word("right", 150, 250),)),
        ),
        language=EN,
    ),
    rules_for(EN),
)


@PROPERTY_SETTINGS
@example(case=PAUSE_BELOW_CLOSE_GAP)
@given(case=cases(overlapping=False, pause_thresholds=(200, 400)))
def test_no_cue_spans_a_pause_below_close_gap_ms(case: tuple[Transcript, CueRules]) -> None:
    assert_no_cue_spans_a_pause(*case)


@PROPERTY_SETTINGS
@example(case=PAUSE_ACROSS_OVERLAP)
@given(case=cases(overlapping=True, pause_thresholds=(500, 600, 1000)))
def test_no_cue_spans_a_pause_with_overlapping_utterances(case: tuple[Transcript, CueRules]) -> None:
    assert_no_cue_spans_a_pause(*case)


@PROPERTY_SETTINGS
@given(case=cases())
def test_no_cue_is_longer_than_max_duration_unless_it_is_one_word(case: tuple[Transcript, CueRules]) -> None:
    t, rules = case
    for cue in build_cues(t, rules):
        assert len(cue.words) == 1 or cue.end_ms - cue.start_ms <= rules.max_duration_ms, cue


@PROPERTY_SETTINGS
@given(case=cases(), fps=st.sampled_from(FRAME_RATES))
def test_snapped_cues_are_on_frames_and_two_frames_apart(case: tuple[Transcript, CueRules], fps: float) -> None:
    t, rules = case
    rules = replace(rules, fps=fps, snap_to_frames=True)
    cues = build_cues(t, rules)
    assert every_time_on_a_frame(cues, rules=rules), times(cues)
    assert all(gap >= rules.min_gap_ms for gap in gaps(cues)), times(cues)
    assert all(c.end_ms > c.start_ms for c in cues)


@PROPERTY_SETTINGS
@given(case=cases())
def test_nothing_is_lost_duplicated_or_reordered(case: tuple[Transcript, CueRules]) -> None:
    t, rules = case
    assert rules.punctuation == "keep"
    cues = build_cues(t, rules)
    assert "".join(texts(cues)) == no_space("".join(u.text for u in t.utterances))
