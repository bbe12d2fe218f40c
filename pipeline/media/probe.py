"""Probe a media file with ffprobe (through ffmpeg-python) into a typed result."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from pipeline.errors import InputError, NotMediaError
from pipeline.media import tools

#: Frame rates (inclusive) that :attr:`MediaInfo.frame_rate` reports; anything else is no video rate.
PLAUSIBLE_FPS = (10.0, 240.0)


@dataclass(frozen=True)
class StreamInfo:
    """One stream of a container."""

    index: int
    codec_type: str
    codec_name: str
    channels: int | None = None
    sample_rate: int | None = None
    bit_rate: int | None = None
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    sample_aspect: float = 1.0
    frame_rate: float | None = None
    language: str | None = None  # the stream's language tag ("eng", "zh-CN" ...), None when absent or "und"

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(width, height) of the picture as filters and players see it: after rotation.

        ffmpeg turns a picture with a 90° or 270° display matrix before any filter runs, so
        a phone file stored 1920x1080 with rotation 90 is drawn on as 1080x1920. Sample
        aspect is not applied here: filters still work on the stored pixels.
        """
        if not self.width or not self.height:
            return None
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about a file."""

    path: Path
    format_name: str
    duration_s: float
    size_bytes: int
    bit_rate: int | None
    streams: tuple[StreamInfo, ...]

    @property
    def audio_streams(self) -> tuple[StreamInfo, ...]:
        return tuple(s for s in self.streams if s.codec_type == "audio")

    @property
    def video_streams(self) -> tuple[StreamInfo, ...]:
        # Cover art shows up as a one-frame "video" stream (mjpeg/png); it is not a picture track.
        return tuple(s for s in self.streams if s.codec_type == "video" and s.codec_name not in {"mjpeg", "png"})

    @property
    def audio(self) -> StreamInfo | None:
        """The first audio stream, which is the one extraction uses."""
        return self.audio_streams[0] if self.audio_streams else None

    @property
    def frame_rate(self) -> float | None:
        """Frames per second of the picture (the first video stream), for timing cues in frames.

        ffprobe's average rate, so a variable-rate phone clip gives its mean. None for audio
        only, and for rates outside ``PLAUSIBLE_FPS`` (a slideshow's 1 fps or a container's
        1000 fps time base are no frame grid worth counting gaps in): the caller's default holds.
        """
        rate = self.video_streams[0].frame_rate if self.video_streams else None
        low, high = PLAUSIBLE_FPS
        return rate if rate is not None and low <= rate <= high else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def require_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as an absolute Path, or raise InputError if it is not a readable file.

    Absolute paths also keep names starting with ``-`` from being read as ffmpeg options.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise InputError(f"{p}: is a directory; give a media file (folders are for batch runs)")
    if not os.access(p, os.R_OK):
        raise InputError(f"{p}: not readable; check its permissions")
    if p.stat().st_size == 0:
        raise NotMediaError(f"{p}: file is empty; give a video or audio file")
    return p.resolve()


def _stream(raw: dict[str, Any]) -> StreamInfo:
    return StreamInfo(
        index=_int(raw.get("index")) or 0,
        codec_type=str(raw.get("codec_type", "")),
        codec_name=str(raw.get("codec_name", "")),
        channels=_int(raw.get("channels")),
        sample_rate=_int(raw.get("sample_rate")),
        bit_rate=_int(raw.get("bit_rate")),
        duration_s=_float(raw.get("duration")),
        width=_int(raw.get("width")),
        height=_int(raw.get("height")),
        rotation=_rotation(raw),
        sample_aspect=_ratio(raw.get("sample_aspect_ratio")) or 1.0,
        frame_rate=_ratio(raw.get("avg_frame_rate")) or _ratio(raw.get("r_frame_rate")),
        language=_language_tag(raw),
    )


def _language_tag(raw: dict[str, Any]) -> str | None:
    tag = str((raw.get("tags") or {}).get("language") or "").strip()
    return tag if tag and tag.lower() not in {"und", "unknown", "mis", "zxx"} else None


def _ratio(value: Any) -> float | None:
    """``"30000/1001"`` → 29.97; ``"0/0"``, ``"0:1"``, missing or garbage → None."""
    parts = re.split(r"[/:]", str(value or ""))
    try:
        num, den = (float(parts[0]), float(parts[1])) if len(parts) == 2 else (float(parts[0]), 1.0)
    except ValueError:
        return None
    return num / den if num > 0 and den > 0 else None


def _rotation(raw: dict[str, Any]) -> int:
    """Clockwise display rotation in degrees, 0/90/180/270, as a phone's ``rotate=90`` tag states it.

    ffprobe reports the display matrix counter-clockwise (a phone's portrait clip: -90), and the
    old ``rotate`` tag clockwise (90): both are read as the same clockwise turn.
    """
    for side in raw.get("side_data_list") or ():
        if "rotation" in side:
            try:
                return _quarter_turns(-float(side["rotation"]))
            except (TypeError, ValueError):
                return 0
    return _quarter_turns((raw.get("tags") or {}).get("rotate", 0))


def _quarter_turns(value: Any) -> int:
    try:
        return round(float(value) / 90) * 90 % 360
    except (TypeError, ValueError):
        return 0


def _first_error_line(stderr: bytes | None, path: Path) -> str:
    text = (stderr or b"").decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # ffprobe prefixes its messages with the file name; keep only the reason.
    reason = lines[-1] if lines else "unreadable"
    return reason.replace(str(path) + ": ", "").replace(str(path), "").strip(": ") or "unreadable"


def parse_probe(path: Path, data: dict[str, Any]) -> MediaInfo:
    """Build a MediaInfo from ffprobe's ``-show_format -show_streams`` JSON."""
    fmt = data.get("format") or {}
    streams = tuple(_stream(s) for s in data.get("streams") or ())
    duration = _float(fmt.get("duration"))
    if duration is None:
        duration = max((s.duration_s or 0.0 for s in streams), default=0.0)
    return MediaInfo(
        path=path,
        format_name=str(fmt.get("format_name", "")),
        duration_s=duration,
        size_bytes=_int(fmt.get("size")) or path.stat().st_size,
        bit_rate=_int(fmt.get("bit_rate")),
        streams=streams,
    )


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Probe ``path``.

    Raises:
        InputError: missing, a directory or unreadable.
        NotMediaError: ffprobe cannot read it (not media, truncated, corrupt).
    """
    p = require_file(path)
    try:
        data = ffmpeg.probe(str(p), cmd=tools.ffprobe())
    except ffmpeg.Error as exc:
        reason = _first_error_line(exc.stderr, p)
        raise NotMediaError(f"{p}: not a readable video or audio file ({reason}); check it plays") from exc
    info = parse_probe(p, data)
    if not info.streams:
        raise NotMediaError(f"{p}: no audio or video streams found; check it plays")
    return info
