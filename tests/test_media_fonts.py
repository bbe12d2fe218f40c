"""Font discovery: CJK families found by scanning a fonts folder (no fontconfig), and the family ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.media import fonts as fonts_module
from pipeline.media.fonts import find_cjk_font


def _system_font(cjk: bool) -> Path | None:
    for path in fonts_module._font_files([Path(d).expanduser() for d in fonts_module.SYSTEM_FONT_DIRS]):
        faces = fonts_module._sfnt_faces(path)
        if faces and all(has_cjk == cjk for _, has_cjk in faces):
            return path
    return None


def test_find_cjk_font_scans_a_fonts_dir_without_fontconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cjk, latin = _system_font(cjk=True), _system_font(cjk=False)
    if cjk is None or latin is None:
        pytest.skip("needs one CJK and one Latin font installed")
    monkeypatch.setattr(fonts_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(fonts_module, "SYSTEM_FONT_DIRS", ())
    (tmp_path / "latin").mkdir()
    (tmp_path / "latin" / latin.name).symlink_to(latin)
    (tmp_path / "cjk").mkdir()
    (tmp_path / "cjk" / cjk.name).symlink_to(cjk)
    (tmp_path / "cjk" / "broken.ttf").write_bytes(b"not a font")
    assert find_cjk_font(tmp_path / "latin") is None
    found = find_cjk_font(tmp_path / "cjk")
    assert found is not None and found in {f for f, _ in fonts_module._sfnt_faces(cjk)}


def test_pick_family_prefers_simplified_sans() -> None:
    assert fonts_module._pick_family(["Foo Serif SC", "Bar Sans SC", "Baz TC"], ()) == "Bar Sans SC"
    assert fonts_module._pick_family(["X", "WenQuanYi Zen Hei"], fonts_module.PREFERRED_CJK_FAMILIES) == "WenQuanYi Zen Hei"
    assert fonts_module._pick_family([], ()) is None
