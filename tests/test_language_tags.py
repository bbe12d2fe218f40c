"""A file's audio language tag picks the language when -l is not given."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.language_tags import spoken_language
from pipeline.media.probe import probe


@pytest.mark.parametrize(("tag", "language"), [
    ("eng", "en-US"), ("en", "en-US"), ("en-GB", "en-US"), ("chi", "zh-CN"), ("zho", "zh-CN"), ("zh_CN", "zh-CN"),
    ("jpn", "ja-JP"), ("kor", "ko-KR"), ("fre", "fr-FR"), ("yue", "yue"), ("uig", "ug"),
    ("und", None), ("deu", None), ("", None), (None, None),
])
def test_tags_name_the_vendor_language(tag: str | None, language: str | None) -> None:
    assert spoken_language(tag) == language


@pytest.fixture(scope="module")
def tagged_english(make_media: Callable[..., Path]) -> Path:
    return make_media("tagged-eng.m4a", "-f", "lavfi", "-i", "sine=frequency=300:duration=1", "-c:a", "aac",
                      "-metadata:s:a:0", "language=eng")


def test_without_l_the_tag_decides_and_says_so(tagged_english: Path, en_sample: Path) -> None:
    from flows.commands.caption import language_of

    info = probe(tagged_english)
    assert info.audio is not None and info.audio.language == "eng"
    language, note = language_of(info, None)
    assert language == "en-US" and note is not None and "tagged-eng.m4a: language en-US" in note
    assert language_of(info, "ja-JP") == ("ja-JP", None)  # -l wins
    assert language_of(probe(en_sample), None) == ("zh-CN", None)  # tagged "und": the default, then the script check
