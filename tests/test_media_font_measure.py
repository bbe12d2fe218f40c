"""Pixel widths from a real font (pipeline.media.font_measure), with the bundled Noto Sans CJK."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.media.font_measure import FontMeasure
from pipeline.media.fonts import BUNDLED_CJK_FAMILY, bundled_cjk_font
from pipeline.subtitles import build_cues, rules_for, wrap_text
from pipeline.transcript import Transcript, Utterance, Word

FONT = bundled_cjk_font()


def measure(size: float = 100.0, max_width: float = 900.0) -> FontMeasure:
    assert FONT is not None, "noto-cjk-sans-otc is a dependency: the bundled font must be installed"
    return FontMeasure.load(FONT, BUNDLED_CJK_FAMILY, size, max_width)


def test_the_bundled_font_is_a_noto_sans_cjk_collection() -> None:
    assert FONT is not None and FONT.suffix == ".ttc" and FONT.stat().st_size > 10_000_000
    assert measure().metrics.family == BUNDLED_CJK_FAMILY


def test_widths_follow_the_font_and_scale_with_the_size() -> None:
    small, big = measure(50), measure(100)
    one, two = big.widths(["你", "你好"])
    assert two == pytest.approx(2 * one)
    assert small.widths(["你好"])[0] == pytest.approx(two / 2)
    # libass sizes by winAscent + winDescent, so a full-width glyph is narrower than the size.
    assert 0.6 * 100 < one < 100
    assert big.widths(["i"])[0] < big.widths(["M"])[0] < one
    assert 0 < big.space_width < one


def test_characters_the_font_lacks_are_named() -> None:
    assert measure().missing("好的👍🏽 OK🎉") == "👍🏽🎉"
    assert measure().missing("iPhone 15 售价 7999 元") == ""


def test_a_face_that_is_not_in_the_file_is_refused_in_one_line() -> None:
    assert FONT is not None
    with pytest.raises(InputError, match=r"has no font named 'Comic Sans'.*Noto Sans CJK SC"):
        FontMeasure.load(FONT, "Comic Sans", 100, 900)


# A 1080x1920 phone frame: text 5.5 % of the height (106 px), 5 % side margins (972 px of line).
VERTICAL = dict(size=106.0, max_width=972.0)


def test_a_full_chinese_cue_is_rewrapped_to_the_vertical_frame() -> None:
    pixels = measure(**VERTICAL)
    rules = rules_for("zh-CN")
    text = "今天我们一起去公园散步然后看电影"
    by_characters = wrap_text(text, rules)
    assert by_characters == (text,) and pixels.widths([text])[0] > 972  # 16 characters overflow the phone's line
    lines = wrap_text(text, rules, pixels)
    assert "".join(lines) == text and len(lines) == 2
    assert max(pixels.widths(lines)) <= 972


def test_the_mixed_product_line_fits_two_lines_of_the_vertical_frame() -> None:
    pixels = measure(**VERTICAL)
    text = "iPhone 15 Pro Max 售价 7999 元起，比上一代贵了 1000 元"
    words = [Word(w, 300 * k, 300 * k + 250) for k, w in enumerate(text.replace("，", "").split(" "))]
    transcript = Transcript((Utterance(text, 0, words[-1].end_ms, tuple(words)),), language="zh-CN")
    cues = build_cues(transcript, rules_for("zh-CN"), measure=pixels)
    assert all(len(cue.lines) <= 2 and max(pixels.widths(cue.lines)) <= 972 for cue in cues)
    assert " ".join(" ".join(cue.lines) for cue in cues).split() == text.split()
