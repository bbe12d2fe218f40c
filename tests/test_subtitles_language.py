"""The script-based language guess (pipeline.subtitles.language)."""

from __future__ import annotations

import pytest

from pipeline.subtitles import Cue
from pipeline.subtitles.language import CJK_SHARE, guess_language, script_share


def cues(*texts: str) -> list[Cue]:
    return [Cue(2000 * k, 2000 * k + 1500, tuple(text.split("\n"))) for k, text in enumerate(texts)]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("你好，世界。", "今天我们来聊一聊字幕。"), "zh-CN"),
        (("こんにちは、世界。", "今日は字幕について話します。"), "ja-JP"),
        (("カタカナだけのテキスト",), "ja-JP"),
        (("안녕하세요, 세계.", "오늘은 자막에 대해 이야기합니다."), "ko-KR"),
        (("Hello there, and welcome.", "Today we talk about subtitles."), "en-US"),
        (("Bonjour à tous, et bienvenue.",), "en-US"),
        (("Привет, мир.",), "en-US"),
    ],
)
def test_guess_by_script(texts: tuple[str, ...], expected: str) -> None:
    assert guess_language(cues(*texts)) == expected


def test_lines_of_a_cue_all_count() -> None:
    assert guess_language(cues("OK\n你好世界今天")) == "zh-CN"


def test_empty_input_is_the_default() -> None:
    assert guess_language([]) == "en-US"
    assert guess_language(cues("", "  ", "…！？")) == "en-US"


def test_punctuation_and_spaces_do_not_count() -> None:
    # Full-width punctuation is not Han; only the letters decide.
    assert guess_language(cues("！！！？？？。。。 Hello")) == "en-US"


def test_mostly_latin_with_some_han_stays_latin() -> None:
    text = "iPhone 15 Pro review part one 好"
    assert script_share("".join(ch for ch in text if ch.isalnum()), lambda ch: ch == "好") < CJK_SHARE
    assert guess_language(cues(text)) == "en-US"


def test_han_with_brand_names_is_chinese() -> None:
    assert guess_language(cues("我们今天用iPhone 15 Pro拍了一段4K视频，效果非常好。")) == "zh-CN"


def test_script_share() -> None:
    assert script_share("", str.isdigit) == 0.0
    assert script_share("a1b2", str.isdigit) == 0.5
