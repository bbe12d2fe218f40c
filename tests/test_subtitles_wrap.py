"""Line breaking and per-language rules (pipeline.subtitles.lines, tokens, text, rules)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.subtitles as subtitles
from pipeline.subtitles import CueRules, rules_for, wrap_text
from pipeline.subtitles.text import NO_LINE_START, is_cjk_char, line_width, reading_length
from pipeline.subtitles.tokens import split_spans, tokenize

ZH = rules_for("zh-CN")
EN = rules_for("en-US")
HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
LATIN_WORD = re.compile(r"[A-Za-z0-9']+")


# --------------------------------------------------------------------------- rules


def test_public_all_is_sorted_and_complete() -> None:
    assert subtitles.__all__ == sorted(subtitles.__all__)
    for name in ("Cue", "CueRules", "rules_for", "build_cues", "write_srt", "write_vtt", "write_ass",
                 "write_txt", "write_json", "read_cues", "lint_cues", "LintIssue"):
        assert name in subtitles.__all__
        assert hasattr(subtitles, name)


@pytest.mark.parametrize(
    ("language", "width", "cps"),
    [("zh-CN", 16, 9.0), ("yue", 16, 9.0), ("ja-JP", 13, 4.0), ("ko-KR", 16, 12.0), ("en-US", 42, 20.0), ("fr", 42, 20.0)],
)
def test_rules_for_language_defaults(language: str, width: int, cps: float) -> None:
    rules = rules_for(language)
    assert (rules.max_chars_per_line, rules.max_cps, rules.max_lines) == (width, cps, 2)
    assert (rules.min_duration_ms, rules.max_duration_ms, rules.min_gap_ms) == (833, 7000, 80)


def test_rules_overrides_and_round_trip_through_dict() -> None:
    rules = rules_for("zh-CN", max_lines=1, punctuation="space", fps=30)
    assert rules.max_lines == 1 and rules.punctuation == "space" and rules.max_chars_per_line == 16
    assert rules.min_gap_ms == 67  # 2 frames at 30 fps, rounded up
    assert CueRules.from_dict(rules.to_dict()) == rules
    assert rules.is_cjk and rules.is_chinese and not rules_for("ko").is_cjk


@pytest.mark.parametrize("bad", [{"max_lines": 4}, {"max_lines": 0}, {"punctuation": "none"}, {"min_duration_ms": 8000}])
def test_rules_reject_out_of_range_values(bad: dict) -> None:
    with pytest.raises(ValueError):
        rules_for("en", **bad)


def test_reading_length_counts_half_width_as_half_in_cjk_only() -> None:
    assert reading_length("你好ab", cjk=True) == 3.0
    assert reading_length("你好ab", cjk=False) == 4.0
    assert reading_length("a b\nc", cjk=False) == 4.0


# --------------------------------------------------------------------------- tokens


def test_closing_punctuation_sticks_to_the_previous_character() -> None:
    tokens = [t.text for t in tokenize("你好，世界。（笑）", ZH)]
    assert tokens == ["你", "好，", "世", "界。", "（笑）"]


def test_latin_words_and_numbers_stay_single_tokens_in_chinese() -> None:
    tokens = tokenize("我用iPhone 15拍了3.5秒的4K视频", ZH)
    texts = [t.text for t in tokens]
    assert "iPhone" in texts and "15" in texts and "3.5" in texts and "4K" in texts
    assert next(t for t in tokens if t.text == "15").space_before
    assert not next(t for t in tokens if t.text == "iPhone").space_before


def test_spans_cover_every_non_space_character_once() -> None:
    text = " “Hello,” she said — don't stop!  你好（嗯）"
    spans = split_spans(text)
    covered = "".join(text[s.start : s.end] for s in spans)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)


# --------------------------------------------------------------------------- wrapping examples


def test_short_text_stays_on_one_line() -> None:
    assert wrap_text("祝您生活愉快再见", ZH) == ("祝您生活愉快再见",)
    assert wrap_text("Nice to meet you.", EN) == ("Nice to meet you.",)


def test_chinese_breaks_after_punctuation() -> None:
    assert wrap_text("今天天气很好，我们一起去公园散步吧", ZH) == ("今天天气很好，", "我们一起去公园散步吧")


def test_chinese_without_punctuation_breaks_at_a_word_boundary() -> None:
    lines = wrap_text("如果您没有其他需要举报的话这边就先挂断了", ZH)
    assert len(lines) == 2 and all(len(line) <= 16 for line in lines)
    assert "".join(lines) == "如果您没有其他需要举报的话这边就先挂断了"
    # jieba words must not be cut: 举报, 需要, 挂断 stay whole.
    assert not any(lines[0].endswith(a) and lines[1].startswith(b) for a, b in [("举", "报"), ("需", "要"), ("挂", "断")])


def test_english_prefers_breaking_before_a_conjunction() -> None:
    assert wrap_text("So I went to the store and bought a very large bag of apples", EN) == (
        "So I went to the store",
        "and bought a very large bag of apples",
    )


def test_english_never_breaks_after_an_article() -> None:
    lines = wrap_text("We finally arrived at the most beautiful beach in the whole country", EN)
    assert not any(line.split()[-1].lower() in {"the", "a", "an"} for line in lines)


def test_two_lines_are_bottom_heavy_when_breaks_are_equal() -> None:
    top, bottom = wrap_text("aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii", rules_for("en", max_chars_per_line=30))
    assert len(bottom) >= len(top)


def test_a_word_longer_than_the_line_stays_whole_on_its_own_line() -> None:
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis-related"
    lines = wrap_text(f"He had {word} trouble", rules_for("en", max_chars_per_line=20))
    assert word in lines
    assert all(len(line) <= 20 for line in lines if line != word)


def test_mixed_chinese_english_numbers_keep_words_and_spaces() -> None:
    text = "我们今天用iPhone 15 Pro拍了一段4K视频然后上传到YouTube上"
    lines = wrap_text(text, ZH)
    assert all(line_width(line, cjk=True) <= 16 for line in lines)  # Latin letters count half
    assert LATIN_WORD.findall("\n".join(lines)) == LATIN_WORD.findall(text)
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", text)
    assert "15 Pro" in "\n".join(lines) or ("15" in lines[0] and lines[1].startswith("Pro"))


def test_no_spaces_are_inserted_between_chinese_characters() -> None:
    for line in wrap_text("我们一起去公园散步吧今天天气很好阳光明媚微风不燥", ZH):
        assert " " not in line


# --------------------------------------------------------------------------- properties

LATIN_WORDS = ["iPhone", "OK", "hello", "world", "the", "and", "Pro", "don't", "3.5", "a"]
LONG_WORDS = ["Pneumonoultramicroscopicsilicovolcanoconiosis", "Supercalifragilisticexpialidocious-and-more"]
cjk_text = st.lists(
    st.one_of(
        st.sampled_from(HAN),
        st.sampled_from(HAN),
        st.sampled_from("，。、？！：；"),
        st.sampled_from(LATIN_WORDS + LONG_WORDS).map(lambda w: f" {w} "),
    ),
    min_size=1,
    max_size=60,
).map(lambda parts: re.sub(r" +", " ", "".join(parts)).strip())

latin_text = st.lists(
    st.one_of(st.sampled_from(LATIN_WORDS), st.sampled_from(LONG_WORDS), st.sampled_from(["well,", "yes.", "so"])),
    min_size=1,
    max_size=30,
).map(" ".join)


def _single_token(line: str, rules: CueRules) -> bool:
    return len(tokenize(line, rules)) == 1


@settings(max_examples=100, deadline=None)
@given(text=cjk_text, max_lines=st.integers(1, 3))
def test_cjk_wrapping_keeps_text_width_and_punctuation_rules(text: str, max_lines: int) -> None:
    rules = rules_for("zh-CN", max_lines=max_lines)
    lines = wrap_text(text, rules)
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", text)
    assert LATIN_WORD.findall("\n".join(lines)) == LATIN_WORD.findall(text)
    for k, line in enumerate(lines):
        assert line == line.strip() and line
        assert line_width(line, cjk=True) <= 16 or _single_token(line, rules)
        if k:
            assert line[0] not in NO_LINE_START or not any(is_cjk_char(c) for c in lines[k - 1][-1:])
        for a, b, c in zip(line, line[1:], line[2:], strict=False):
            assert not (is_cjk_char(a) and b == " " and is_cjk_char(c))


@settings(max_examples=100, deadline=None)
@given(text=latin_text, width=st.integers(10, 42), max_lines=st.integers(1, 3))
def test_latin_wrapping_never_cuts_or_reorders_words(text: str, width: int, max_lines: int) -> None:
    rules = rules_for("en", max_chars_per_line=width, max_lines=max_lines)
    lines = wrap_text(text, rules)
    assert " ".join(lines).split() == text.split()
    for line in lines:
        assert line_width(line) <= width or " " not in line
