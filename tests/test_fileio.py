"""Atomic output (pipeline.fileio)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.fileio import atomic_path, write_text_atomic


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_mode_a_plain_write_would_give(tmp_path: Path, umask_022: None) -> None:
    # mkstemp's 0600 used to reach every subtitle and video: unreadable for a web server or a NAS.
    path = write_text_atomic(tmp_path / "clip.srt", "1\n")
    assert mode(path) == 0o644


def test_replacing_a_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "clip.vtt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    write_text_atomic(path, "WEBVTT\n")
    assert (path.read_text(encoding="utf-8"), mode(path)) == ("WEBVTT\n", 0o640)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "clip.ass"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("crash while writing")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.ass"]
