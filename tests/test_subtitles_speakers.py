"""Speaker turns (issue 11, "Speaker turns"): a cue line never holds two speakers' words, and two
short turns may share a cue as a dialogue cue, one dashed line per speaker.

The speakers come from the utterances (:attr:`pipeline.transcript.Utterance.speaker`); a
transcript without them builds the cues it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles import (
    Cue,
    CueRules,
    MergeShort,
    SplitAtSpeakerChange,
    build_cues,
    default_chain,
    lint_cues,
    rules_for,
)
from pipeline.subtitles.dialogue import script_turns, transcript_with_turns
from pipeline.subtitles.groups import Group
from pipeline.subtitles.transcript_table import speaker_turns
from pipeline.transcript import Transcript, Utterance, Word

ZH = rules_for("zh-CN")
ZH_DIALOGUE = rules_for("zh-CN", dialogue=True)
#: Seventeen rapid turns of two speakers: short questions and answers, 150 ms apart.
TURNS = ("你好。", "你好。", "吃了吗？", "吃了。", "去哪儿？", "上班。", "几点？", "九点。", "远吗？", "不远。",
         "坐车？", "走路。", "好吧。", "再见。", "明天见。", "好的。", "拜拜。")  # fmt: skip


def said(text: str, start_ms: int, speaker: str | None = None, per_char_ms: int = 180) -> Utterance:
    """As Chinese vendors answer: a word per character, the closing mark on the last one."""
    cores = [ch for ch in text if ch.isalnum()]
    words, t = [], start_ms
    for k, ch in enumerate(cores):
        tail = text[len(text.rstrip("。？！，")):] if k == len(cores) - 1 else ""
        words.append(Word(ch + tail, t, t + per_char_ms))
        t += per_char_ms
    return Utterance(text, start_ms, t, tuple(words), speaker)


def exchange(texts: Sequence[str], speakers: Sequence[str | None], gap_ms: int = 150,
             language: str = "zh-CN") -> Transcript:
    utterances, t = [], 0
    for text, speaker in zip(texts, speakers, strict=True):
        utterances.append(said(text, t, speaker))
        t = utterances[-1].end_ms + gap_ms
    return Transcript(tuple(utterances), language=language)


def seventeen_turns(speakers: bool = True) -> Transcript:
    return exchange(TURNS, ["AB"[k % 2] if speakers else None for k in range(len(TURNS))])


def line_speakers(cues: Sequence[Cue], t: Transcript) -> list[list[set[str]]]:
    """For each cue, each line's speakers: whose letters and digits it shows.

    Black-box: the cues' letters and digits, in order, are the transcript's (asserted), so each
    one is traced to its utterance (a dialogue dash is neither); an utterance of unknown speaker
    counts as the last known speaker's (the first known one's at the start), as the builder
    takes it.
    """
    owners: list[str | None] = [u.speaker for u in t.utterances for ch in u.text if ch.isalnum()]
    known = [s for s in owners if s is not None]
    last = known[0] if known else None
    resolved: list[str | None] = []
    for owner in owners:
        last = owner if owner is not None else last
        resolved.append(last)
    out, k = [], 0
    for cue in cues:
        lines = []
        for line in cue.lines:
            chars = [ch for ch in line if ch.isalnum()]
            lines.append({s for s in resolved[k : k + len(chars)] if s is not None})
            k += len(chars)
        out.append(lines)
    assert k == len(owners)  # nothing lost or added
    return out


def mixed_lines(cues: Sequence[Cue], t: Transcript) -> int:
    """How many lines show two speakers' words."""
    return sum(len(speakers) > 1 for lines in line_speakers(cues, t) for speakers in lines)


# --------------------------------------------------------------------------- the case


def test_seventeen_rapid_turns_are_no_longer_two_cues_of_mixed_sentences() -> None:
    before = build_cues(seventeen_turns(speakers=False))
    assert len(before) == 2 and mixed_lines(before, seventeen_turns()) == 4  # as the issue found them
    t = seventeen_turns()
    cues = build_cues(t)
    assert [c.lines for c in cues] == [(text,) for text in TURNS] and mixed_lines(cues, t) == 0


def test_seventeen_rapid_turns_pair_up_as_dialogue_cues() -> None:
    t = seventeen_turns()
    cues = build_cues(t, ZH_DIALOGUE)
    pairs = [(f"-{a}", f"-{b}") for a, b in zip(TURNS[::2], TURNS[1::2], strict=False)]
    assert [c.lines for c in cues] == [*pairs, (TURNS[-1],)]
    assert mixed_lines(cues, t) == 0
    assert all(c.end_ms - c.start_ms >= ZH.min_duration_ms for c in cues[:-1])  # each pair is up long enough to read
    assert [i for i in lint_cues(cues, ZH_DIALOGUE) if i.severity == "error" and i.rule != "min_duration"] == []


def test_without_speakers_nothing_changes() -> None:
    t = seventeen_turns(speakers=False)
    assert build_cues(t, ZH_DIALOGUE) == build_cues(t, ZH)


# --------------------------------------------------------------------------- the rules


def test_turns_are_where_a_known_speaker_changes() -> None:
    ranges = [(0, 2), (2, 3), (3, 5), (5, 6), (6, 9)]
    assert speaker_turns(ranges, ["1", None, "2", "2", "1"]) == [3, 6]
    assert speaker_turns(ranges, [None, "1", None, "1", None]) == []  # unknown speakers start no turn
    assert speaker_turns(ranges, [None] * 5) == []


def test_split_at_speaker_change_alone_cuts_where_the_speaker_changes() -> None:
    # One utterance's words reach into the next speaker's: the vendor's own boundary is the turn.
    t = exchange(["我们明天早上去", "好的，几点？"], ["1", "2"], gap_ms=100)
    joined = build_cues(t, ZH, chain=())  # no rule: the vendor's utterances
    assert [c.lines for c in joined] == [("我们明天早上去",), ("好的，几点？",)]
    from pipeline.subtitles import JoinSentenceParts

    rejoined = build_cues(t, ZH, chain=(JoinSentenceParts(),))  # the join rule alone joins them ...
    assert [c.lines for c in rejoined] == [("-我们明天早上去", "-好的，几点？")]  # ... a line each, still
    split = build_cues(t, ZH, chain=(JoinSentenceParts(), SplitAtSpeakerChange()))
    assert [c.lines for c in split] == [("我们明天早上去",), ("好的，几点？",)]


def merge(dialogue: bool, **limits: float) -> MergeShort:
    rule = next(r for r in default_chain(ZH_DIALOGUE) if isinstance(r, MergeShort))
    return replace(rule, dialogue=dialogue, **limits)  # type: ignore[arg-type]


def test_merge_short_never_merges_two_speakers_without_dialogue() -> None:
    t = exchange(["好。", "行。"], ["1", "2"], gap_ms=100)
    assert [c.lines for c in build_cues(t, ZH, chain=(merge(False),))] == [("好。",), ("行。",)]
    assert [c.lines for c in build_cues(t, ZH, chain=(merge(True),))] == [("-好。", "-行。")]


@dataclass(frozen=True)
class JoinAll:
    """A rule no chain should have: every group into one."""

    name: ClassVar[str] = "join_all"

    def apply(self, groups: list[Group]) -> list[Group]:
        return [Group.of(groups[0].table, groups[0].a, groups[-1].b)] if groups else groups


def test_a_cue_of_several_turns_from_any_chain_gets_a_line_per_turn() -> None:
    t = exchange(["好。", "行。", "那我们明天早上八点在学校门口见面吧。"], ["1", "2", "1"], gap_ms=100)
    cues = build_cues(t, ZH, chain=(JoinAll(),))
    assert [c.lines for c in cues] == [("-好。", "-行。", "-那我们明天早上", "八点在学校门口见面吧。")]


def test_a_dialogue_cue_needs_each_turn_on_one_line_beside_its_dash() -> None:
    fits = "这句话刚好能放进一行里面。"  # 13 full-width characters
    t = exchange(["好。", fits], ["1", "2"], gap_ms=100)
    assert [c.lines for c in build_cues(t, ZH_DIALOGUE)] == [("-好。", f"-{fits}")]
    narrow = rules_for("zh-CN", dialogue=True, max_chars_per_line=13)  # the dash leaves 12.5
    assert [c.lines for c in build_cues(t, narrow)] == [("好。",), (fits,)]
    one_line = rules_for("zh-CN", dialogue=True, max_lines=1)
    assert [c.lines for c in build_cues(t, one_line)] == [("好。",), (fits,)]


def test_a_dialogue_cue_holds_two_turns_and_no_third() -> None:
    t = exchange(["好。", "行。", "走。"], ["1", "2", "1"], gap_ms=100)
    cues = build_cues(t, ZH_DIALOGUE)
    assert [c.lines for c in cues] == [("-好。", "-行。"), ("走。",)]


def test_a_turn_of_two_sentences_shares_its_dash() -> None:
    t = exchange(["好。", "行。", "走吧。"], ["1", "2", "2"], gap_ms=100)
    assert [c.lines for c in build_cues(t, ZH_DIALOGUE)] == [("-好。", "-行。走吧。")]


def test_the_dash_is_the_rules_and_english_has_no_space_after_it() -> None:
    t = Transcript((
        Utterance("Coming?", 0, 400, (Word("Coming?", 0, 400),), "1"),
        Utterance("In a minute.", 500, 1000, (Word("In", 500, 600), Word("a", 600, 700), Word("minute.", 700, 1000)), "2"),
    ), language="en-US")
    assert [c.lines for c in build_cues(t, rules_for("en-US", dialogue=True))] == [("-Coming?", "-In a minute.")]
    spaced = rules_for("en-US", dialogue=True, dialogue_dash="- ")
    assert [c.lines for c in build_cues(t, spaced)] == [("- Coming?", "- In a minute.")]


def test_an_utterance_without_speaker_stays_with_the_last_speaker() -> None:
    t = exchange(["好。", "嗯。", "行。"], ["1", None, "2"], gap_ms=100)
    cues = build_cues(t, ZH)
    assert [c.lines for c in cues] == [("好。嗯。",), ("行。",)]


def test_the_json_record_rebuilds_dialogue_cues() -> None:
    from pipeline.subtitles.records import cues_to_dict

    t = seventeen_turns()
    cues = build_cues(t, ZH_DIALOGUE)
    doc = cues_to_dict(cues, t, ZH_DIALOGUE)
    assert doc["rules"]["dialogue"] is True and doc["transcript"]["utterances"][1]["speaker"] == "B"
    assert build_cues(t, CueRules.from_dict(doc["rules"])) == cues


# --------------------------------------------------------------------------- property

HAN = "我们你好天气今大家谢观看再见东西走吧行"
EN_WORDS = ("yes", "no", "we", "market", "e-mail", "3.5", "OK", "hello", "world", "then")
TAILS = ("",) * 5 + ("。", "？", "，", ".", "?", ",")


@st.composite
def conversations(draw: st.DrawFn) -> tuple[Transcript, CueRules]:
    """Random turns of up to three speakers (or of nobody known), rapid or slow, in either language."""
    chinese = draw(st.booleans())
    speakers = st.sampled_from(["1", "2", "3", None])
    utterances, t = [], draw(st.integers(0, 2000))
    for _ in range(draw(st.integers(1, 12))):
        words, texts = [], []
        for _ in range(draw(st.integers(1, 8))):
            core = draw(st.sampled_from(HAN)) if chinese else draw(st.sampled_from(EN_WORDS))
            texts.append(core + draw(st.sampled_from(TAILS)))
            duration = draw(st.integers(0, 600))
            words.append(Word(core, t, t + duration))
            t += duration + draw(st.integers(0, 300))
        text = ("" if chinese else " ").join(texts)
        utterances.append(Utterance(text, words[0].start_ms, max(w.end_ms for w in words), tuple(words), draw(speakers)))
        t += draw(st.sampled_from([0, 50, 150, 400, 900, 3000]))
    rules = rules_for("zh-CN" if chinese else "en-US", dialogue=draw(st.booleans()),
                      max_lines=draw(st.integers(1, 3)), max_chars_per_line=draw(st.integers(6, 42)))
    return Transcript(tuple(utterances), language=rules.language), rules


@settings(max_examples=150, deadline=None)
@given(case=conversations())
def test_no_line_holds_two_speakers_and_dialogue_cues_are_dashed_pairs(case: tuple[Transcript, CueRules]) -> None:
    t, rules = case
    cues = build_cues(t, rules)
    for cue, lines in zip(cues, line_speakers(cues, t), strict=True):
        assert all(len(speakers) <= 1 for speakers in lines), cue.lines
        speakers = set().union(*lines)
        if len(speakers) > 1:  # a dialogue cue: only when asked, two lines, each dashed, one per speaker
            assert rules.dialogue and len(cue.lines) == 2, cue.lines
            assert all(line.startswith(rules.dialogue_dash) for line in cue.lines), cue.lines
            assert lines[0] != lines[1]


@pytest.mark.parametrize("dialogue", [False, True])
def test_a_transcript_without_speakers_builds_the_same_cues_either_way(dialogue: bool) -> None:
    t = exchange(TURNS[:6], [None] * 6, gap_ms=400)
    assert build_cues(t, rules_for("zh-CN", dialogue=dialogue)) == build_cues(t, ZH)


# --------------------------------------------------------------------------- a dialogue script to align


def test_a_script_s_turns_are_its_dashed_lines_without_the_dashes() -> None:
    assert script_turns("- 你吃饭了吗？\n- 还没有。\n一起去吧。") == ["你吃饭了吗？", "还没有。\n一起去吧。"]
    assert script_turns("-Coming?\n-In a minute. - Fine.") == ["Coming?", "In a minute.", "Fine."]
    assert script_turns("气温是\n-5度。") == ["气温是\n-5度。"]  # a negative number starts no turn
    assert script_turns("你好。\n再见。") == ["你好。\n再见。"]


def test_aligned_utterances_take_their_turns_and_are_cut_where_a_turn_ends() -> None:
    one = said("你吃饭了吗？还没有。", 0)  # the aligner made one utterance of two turns
    t = transcript_with_turns(Transcript((one, said("走吧。", 3000)), language="zh-CN"), ["你吃饭了吗？", "还没有。走吧。"])
    assert [(u.text, u.speaker, "".join(w.text for w in u.words)) for u in t.utterances] == [
        ("你吃饭了吗？", "1", "你吃饭了吗"), ("还没有。", "2", "还没有。"), ("走吧。", "2", "走吧。")]
    assert (t.utterances[0].end_ms, t.utterances[1].start_ms) == (one.words[4].end_ms, one.words[5].start_ms)
    assert transcript_with_turns(t, ["你吃饭了吗？还没有。走吧。"]) is t  # one turn: nobody to tell apart
