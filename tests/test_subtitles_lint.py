"""The cue checker (pipeline.subtitles.lint)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.subtitles import Cue, LintIssue, build_cues, lint_cues, read_cues, rules_for, write_srt
from pipeline.transcript import Transcript, Utterance, Word, transcript_from_volcengine

ATA_DOC = Path("/work/shared/vendor-docs/volcengine-ata.txt")


def ata_transcript() -> Transcript:
    block = ATA_DOC.read_text(encoding="utf-8").split("应答示例:")[2].split("5. 错误码")[0]
    return transcript_from_volcengine(json.loads(block), "zh-CN")


def spoken(text: str, start_ms: int, per_char_ms: int = 220) -> Utterance:
    chars = [ch for ch in text if ch.isalnum()]
    words = tuple(Word(ch, start_ms + per_char_ms * k, start_ms + per_char_ms * (k + 1) - 20) for k, ch in enumerate(chars))
    return Utterance(text, start_ms, words[-1].end_ms, words)


def english(text: str, start_ms: int) -> Utterance:
    words = tuple(Word(w, start_ms + 320 * k, start_ms + 320 * k + 300) for k, w in enumerate(text.split()))
    return Utterance(text, start_ms, words[-1].end_ms, words)


TRANSCRIPTS = [
    ata_transcript(),
    Transcript(
        (
            spoken("我今天早上起床以后发现外面下了很大的雪所以我决定不去上班了但是老板打电话说今天有一个非常重要的会议", 0),
            spoken("我们今天用iPhone 15 Pro拍了一段4K视频，效果非常好。", 14_000),
            spoken("好的。", 22_000),
            spoken("谢谢。", 22_600),
        ),
        language="zh-CN",
    ),
    Transcript(
        (
            english("So I went to the store and bought a very large bag of apples, because my mother asked me to.", 0),
            english("Yes.", 9_000),
            english("We finally arrived at the most beautiful beach in the whole country.", 10_000),
        ),
        language="en-US",
    ),
    Transcript((spoken("今天天气很好", 0), spoken("，我们去公园散步。", 3_000)), language="zh-CN"),  # a comma opens the utterance
]


def test_our_outputs_lint_clean() -> None:
    for transcript in TRANSCRIPTS:
        rules = rules_for(transcript.language)
        cues = build_cues(transcript, rules)
        assert lint_cues(cues, rules) == [], transcript.text


def test_our_outputs_lint_clean_after_an_srt_round_trip(tmp_path: Path) -> None:
    rules = rules_for("zh-CN")
    cues = read_cues(write_srt(build_cues(ata_transcript(), rules), tmp_path / "ata 字幕.srt"))
    assert lint_cues(cues, rules) == []


def test_hand_made_bad_file_reports_rule_and_numbers_per_cue(tmp_path: Path) -> None:
    path = tmp_path / "bad.srt"
    path.write_text(
        "1\n00:00:00,000 --> 00:00:00,500\n太短了\n\n"
        "2\n00:00:00,520 --> 00:00:09,000\n这一行字幕实在是太长了已经超过了十六个字\n，第二行\n第三行\n\n"
        "3\n00:00:08,000 --> 00:00:09,500\n你 好 世 界 这 是 空 格\n\n"
        "4\n00:00:09,800 --> 00:00:10,800\n这是一句非常非常非常非常快的话\n\n",
        encoding="utf-8",
    )
    issues = lint_cues(read_cues(path), rules_for("zh-CN"))
    found = {(i.cue_index, i.rule) for i in issues}
    assert found >= {
        (0, "min_duration"),
        (0, "gap"),
        (1, "max_lines"),
        (1, "line_width"),
        (1, "line_start_punctuation"),
        (1, "max_duration"),
        (1, "overlap"),
        (2, "cjk_space"),
        (2, "gap"),
        (3, "reading_speed"),
    }
    by_rule = {(i.cue_index, i.rule): i for i in issues}
    assert by_rule[(0, "min_duration")].message == "500 ms; minimum 833 ms"
    assert by_rule[(0, "gap")].message == "gap to the next cue is 20 ms; minimum 80 ms"
    assert by_rule[(1, "line_width")].message == "line 1 is 20 characters; limit 16"
    assert by_rule[(1, "max_lines")].message == "3 lines; limit 2"
    assert by_rule[(1, "overlap")].message == "overlaps the next cue by 1000 ms"
    assert by_rule[(3, "reading_speed")].message == "15.0 characters per second (15 in 1000 ms); limit 9"
    assert by_rule[(3, "reading_speed")].severity == "warning"
    assert by_rule[(1, "max_duration")].severity == "error"


def test_a_single_long_word_wider_than_the_line_is_flagged_as_unbreakable() -> None:
    rules = rules_for("en-US")
    cues = [Cue(0, 3000, ("Pneumonoultramicroscopicsilicovolcanoconiosis",))]
    assert lint_cues(cues, rules) == [
        LintIssue(0, "line_width", "line 1 is 45 characters; limit 42; it is one word and cannot be broken")
    ]
    assert lint_cues([Cue(0, 3000, ("this line is a great deal longer than forty-two characters",))], rules) == [
        LintIssue(0, "line_width", "line 1 is 58 characters; limit 42")
    ]


def test_order_and_unneeded_break() -> None:
    rules = rules_for("en-US")
    issues = lint_cues([Cue(5000, 7000, ("Short", "text")), Cue(1000, 2000, ("Earlier",))], rules)
    assert {(i.cue_index, i.rule) for i in issues} >= {(0, "unneeded_break"), (1, "order")}


def test_space_mode_allows_spaces_between_chinese() -> None:
    cue = [Cue(0, 2000, ("你好 世界",))]
    assert lint_cues(cue, rules_for("zh-CN", punctuation="space")) == []
    assert [i.rule for i in lint_cues(cue, rules_for("zh-CN"))] == ["cjk_space"]


def test_a_cue_that_starts_with_a_closing_mark_is_reported() -> None:
    issues = lint_cues([Cue(0, 2000, ("今天天气很好",)), Cue(2500, 4500, ("，我们去公园。",))], rules_for("zh-CN"))
    assert [(i.cue_index, i.rule, i.message) for i in issues] == [(1, "line_start_punctuation", "line 1 starts with '，'")]


def test_a_gap_of_two_frames_at_30_fps_is_a_warning_when_the_frame_rate_is_unknown() -> None:
    from pipeline.subtitles import Cue, lint_cues, rules_for

    cues = [Cue(0, 1500, ("第一句",)), Cue(1567, 3000, ("第二句",))]  # 67 ms: 2 frames of 29.97 fps
    rules = rules_for("zh-CN")  # 25 fps: 80 ms
    [known] = [i for i in lint_cues(cues, rules) if i.rule == "gap"]
    [unknown] = [i for i in lint_cues(cues, rules, fps_known=False) if i.rule == "gap"]
    assert known.severity == "error" and unknown.severity == "warning" and "--fps" in unknown.message
    too_close = [Cue(0, 1500, ("第一句",)), Cue(1540, 3000, ("第二句",))]  # 40 ms: one frame even at 30 fps
    assert [i.severity for i in lint_cues(too_close, rules, fps_known=False) if i.rule == "gap"] == ["error"]
