"""The recognised text's script against the language it is wrapped under."""

from __future__ import annotations

import pytest

from pipeline.script_check import script_family, script_mismatch
from pipeline.transcript import Transcript, Utterance


def transcript(text: str, language: str) -> Transcript:
    return Transcript((Utterance(text, 0, 2000),), language=language)


def test_english_under_the_chinese_default_is_named_with_the_fix() -> None:
    warning = script_mismatch(transcript("Welcome back to the show, everyone.", "zh-CN"), "en_demo.mp4")
    assert warning is not None and warning.startswith("en_demo.mp4: ")
    assert "wrapped under zh-CN rules" in warning and "-l en-US" in warning


def test_chinese_under_english_rules_is_named_with_the_fix() -> None:
    warning = script_mismatch(transcript("大家好，欢迎来到今天的节目。", "en-US"), "zh_demo.mp4")
    assert warning is not None and "-l zh-CN" in warning


@pytest.mark.parametrize(("text", "language"), [
    ("大家好，欢迎来到今天的节目。我们用 Python 写代码。", "zh-CN"),  # Chinese with a Latin word
    ("Welcome back to the show, everyone.", "en-US"),
    ("Bienvenue à tous dans l'émission.", "fr-FR"),  # any space-separated script fits another one's rules
    ("大家好，欢迎来到今天的节目。", "yue"),
    ("みなさん、こんにちは。今日の番組へようこそ。", "ja-JP"),
    ("OK", "zh-CN"),  # too few letters to say anything
])
def test_a_fitting_script_is_not_warned_about(text: str, language: str) -> None:
    assert script_mismatch(transcript(text, language), "clip.mp4") is None


def test_script_families() -> None:
    assert [script_family(tag) for tag in ("zh-CN", "wuu", "ja-JP", "ko-KR", "ru-RU", "ug")] == [
        "zh-CN", "zh-CN", "ja-JP", "ko-KR", "en-US", "en-US"]
