from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import errors
from pipeline.sources import classify, download, download_name, expand_folder, read_manifest


def test_local_file(tmp_path: Path) -> None:
    f = tmp_path / "a b.mp4"
    f.write_bytes(b"x")
    assert classify(str(f)).kind == "file"


def test_share_text_is_a_share_link() -> None:
    src = classify("7.43 复制打开抖音，看看【作品】 https://v.douyin.com/iRNBho6u/ E@u.Fs 09/15")
    assert (src.kind, src.platform) == ("share", "DOUYIN")


def test_is_share_link() -> None:
    from pipeline.sources import is_share_link

    assert is_share_link("看看 https://v.douyin.com/iRNBho6u/ 复制")
    assert not is_share_link("https://cdn.example.com/a.mp4") and not is_share_link("/clips/a.mp4")


def test_media_url_is_a_url() -> None:
    src = classify(" https://cdn.example.com/v/clip.mp4?sig=abc ")
    assert src.kind == "url" and src.value == "https://cdn.example.com/v/clip.mp4?sig=abc"


@pytest.mark.parametrize("text", ["", "   ", "/no/such/file.mp4", "just words"])
def test_unusable_input_is_named(text: str) -> None:
    with pytest.raises(errors.InputError):
        classify(text)


def test_manifest_rows_and_missing_column(tmp_path: Path) -> None:
    good = tmp_path / "m.csv"
    good.write_text("\ufeffsource,language\n/a.mp4,en-US\n,zh-CN\nhttps://v.douyin.com/x1/,\n", encoding="utf-8")
    assert read_manifest(good) == [{"source": "/a.mp4", "language": "en-US"}, {"source": "https://v.douyin.com/x1/", "language": ""}]
    bad = tmp_path / "bad.csv"
    bad.write_text("path\n/a.mp4\n")
    with pytest.raises(errors.InputError, match="needs a 'source' column"):
        read_manifest(bad)


def test_folder_expansion_skips_hidden_partial_and_non_media(tmp_path: Path) -> None:
    for name in ["b.mp4", "a.MOV", ".hidden.mp4", "notes.txt", "x.mp4.part"]:
        (tmp_path / name).write_bytes(b"x")
    assert [Path(p).name for p in expand_folder(tmp_path)] == ["a.MOV", "b.mp4"]
    with pytest.raises(errors.InputError, match="not a folder"):
        expand_folder(tmp_path / "b.mp4")


def test_download_is_the_guarded_one() -> None:
    """Callers of ``sources.download`` get ``pipeline.downloads``' checks (tested in test_downloads.py)."""
    from pipeline import downloads, sources

    assert sources.download is downloads.download and sources.download_name is downloads.download_name


def test_download_refuses_other_schemes(tmp_path: Path) -> None:
    with pytest.raises(errors.InputError, match="only http and https"):
        download("file:///etc/passwd", tmp_path)


def test_download_names_are_stable_and_safe() -> None:
    assert download_name("https://x.test/a/视频 1.mov") == download_name("https://x.test/a/视频 1.mov")
    assert download_name("https://x.test/play?id=1").endswith(".mp4")
    assert "/" not in download_name("https://x.test/a/b/c.mp3")
