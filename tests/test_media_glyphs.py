"""Choosing the burn font and refusing text that would burn as boxes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.media.fonts import BUNDLED_CJK_FAMILY, bundled_cjk_font, find_cjk_font
from pipeline.media.glyphs import (
    FontChoice,
    check_glyphs,
    choose_font,
    describe_missing,
    drop_emoji,
    is_emoji,
)


@pytest.mark.parametrize(("text", "kept", "dropped"), [
    ("好 👍🏽 see you", "好 see you", ["👍🏽"]),  # skin tone stays with its hand
    ("🇨🇳🇺🇸 flags", "flags", ["🇨🇳", "🇺🇸"]),  # each flag is one pair
    ("家👨‍👩‍👧‍👦人", "家人", ["👨‍👩‍👧‍👦"]),  # a family joined by ZWJs is one picture
    ("按 1️⃣ 键", "按 键", ["1️⃣"]),
    ("🎉", "", ["🎉"]),
    ("©2024 No.1 #话题 ™", "©2024 No.1 #话题 ™", []),  # text-style symbols and plain digits stay
])
def test_emoji_clusters_are_taken_out_whole(text: str, kept: str, dropped: list[str]) -> None:
    assert drop_emoji(text) == (kept, dropped)


def test_is_emoji_needs_a_pictograph() -> None:
    assert is_emoji("❤️") and is_emoji("👍") and not is_emoji("1") and not is_emoji("中")


def bundled_choice() -> FontChoice:
    bundled = bundled_cjk_font()
    assert bundled is not None
    return FontChoice(BUNDLED_CJK_FAMILY, bundled, bundled.parent, "test")


def test_text_the_font_draws_has_nothing_missing() -> None:
    assert check_glyphs("今天天气很好 iPhone 15 Pro Max 售价 7999 元，“引号”！", bundled_choice()) == ""


def test_characters_no_font_has_are_found(no_system_cjk_fonts: Path) -> None:
    # Egyptian hieroglyphs and a private-use character are in neither Noto CJK nor DejaVu.
    assert check_glyphs("你好 𓀀 \ue000 ok", bundled_choice()) == "𓀀\ue000"
    assert describe_missing("𓀀") == "'𓀀' (U+13000)"


def test_format_characters_need_no_glyph() -> None:
    assert check_glyphs("a\u200db\u00a0c\ufe0f", bundled_choice()) == ""


def test_a_fresh_machine_gets_the_bundled_font(no_system_cjk_fonts: Path) -> None:
    assert find_cjk_font() is None
    choice = choose_font()
    assert choice.family == BUNDLED_CJK_FAMILY and choice.fonts_dir is not None
    assert (choice.fonts_dir / choice.path.name).is_file()
    assert "no Chinese font is installed" in choice.why


def test_a_font_asked_for_that_is_missing_is_refused(no_system_cjk_fonts: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"--font 'WenQuanYi Micro Hei': no such font installed or in --fonts-dir"):
        choose_font("WenQuanYi Micro Hei", tmp_path)


def test_a_font_in_the_fonts_folder_is_used(no_system_cjk_fonts: Path, tmp_path: Path) -> None:
    bundled = bundled_cjk_font()
    assert bundled is not None
    shutil.copy(bundled, tmp_path / "mine.ttc")
    choice = choose_font("Noto Sans CJK SC", tmp_path)
    assert (choice.path, choice.fonts_dir) == (tmp_path / "mine.ttc", tmp_path)
    assert choose_font(None, tmp_path).path == tmp_path / "mine.ttc"


def test_the_fonts_folder_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--fonts-dir is not a folder"):
        choose_font(None, tmp_path / "nope")


@pytest.mark.parametrize(("text", "kept"), [
    ("贵了 1000 元 👍🏽。", "贵了 1000 元。"), ("👍 好的", "好的"), ("好的 🎉", "好的"), ("a 🎉 🎉 b", "a b"),
    ("wow🎉!", "wow!"), ("yes 🎉, no", "yes, no"),
])
def test_the_space_an_emoji_leaves_goes_with_it(text: str, kept: str) -> None:
    assert drop_emoji(text)[0] == kept
