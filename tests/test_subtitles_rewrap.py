"""Rebuilding cues read from a subtitle file (pipeline.subtitles.rewrap)."""

from __future__ import annotations

from pipeline.subtitles import Cue, lint_cues, rules_for
from pipeline.subtitles.rewrap import has_text, rewrap_cues, transcript_of


def text_of(cues: list[Cue]) -> str:
    return "".join(ch for cue in cues for line in cue.lines for ch in line if not ch.isspace())


# ------------------------------------------------------------------------- transcript_of


def test_one_utterance_per_cue_in_order() -> None:
    source = [Cue(0, 1500, ("你好，世界。",)), Cue(3000, 5000, ("今天我们来聊一聊字幕。",)), Cue(6000, 7000, ("再见。",))]
    transcript = transcript_of(source, "zh-CN")
    assert [u.text for u in transcript.utterances] == ["你好，世界。", "今天我们来聊一聊字幕。", "再见。"]
    assert [(u.start_ms, u.end_ms) for u in transcript.utterances] == [(0, 1500), (3000, 5000), (6000, 7000)]
    assert transcript.language == "zh-CN"
    assert transcript.duration_ms == 7000


def test_out_of_order_cues_come_out_in_time_order() -> None:
    source = [Cue(3000, 4000, ("second",)), Cue(0, 1000, ("first",))]
    assert [u.text for u in transcript_of(source, "en-US").utterances] == ["first", "second"]


def test_empty_cues_and_blank_lines_are_dropped() -> None:
    source = [Cue(0, 1000, ("",)), Cue(1000, 2000, ("  ", "Hello", "")), Cue(2000, 3000, ()), Cue(3000, 4000, (" world ",))]
    transcript = transcript_of(source, "en-US")
    assert [u.text for u in transcript.utterances] == ["Hello", "world"]
    assert transcript.duration_ms == 4000


def test_no_text_gives_an_empty_transcript() -> None:
    transcript = transcript_of([Cue(0, 1000, ("",))], "en-US")
    assert transcript.utterances == () and transcript.duration_ms is None
    assert transcript_of([], "zh-CN").utterances == ()


def test_lines_join_without_space_in_cjk_and_with_one_in_latin() -> None:
    source = [Cue(0, 3000, ("今天我们来聊一聊视频字幕的制", "作方法")), Cue(4000, 6000, ("Hello there,", "and welcome."))]
    texts = [u.text for u in transcript_of(source, "zh-CN").utterances]
    assert texts == ["今天我们来聊一聊视频字幕的制作方法", "Hello there, and welcome."]


def test_cue_ending_before_it_starts_becomes_zero_length() -> None:
    (utterance,) = transcript_of([Cue(2000, 1000, ("oops",))], "en-US").utterances
    assert (utterance.start_ms, utterance.end_ms) == (2000, 2000)


def test_has_text() -> None:
    assert not has_text([]) and not has_text([Cue(0, 1000, ("", "  "))])
    assert has_text([Cue(0, 1000, ("", "a"))])


# ------------------------------------------------------------------------- rewrap_cues


def test_badly_wrapped_chinese_rewraps_clean() -> None:
    source = [
        Cue(0, 6000, ("如果您没有其他需要举报的话这边就先挂断了祝您生", "活愉快再见")),
        Cue(6500, 13000, ("今天我们来聊一聊视频字幕的制", "作方法，首先要注意每一行的长度不能太长，", "其次要注意阅读速度")),
        Cue(14000, 20000, ("最后，字幕的时间要和说话的节奏保持一致，这样观众看起来才舒服。",)),
    ]
    rules = rules_for("zh-CN")
    assert lint_cues(source, rules)
    cues = rewrap_cues(source, rules)
    assert cues and lint_cues(cues, rules) == []
    assert text_of(cues) == text_of(source), "rewrapping keeps every character"
    assert cues[0].start_ms >= 0 and cues[-1].end_ms <= 20000


def test_long_english_cue_rewraps_clean() -> None:
    source = [Cue(0, 9000, ("Subtitles from other tools often break lines mid-word and run far past the line width",)),
              Cue(10000, 14000, ("so we rebuild them.",))]
    rules = rules_for("en-US")
    cues = rewrap_cues(source, rules)
    assert lint_cues(cues, rules) == []
    assert all(len(line) <= rules.max_chars_per_line for cue in cues for line in cue.lines)
    assert " ".join(" ".join(cue.lines) for cue in cues).split() == " ".join(" ".join(c.lines) for c in source).split()


def test_rules_limits_are_applied() -> None:
    source = [Cue(0, 8000, ("今天我们来聊一聊视频字幕的制作方法。",))]
    rules = rules_for("zh-CN", max_chars_per_line=8, max_lines=1)
    cues = rewrap_cues(source, rules)
    assert len(cues) > 1 and all(len(cue.lines) == 1 and len(cue.lines[0]) <= 8 for cue in cues)
    assert lint_cues(cues, rules) == []


def test_no_text_gives_no_cues() -> None:
    assert rewrap_cues([], rules_for("en-US")) == []
    assert rewrap_cues([Cue(0, 1000, ("",))], rules_for("zh-CN")) == []


def test_a_fast_cue_is_lengthened_into_the_silence_only_so_far() -> None:
    rules = rules_for("en-US")  # 20 characters a second
    text = ("- Ta en kopp varmt te.", "- Det är inte varmt.")  # 42 characters: 2100 ms to read
    cues = rewrap_cues([Cue(1000, 3000, text), Cue(3500, 5500, ("Vad sa du?",))], rules)
    assert cues[0] == Cue(1000, 3420, text)  # 3100 to read it, then the 400 ms gap closed to 80
    late = rewrap_cues([Cue(1000, 1500, ("A line far too long to read in half a second.",))], rules)
    assert late[0].end_ms == 1000 + rules.min_duration_ms + rules.close_gap_ms, "no later than the gap rules allow"
