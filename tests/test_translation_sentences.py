"""Sentences of a translation in seven languages, as spans that lose no character."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.translation.sentences import split_sentences, text_length


@pytest.mark.parametrize("language, text, expected", [
    ("zh", "欢迎使用字幕流水线。谢谢观看，再见！", ["欢迎使用字幕流水线。", "谢谢观看，再见！"]),
    ("en", "Mr. Smith met Dr. Li at 3.5 p.m. in the U.S. Army. Then they left!",
     ["Mr. Smith met Dr. Li at 3.5 p.m. in the U.S. Army.", "Then they left!"]),
    ("ja", "これはテストです。はい！本当？", ["これはテストです。", "はい！", "本当？"]),
    ("ko", "안녕하세요. 반갑습니다! 네?", ["안녕하세요.", "반갑습니다!", "네?"]),
    ("fr", "Quoi ? M. Dupont arrive. « Bonjour », dit-il.", ["Quoi ?", "M. Dupont arrive.", "« Bonjour », dit-il."]),
    ("de", "Das ist z.B. gut. Am 1. Mai kommt er.", ["Das ist z.B. gut.", "Am 1. Mai kommt er."]),
    ("es", "¿Qué tal? La Sra. López llegó. ¡Hola!", ["¿Qué tal?", "La Sra. López llegó.", "¡Hola!"]),
    ("en", "First line without a stop\nsecond line.", ["First line without a stop", "second line."]),
])
def test_sentences_per_language(language: str, text: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text, language)] == expected


def test_punctuation_in_mixed_scripts() -> None:
    text = "我用iPhone 15拍的。It costs $999.99, OK?「好的！」他说。"
    got = [s.text for s in split_sentences(text, "zh-CN")]
    assert got == ["我用iPhone 15拍的。", "It costs $999.99, OK?", "「好的！」", "他说。"]


def test_blank_text_has_no_sentences() -> None:
    assert split_sentences(" \n\t", "en") == []


TEXT = st.text(st.sampled_from(list("ab Z.!?。！？，,\n“”「」你好3 ")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from(["zh", "en", "ja", "ko", "fr", "de", "es"]))
def test_every_character_but_the_whitespace_between_sentences_is_in_one_sentence_in_order(text: str,
                                                                                         language: str) -> None:
    sentences = split_sentences(text, language)
    assert all(text[s.start:s.end] == s.text and s.text == s.text.strip() and s.text for s in sentences)
    assert all(a.end <= b.start for a, b in zip(sentences, sentences[1:], strict=False))
    assert "".join(s.text for s in sentences).split() == [] or \
        "".join("".join(s.text for s in sentences).split()) == "".join(text.split())
    assert sum(text_length(s.text) for s in sentences) == text_length(text)
