"""Cue building (pipeline.subtitles.chain): examples from real vendor output and properties."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles import Cue, CueRules, build_cues, recipe_for, rules_for
from pipeline.subtitles.text import is_cjk_char, line_width, reading_length
from pipeline.subtitles.tokens import tokenize
from pipeline.transcript import Transcript, Utterance, Word, transcript_from_volcengine

ATA_DOC = Path("/work/shared/vendor-docs/volcengine-ata.txt")
HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
LATIN_WORD = re.compile(r"[A-Za-z0-9']+")


def ata_seed_response() -> dict:
    """The query response example from the vendor document (the second JSON block after 应答示例)."""
    text = ATA_DOC.read_text(encoding="utf-8")
    block = text.split("应答示例:")[2].split("5. 错误码")[0]
    return json.loads(block)


def chars_utterance(text: str, start_ms: int, per_char_ms: int = 200, punct_in_words: bool = False) -> Utterance:
    """Volcengine-style: one word per character, punctuation only in the utterance text."""
    words, t = [], start_ms
    for ch in text:
        if not punct_in_words and not (ch.isalnum() or is_cjk_char(ch)):
            continue
        if ch.isspace():
            continue
        words.append(Word(ch, t, t + per_char_ms - 10))
        t += per_char_ms
    return Utterance(text, start_ms, t, tuple(words))


def no_space(text: str) -> str:
    return re.sub(r"\s", "", text)


def cue_text(cues: list[Cue]) -> str:
    return "".join(no_space(c.text) for c in cues)


def assert_well_formed(cues: list[Cue], rules: CueRules) -> None:
    for k, cue in enumerate(cues):
        assert cue.start_ms < cue.end_ms
        assert 1 <= len(cue.lines) <= rules.max_lines
        for line in cue.lines:
            assert line_width(line, rules.is_cjk) <= rules.max_chars_per_line or len(tokenize(line, rules)) == 1
        if k:
            assert cues[k - 1].end_ms + rules.min_gap_ms <= cue.start_ms
        # A cue may start before its first word only into silence: never before the previous
        # cue's speech has ended (LeadIntoSilence), nor before the media starts.
        assert cue.start_ms >= 0
        if k and cue.words and cues[k - 1].words:
            assert cue.start_ms > max(w.end_ms for w in cues[k - 1].words) or cue.start_ms >= min(
                w.start_ms for w in cue.words
            )


# --------------------------------------------------------------------------- the vendor's seed example


def test_ata_seed_example_becomes_two_well_formed_cues() -> None:
    transcript = transcript_from_volcengine(ata_seed_response(), "zh-CN")
    rules = rules_for("zh-CN")
    cues = build_cues(transcript, rules)
    assert len(cues) == 2
    assert_well_formed(cues, rules)
    first, second = cues
    assert "".join(first.lines) == "如果您没有其他需要举报的话这边就先挂断了"
    assert len(first.lines) == 2 and all(len(line) <= 16 for line in first.lines)
    assert first.lines == ("如果您没有其他需要举报的话", "这边就先挂断了")  # breaks at the speaker's pause
    assert second.lines == ("祝您生活愉快再见",)
    assert first.start_ms == 0 and second.start_ms == 3442 and second.end_ms >= 4877
    assert second.start_ms - first.end_ms == rules.min_gap_ms  # the 245 ms gap is closed to 2 frames
    assert [w.text for w in first.words][:3] == ["如", "果", "您"]


# --------------------------------------------------------------------------- examples


def test_sixty_chinese_characters_without_punctuation() -> None:
    text = "我今天早上起床以后发现外面下了很大的雪所以我决定不去上班了但是老板打电话说今天有一个非常重要的会议必须参加我只好赶紧出门"
    assert len(text) == 60
    rules = rules_for("zh-CN")
    cues = build_cues(Transcript((chars_utterance(text, 0, 180),), language="zh-CN"), rules)
    assert cue_text(cues) == text
    assert len(cues) == 2
    assert_well_formed(cues, rules)
    # A cue boundary before a conjunction rather than inside a word.
    assert any(c.lines[0].startswith(("但是", "所以")) for c in cues[1:])


def test_punctuation_from_the_utterance_text_is_kept_once() -> None:
    text = "你好，我是客服小王。请问有什么可以帮您？"
    cues = build_cues(Transcript((chars_utterance(text, 0),), language="zh-CN"))
    assert cue_text(cues) == text
    assert cues[0].lines[0].endswith("。") and len(cues) == 2  # split at the sentence end


def test_mixed_chinese_english_and_numbers() -> None:
    text = "我们今天用iPhone 15 Pro拍了一段4K视频，价格是999美元，然后上传到YouTube上"
    words = []
    t = 0
    for token in ["我", "们", "今", "天", "用", "iPhone", "15", "Pro", "拍", "了", "一", "段", "4K", "视", "频",
                  "价", "格", "是", "999", "美", "元", "然", "后", "上", "传", "到", "YouTube", "上"]:  # fmt: skip
        words.append(Word(token, t, t + 250))
        t += 260
    rules = rules_for("zh-CN")
    cues = build_cues(Transcript((Utterance(text, 0, t, tuple(words)),), language="zh-CN"), rules)
    joined = "\n".join(c.text for c in cues)
    assert no_space(joined) == no_space(text)
    assert LATIN_WORD.findall(joined) == ["iPhone", "15", "Pro", "4K", "999", "YouTube"]
    assert "iPhone 15" in joined or "15 Pro" in joined  # the source's spaces survive
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", joined)
    assert_well_formed(cues, rules)


def test_rapid_speech_is_not_stretched_over_the_next_cue() -> None:
    # 40 characters in 2 s (20 cps, far above 9) followed at once by another sentence.
    first = chars_utterance("这是一段语速非常快的话我们来看看字幕会怎么处理它能不能跟得上说话的人呢真的很快", 0, 50)
    second = chars_utterance("下一句马上开始", first.end_ms + 100, 50)
    rules = rules_for("zh-CN")
    cues = build_cues(Transcript((first, second), language="zh-CN"), rules)
    assert_well_formed(cues, rules)
    assert cue_text(cues) == no_space(first.text + second.text)
    fast = [c for c in cues if reading_length(c.text, True) * 1000 / (c.end_ms - c.start_ms) > rules.max_cps]
    assert fast  # speech does not allow the limit: reported by lint, not hidden by overlapping


def test_reading_speed_extends_into_following_silence() -> None:
    utterance = chars_utterance("我们明天见", 0, 100)  # 5 characters spoken in 0.5 s
    later = chars_utterance("好的", 5000, 200)
    rules = rules_for("zh-CN")
    first = build_cues(Transcript((utterance, later), language="zh-CN"), rules)[0]
    assert first.end_ms - first.start_ms >= max(rules.min_duration_ms, 5 * 1000 / 9)


def test_short_pause_gap_is_closed_and_long_one_is_not() -> None:
    a = chars_utterance("第一句话说完了", 0, 200)
    b = chars_utterance("第二句话紧接着", a.end_ms + 2000, 200)
    c = chars_utterance("第三句话也说得比较长", b.end_ms + 300, 200)
    rules = rules_for("zh-CN", max_cps=100)  # keep reading speed out of the way
    cues = build_cues(Transcript((a, b, c), language="zh-CN"), rules)
    assert cues[1].start_ms - cues[0].end_ms > rules.close_gap_ms
    assert cues[2].start_ms - cues[1].end_ms == rules.min_gap_ms


def test_a_single_word_longer_than_the_line() -> None:
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    text = f"The doctor said {word} is rare"
    words = tuple(Word(w, 300 * k, 300 * k + 280) for k, w in enumerate(text.split()))
    rules = rules_for("en-US")
    cues = build_cues(Transcript((Utterance(text, 0, words[-1].end_ms, words),), language="en-US"), rules)
    lines = [line for c in cues for line in c.lines]
    assert word in lines
    assert " ".join(lines).split() == text.split()
    assert_well_formed(cues, rules)


def test_utterance_without_words_is_spread_by_characters() -> None:
    transcript = Transcript((Utterance("一二三四五六七八九十" * 4, 0, 8000),), language="zh-CN")
    cues = build_cues(transcript)
    assert len(cues) == 2
    words = [w for c in cues for w in c.words]
    assert words[0].start_ms == 0 and words[-1].end_ms == 8000
    assert cues[1].start_ms == pytest.approx(4000, abs=100)


@pytest.mark.parametrize(
    ("text", "max_lines", "expected"),
    [
        # Cutting by length alone would break before 然后 / after 之前, a word away from the comma.
        ("自己系统选择时候，今天经济中国上海然后结束希望，如果时候市场这个设计。", 2,
         [("自己系统选择时候，", "今天经济中国上海然后结束希望，"), ("如果时候市场这个设计。",)]),
        ("注意数据，之前发现北京音乐希望自己学生。", 1, [("注意数据，",), ("之前发现北京音乐希望自己学生。",)]),
    ],
)  # fmt: skip
def test_cues_break_at_clause_marks_when_the_clauses_fit(
    text: str, max_lines: int, expected: list[tuple[str, ...]]
) -> None:
    rules = rules_for("zh-CN", max_lines=max_lines)
    cues = build_cues(Transcript((chars_utterance(text, 0, 180),), language="zh-CN"), rules)
    assert [c.lines for c in cues] == expected
    assert_well_formed(cues, rules)


def test_english_cue_break_after_the_comma_not_before_a_preposition() -> None:
    text = "Long may what on, from this when to them about first look with, number his for oil way."
    words = tuple(Word(w.strip(",."), 400 * k, 400 * k + 300) for k, w in enumerate(text.split()))
    cues = build_cues(Transcript((Utterance(text, 0, words[-1].end_ms, words),), language="en-US"))
    assert [c.lines for c in cues] == [
        ("Long may what on, from this when to them", "about first look with,"),
        ("number his for oil way.",),
    ]


def test_a_clause_that_does_not_fit_is_still_cut_by_length_with_its_neighbours() -> None:
    # "from ... with," alone is too wide for one line: no clause cut fits, so the length
    # split chooses the cues over the whole sentence instead of isolating "Long may what on,".
    text = "Long may what on, from this when to them about first look with, number his for oil way."
    words = tuple(Word(w.strip(",."), 400 * k, 400 * k + 300) for k, w in enumerate(text.split()))
    rules = rules_for("en-US", max_lines=1)
    cues = build_cues(Transcript((Utterance(text, 0, words[-1].end_ms, words),), language="en-US"), rules)
    assert [c.lines for c in cues] == [
        ("Long may what on, from this when to them",),
        ("about first look with,",),
        ("number his for oil way.",),
    ]
    assert_well_formed(cues, rules)


def test_english_sentences_split_at_sentence_ends_and_short_ones_merge() -> None:
    text = "Yes. I think we should leave now because the storm is coming. OK."
    words = tuple(Word(w, 250 * k, 250 * k + 240) for k, w in enumerate(text.split()))
    cues = build_cues(Transcript((Utterance(text, 0, words[-1].end_ms, words),), language="en-US"))
    assert " ".join(c.text.replace("\n", " ") for c in cues).split() == text.split()
    assert all(c.end_ms - c.start_ms >= 833 for c in cues[:-1])


def english_utterances(*parts: tuple[str, int], per_word_ms: int = 300) -> Transcript:
    """Utterances of the texts given, each from its start time, one word per token."""
    utterances = []
    for text, start in parts:
        words = tuple(Word(w.strip(",."), start + per_word_ms * k, start + per_word_ms * k + 280)
                      for k, w in enumerate(text.split()))
        utterances.append(Utterance(text, start, words[-1].end_ms, words))
    return Transcript(tuple(utterances), language="en-US")


def test_a_sentence_the_vendor_cut_into_two_utterances_is_cut_by_the_rules_instead() -> None:
    # Volcengine sizes caption utterances by words_per_line, so a sentence often breaks mid-phrase;
    # the second part is too long to be merged away as a short cue.
    transcript = english_utterances(("Welcome to the subtitle pipeline.", 0), ("This short clip tests English captions and", 2000),
                                    ("their timing in detail.", 4100), ("Thank you for watching.", 6500))
    cues = build_cues(transcript)
    assert [c.text.replace("\n", " ") for c in cues] == [
        "Welcome to the subtitle pipeline.", "This short clip tests English captions and their timing in detail.",
        "Thank you for watching.",
    ]
    assert cues[1].lines == ("This short clip tests English captions", "and their timing in detail.")  # before "and"


def test_utterances_are_not_joined_across_a_long_pause_or_an_overlap() -> None:
    paused = build_cues(english_utterances(("It is done.", 0), ("We waited and", 2000), ("then we left.", 4000)))
    assert [c.text for c in paused] == ["It is done.", "We waited and", "then we left."]
    overlapping = build_cues(english_utterances(("It is done.", 0), ("We waited and", 2000), ("then we left.", 2800)))
    assert "We waited and" in [c.text for c in overlapping]


@pytest.mark.parametrize(
    ("language", "second", "expected"),
    [
        ("zh-CN", "，我们去公园。", ["今天天气很好，", "我们去公园。"]),
        ("zh-CN", "」", ["今天天气很好」"]),
        ("en-US", "), and then we left.", ["It rained all day),", "and then we left."]),
    ],
)
def test_a_closing_mark_that_opens_an_utterance_ends_the_one_before(language: str, second: str, expected: list[str]) -> None:
    first = "今天天气很好" if language == "zh-CN" else "It rained all day"
    transcript = Transcript((Utterance(first, 0, 1500), Utterance(second, 4000, 5500)), language=language)
    assert [c.text.replace("\n", " ") for c in build_cues(transcript)] == expected


def test_unpunctuated_utterances_keep_the_vendor_boundaries() -> None:
    # Without punctuation the utterance ends are the only sentence ends there are.
    transcript = Transcript((chars_utterance("今天天气很好", 0), chars_utterance("我们去公园散步", 1300)), language="zh-CN")
    assert [c.text for c in build_cues(transcript)] == ["今天天气很好", "我们去公园散步"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("keep", [("你好，世界。",), ("再见！",)]),
        ("space", [("你好 世界",), ("再见！",)]),
        ("drop_final", [("你好，世界",), ("再见！",)]),
    ],
)
def test_punctuation_display_modes(mode: str, expected: list[tuple[str, ...]]) -> None:
    a = chars_utterance("你好，世界。", 0, 200)
    b = chars_utterance("再见！", 3000, 200)
    cues = build_cues(Transcript((a, b), language="zh-CN"), rules_for("zh-CN", punctuation=mode))
    assert [c.lines for c in cues] == expected


def test_recipe_names_the_rules_in_order_with_arguments() -> None:
    recipe = recipe_for(rules_for("zh-CN", pause_split_ms=400), media_end_ms=5000)
    assert [step["name"] for step in recipe] == [
        "join_sentence_parts", "split_at_speaker_change", "split_at_sentence_end", "split_at_pause",
        "split_at_clause", "split_by_length", "merge_short", "lead_into_silence", "extend_for_reading_speed",
        "close_gaps", "clamp_duration",
    ]  # fmt: skip
    assert recipe[0]["args"] == {"max_gap_ms": 400, "min_punctuated": 0.5}
    assert recipe[3]["args"] == {"min_pause_ms": 400}
    assert recipe[6]["args"]["dialogue"] is False
    assert recipe[7]["args"]["media_end_ms"] == 5000 and recipe[7]["args"]["max_cps"] == 9.0


def test_overlapping_vendor_utterances_never_overlap_as_cues() -> None:
    a = chars_utterance("第一个人在说话", 0, 200)
    b = chars_utterance("第二个人插话了", 800, 200)
    rules = rules_for("zh-CN")
    assert_well_formed(build_cues(Transcript((a, b), language="zh-CN"), rules), rules)


def test_empty_transcript_gives_no_cues() -> None:
    assert build_cues(Transcript((), language="zh-CN")) == []


# --------------------------------------------------------------------------- properties


LATIN_WORDS = ["iPhone", "OK", "hello", "world", "the", "and", "Pro", "YouTube", "because", "a", "x", "Netflix"]
LONG_WORDS = ["Pneumonoultramicroscopicsilicovolcanoconiosis", "Supercalifragilisticexpialidocious-and-more-words"]
latin_token = st.one_of(st.sampled_from(LATIN_WORDS), st.integers(0, 9999).map(str), st.sampled_from(LONG_WORDS))
# (token, duration, following gap, punctuation appended in the utterance text only)
word_specs = st.tuples(
    st.integers(0, 600), st.one_of(st.integers(0, 60), st.integers(0, 1500)), st.sampled_from(["", "", "", "", "", ",", "?"])
)


@st.composite
def word_streams(draw: st.DrawFn) -> Transcript:
    """Random transcripts in Chinese (with Latin words and numbers) or English, Volcengine-shaped."""
    chinese = draw(st.booleans())
    token = st.one_of(st.sampled_from(HAN), st.sampled_from(HAN), st.sampled_from(HAN), latin_token) if chinese else latin_token
    utterances, t = [], draw(st.integers(0, 2000))
    for _ in range(draw(st.integers(1, 5))):
        text_parts: list[str] = []
        words: list[Word] = []
        for word, (duration, gap, punct) in draw(st.lists(st.tuples(token, word_specs), min_size=1, max_size=40)):
            words.append(Word(word, t, t + duration))
            t += duration + gap
            latin = not is_cjk_char(word[0])
            if text_parts and (not chinese or (latin or not is_cjk_char(text_parts[-1][-1]))):
                text_parts.append(" ")
            text_parts.append(word)
            if punct:
                text_parts.append({",": "，", "?": "？"}[punct] if chinese else punct)
        utterances.append(Utterance("".join(text_parts), words[0].start_ms, words[-1].end_ms, tuple(words)))
        t += draw(st.integers(0, 3000))
    return Transcript(tuple(utterances), language="zh-CN" if chinese else "en-US")


def check_properties(transcript: Transcript, rules: CueRules) -> list[Cue]:
    cues = build_cues(transcript, rules)
    source = "".join(u.text for u in transcript.utterances)
    assert cue_text(cues) == no_space(source)  # nothing lost, duplicated or reordered
    joined = "\n".join(c.text for c in cues)
    assert LATIN_WORD.findall(joined) == LATIN_WORD.findall(" ".join(u.text for u in transcript.utterances))
    assert not re.search(rf"[{HAN}] [{HAN}]", joined)  # no spaces invented between Chinese characters
    assert_well_formed(cues, rules)
    assert [c.start_ms for c in cues] == sorted(c.start_ms for c in cues)
    return cues


@settings(max_examples=100, deadline=None)
@given(transcript=word_streams())
def test_built_cues_keep_text_order_widths_and_gaps(transcript: Transcript) -> None:
    check_properties(transcript, rules_for(transcript.language))


@settings(max_examples=40, deadline=None)
@given(transcript=word_streams(), max_lines=st.integers(1, 3), width=st.integers(8, 42))
def test_properties_hold_for_overridden_rules(transcript: Transcript, max_lines: int, width: int) -> None:
    check_properties(transcript, rules_for(transcript.language, max_lines=max_lines, max_chars_per_line=width))


@settings(max_examples=30, deadline=None)
@given(transcript=word_streams(), mode=st.sampled_from(["space", "drop_final"]))
def test_punctuation_modes_only_remove_their_marks(transcript: Transcript, mode: str) -> None:
    cues = build_cues(transcript, rules_for(transcript.language, punctuation=mode))
    marks = "[，、；：。,.]" if mode == "drop_final" else "[，、；：。]"
    source = "".join(u.text for u in transcript.utterances)
    assert re.sub(marks, "", cue_text(cues)) == re.sub(marks, "", no_space(source))


def test_recognition_differences_between_words_and_text_keep_the_text() -> None:
    words = tuple(Word(ch, 100 * k, 100 * k + 90) for k, ch in enumerate("今天天汽很好"))
    cues = build_cues(Transcript((Utterance("今天天气很好！", 0, 600, words),), language="zh-CN"))
    assert cues[0].lines == ("今天天气很好！",)
    assert [w.text for w in cues[0].words][-2:] == ["很", "好！"]


# --------------------------------------------------------------------------- the spaced-language fast path

# Tokens as vendors spell them, and the quirks that must send an utterance down the general path.
spaced_word = st.sampled_from(["hello", "World", "3", "don't", "3.5", "U.S", "e-mail", "ok", "x"])
odd_word = st.sampled_from(["Zoë", "a*b", "ok你好", "１２"])  # not ASCII words: the general path's
spaced_tail = st.sampled_from(["", "", "", ",", ".", "?!", ")", "”", "...", "%"])
QUIRKS = ["inner mark", "leading mark", "double space", "missing word", "empty word", "time going back", "stray space",
          "odd word", "word in the next utterance"]


@st.composite
def spaced_transcripts(draw: st.DrawFn, quirk: str) -> Transcript:
    """English-shaped transcripts, one word per token, with ``quirk`` at one token ("none": none)."""
    token_spec = st.tuples(spaced_word, spaced_tail, st.integers(0, 400), st.integers(0, 700))
    shape = draw(st.lists(st.lists(token_spec, min_size=1, max_size=8), min_size=1, max_size=4))
    at = draw(st.integers(0, sum(map(len, shape)) - 1))  # the token that gets the quirk
    utterances, t, k = [], 0, 0
    for specs in shape:
        tokens, words = [], []
        for spelled, tail, duration, gap in specs:
            here = quirk if k == at else "none"
            k += 1
            spelled = {"empty word": "", "odd word": draw(odd_word)}.get(here, spelled)
            token = {"inner mark": spelled[:1] + ")" + spelled[1:], "leading mark": "(" + spelled}.get(here, spelled) + tail
            tokens.append(token + {"double space": " ", "stray space": "\t"}.get(here, ""))
            if here != "missing word":
                words.append(Word(spelled, t, t - 50 if here == "time going back" else t + duration))
            t += gap
        text = draw(st.sampled_from(["", " ", "  "])) + " ".join(tokens)
        utterances.append(Utterance(text, words[0].start_ms if words else t, t, tuple(words)))
    if quirk == "word in the next utterance" and len(utterances) > 1:
        first, second = utterances[0], utterances[1]
        utterances[:2] = [replace(first, words=first.words[:-1]), replace(second, words=first.words[-1:] + second.words)]
    return Transcript(tuple(utterances), language="en-US")


def table_lists(table_and_ranges: tuple) -> tuple:
    table, ranges = table_and_ranges
    fields = ("text", "start", "end", "space", "glued", "phrase", "jieba", "offset", "prefix")
    return tuple(getattr(table, name) for name in fields), ranges


@pytest.mark.parametrize("quirk", ["none", *QUIRKS])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_whole_transcript_fast_path_builds_what_the_per_utterance_path_builds(quirk: str, data: st.DataObject) -> None:
    from pipeline.subtitles.transcript_table import _spaced_table, _table_by_utterance

    transcript = data.draw(spaced_transcripts(quirk))
    fast = _spaced_table(transcript)
    if fast is not None:
        assert table_lists(fast) == table_lists(_table_by_utterance(transcript, rules_for("en-US")))


def test_plain_english_vendor_output_takes_the_fast_path() -> None:
    from pipeline.subtitles.transcript_table import _spaced_table

    words = (Word("Hello", 0, 300), Word("world", 300, 600), Word("Don't", 900, 1200), Word("go", 1200, 1000))
    transcript = Transcript((Utterance("Hello, world.", 0, 600, words[:2]), Utterance(" Don't go!", 900, 1200, words[2:])))
    fast = _spaced_table(transcript)
    assert fast is not None
    table, ranges = fast
    assert (table.text, table.end, ranges) == (["Hello,", "world.", "Don't", "go!"], [300, 600, 1200, 1200], [(0, 2), (2, 4)])
