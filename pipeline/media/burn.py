"""Burn subtitles into a video with ffmpeg's ``subtitles`` filter (libass), plus quick previews.

Three facts shape this module (see the shared field notes):

* SRT and WebVTT are rendered at libass's PlayRes 384x288, so sizes are stated as fractions of
  the height: :class:`pipeline.media.burn_style.BurnStyle` and its ``force_style``.
* Chinese glyphs need a font that has them; naming none lets fontconfig pick one that may
  draw boxes. :func:`pipeline.media.fonts.find_cjk_font` finds an installed family, and
  :func:`burn` swaps it in (:func:`with_installed_font`) when the requested family is missing.
* A filter-graph argument is unescaped twice by ffmpeg (graph parser, then option parser),
  so paths with ``'``, ``:``, ``,``, ``[``, ``]`` or ``;`` need two layers of escaping:
  :func:`escape_filter_value`.

:func:`burn_command` is a pure function (tested without running ffmpeg); :func:`burn`,
:func:`preview_still` and :func:`preview_clip` run it and write their output atomically.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path

from pipeline.errors import InputError, MediaError
from pipeline.fileio import atomic_path
from pipeline.media import tools
from pipeline.media.burn_style import BurnStyle, force_style
from pipeline.media.fonts import BUNDLED_CJK_FAMILY, bundled_cjk_font, find_cjk_font, font_is_available
from pipeline.media.probe import MediaInfo, probe

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

TEXT_SUBTITLE_SUFFIXES = frozenset({".srt", ".vtt"})
ASS_SUFFIXES = frozenset({".ass", ".ssa"})


# --------------------------------------------------------------------------- escaping


def quote_option_value(value: str) -> str:
    """Quote ``value`` for ffmpeg's option parser (``key=value:key=value``).

    Inside single quotes everything is literal (``:``, ``=``, ``\\``, spaces, leading ``-``)
    except the quote itself, which is closed, escaped and reopened: ``'`` → ``'\\''``.
    Quoting also keeps leading/trailing spaces that the parser would otherwise strip.
    """
    return "'" + value.replace("'", "'\\''") + "'"


def escape_graph_level(text: str) -> str:
    """Backslash-escape the characters the filter-graph parser acts on: ``\\ ' [ ] , ;``.

    The graph parser reads a filter's argument string up to ``[ ] , ;`` and removes one
    level of quotes and backslashes before the option parser sees it, so the option-level
    quoting has to be protected from it.
    """
    return "".join("\\" + ch if ch in "\\'[],;" else ch for ch in text)


def escape_filter_value(value: str) -> str:
    """Escape an option value for use inside a ``-vf`` filter graph (both levels)."""
    return escape_graph_level(quote_option_value(value))


# --------------------------------------------------------------------------- command building


def subtitle_kind(subtitle_file: PathLike) -> str:
    """``"text"`` for SRT/WebVTT (styled by force_style), ``"ass"`` for ASS/SSA (styled by the file)."""
    suffix = Path(subtitle_file).suffix.lower()
    if suffix in TEXT_SUBTITLE_SUFFIXES:
        return "text"
    if suffix in ASS_SUFFIXES:
        return "ass"
    raise InputError(f"{subtitle_file}: unsupported subtitle format {suffix or '(no extension)'}; give .srt, .vtt or .ass")


def subtitles_filter(subtitle_file: PathLike, style: BurnStyle, video_height: int) -> str:
    """The ``subtitles=...`` filter with absolute, escaped paths and, for SRT/WebVTT, a force_style."""
    options = [("filename", str(_absolute(subtitle_file)))]
    if style.fonts_dir:
        options.append(("fontsdir", str(_absolute(style.fonts_dir))))
    if subtitle_kind(subtitle_file) == "text":
        options.append(("force_style", force_style(style, video_height)))
    return "subtitles=" + ":".join(f"{key}={escape_filter_value(value)}" for key, value in options)


def video_filter(subtitle_file: PathLike, style: BurnStyle, video_height: int, start: float | None = None) -> str:
    """The whole ``-vf`` chain.

    With ``-ss`` before ``-i`` (fast seeking) frames restart at time 0, which would show the
    first cues instead of the ones at ``start``; shifting the timestamps back by ``start``
    for the subtitles filter and to 0 afterwards keeps cues and picture in step.
    """
    burn = subtitles_filter(subtitle_file, style, video_height)
    if not start:
        return burn
    return f"setpts=PTS+{_seconds(start)}/TB,{burn},setpts=PTS-STARTPTS"


def _seconds(value: float) -> str:
    if value < 0:
        raise InputError(f"time {value}: give a time of zero or more seconds")
    return f"{value:.3f}"


def _absolute(path: PathLike) -> Path:
    """Absolute paths keep names such as ``-clip.mp4`` from being read as options."""
    return Path(os.path.abspath(Path(path).expanduser()))


def _input_args(video: PathLike, start: float | None) -> list[str]:
    seek = ["-ss", _seconds(start)] if start else []
    return [*seek, "-i", str(_absolute(video))]


def _container_args(output: PathLike) -> list[str]:
    """Put the MP4/MOV index first so editors and browsers can open the file while it copies."""
    return ["-movflags", "+faststart"] if Path(output).suffix.lower() in {".mp4", ".m4v", ".mov"} else []


def burn_command(
    video: PathLike,
    subtitle_file: PathLike,
    output: PathLike,
    style: BurnStyle,
    video_height: int,
    *,
    ffmpeg: str | None = None,
    crf: int = 18,
    preset: str = "medium",
    start: float | None = None,
    duration: float | None = None,
) -> list[str]:
    """The ffmpeg command that burns ``subtitle_file`` into ``video`` (pure: nothing runs).

    Video is re-encoded with libx264 (``crf`` 18 is visually lossless for editing), every
    audio stream is copied untouched. ``start`` and ``duration`` are seconds and cut a
    section, with subtitles still timed against the full video.
    """
    cut = ["-t", _seconds(duration)] if duration is not None else []
    # Copied audio otherwise keeps the packets from the keyframe before ``start`` (ffmpeg's
    # default), which shifts the picture late by up to a GOP in the section.
    no_preroll = ["-copypriorss", "0"] if start else []
    return [
        ffmpeg or tools.ffmpeg(), "-hide_banner", "-nostdin", "-y", "-v", "error",
        *_input_args(video, start), *cut,
        "-map", "0:v:0", "-map", "0:a?",
        "-vf", video_filter(subtitle_file, style, video_height, start),
        "-c:v", "libx264", "-crf", str(crf), "-preset", preset,
        "-c:a", "copy", *no_preroll, *_container_args(output),
        str(_absolute(output)),
    ]  # fmt: skip


def still_command(
    video: PathLike,
    subtitle_file: PathLike,
    output_png: PathLike,
    at: float,
    style: BurnStyle,
    video_height: int,
    *,
    ffmpeg: str | None = None,
) -> list[str]:
    """The ffmpeg command for one PNG frame at ``at`` seconds with subtitles drawn (pure).

    ``-update 1`` makes the image muxer take the file name literally, so a ``%`` in it is not
    read as a frame-number pattern.
    """
    return [
        ffmpeg or tools.ffmpeg(), "-hide_banner", "-nostdin", "-y", "-v", "error",
        *_input_args(video, at),
        "-map", "0:v:0", "-vf", video_filter(subtitle_file, style, video_height, at),
        "-frames:v", "1", "-update", "1", "-c:v", "png", "-f", "image2",
        str(_absolute(output_png)),
    ]  # fmt: skip


# --------------------------------------------------------------------------- font fallback


def with_installed_font(style: BurnStyle) -> BurnStyle:
    """``style``, with its font swapped for an installed CJK family when the named one is missing.

    Without this, fontconfig substitutes a font of its choice, which may lack Chinese glyphs.
    """
    available = font_is_available(style.font_name, style.fonts_dir)
    if available:
        return style
    found = find_cjk_font(style.fonts_dir)
    if found is not None:
        if available is False:
            log.warning("font %r is not installed; using %r", style.font_name, found)
        return replace(style, font_name=found)
    bundled = bundled_cjk_font()
    if bundled is not None and not style.fonts_dir:
        # libass is given the bundled collection's folder, and picks the family by name.
        log.info("no installed Chinese font; using the bundled %s", BUNDLED_CJK_FAMILY)
        return replace(style, font_name=BUNDLED_CJK_FAMILY, fonts_dir=str(bundled.parent))
    if available is False:
        log.warning("font %r is not installed and no Chinese font was found; Chinese text may show as boxes "
                    "(install fonts-noto-cjk or give --fonts-dir)", style.font_name)
    return style


# --------------------------------------------------------------------------- running


def has_subtitles_filter(ffmpeg: str) -> bool:
    """Whether this ffmpeg was built with libass (``ffmpeg -filters`` lists ``subtitles``)."""
    return _has_filter(ffmpeg, "subtitles")


@cache
def _has_filter(ffmpeg: str, name: str) -> bool:
    try:
        result = subprocess.run([ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True,
                                timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MediaError(f"{ffmpeg}: could not run it ({exc}); check SUBTITLE_PIPELINE_FFMPEG or your ffmpeg install") from exc
    return re.search(rf"^\s*\S+\s+{re.escape(name)}\s", result.stdout, re.MULTILINE) is not None


def require_subtitles_filter(ffmpeg: str) -> str:
    """Return ``ffmpeg`` if it can burn subtitles, else raise a MediaError that says how to get one."""
    if has_subtitles_filter(ffmpeg):
        return ffmpeg
    raise MediaError(
        f"{ffmpeg}: this ffmpeg has no 'subtitles' filter (built without libass), so it cannot burn subtitles; "
        f"install ffmpeg with libass (e.g. apt install ffmpeg) or `pip install imageio-ffmpeg` "
        f"and set SUBTITLE_PIPELINE_FFMPEG to its ffmpeg{_imageio_hint()}"
    )


def _imageio_hint() -> str:
    try:
        import imageio_ffmpeg

        return f" ({imageio_ffmpeg.get_ffmpeg_exe()})"
    except (ImportError, RuntimeError):
        return ""


def require_subtitle_file(subtitle_file: PathLike) -> Path:
    """The subtitle file as an absolute Path, or a one-line InputError naming it."""
    path = _absolute(subtitle_file)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "no such subtitle file"
        raise InputError(f"{path}: {what}; give an existing .srt, .vtt or .ass file")
    subtitle_kind(path)
    if path.stat().st_size == 0:
        raise InputError(f"{path}: subtitle file is empty; write the cues first")
    return path


def video_height_of(info: MediaInfo) -> int:
    """Height of the first picture stream; audio-only files cannot take burned-in text."""
    for stream in info.video_streams:
        if stream.height:
            return stream.height
    raise InputError(f"{info.path}: has no video stream; burn-in needs a video")


@contextmanager
def atomic_media_output(target: PathLike) -> Iterator[Path]:
    """Like :func:`pipeline.fileio.atomic_path`, but the temporary name keeps ``target``'s extension.

    ffmpeg picks the container from the extension, so ``clip.mp4`` is written as
    ``.clip.XXXX.part.mp4`` beside it and renamed when ffmpeg succeeds.
    """
    target = _absolute(target)
    if not target.suffix:
        raise InputError(f"{target}: output needs an extension such as .mp4, .mkv, .mov or .png")
    with atomic_path(target, keep_suffix=True) as tmp:
        yield tmp


def _run(command: list[str], output: Path) -> None:
    """Run ffmpeg; turn a failure or an empty result into a one-line MediaError naming ``output``."""
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise MediaError(f"{output}: ffmpeg could not burn subtitles ({reason}); check the input plays and the subtitle file parses")
    if Path(command[-1]).stat().st_size == 0:
        raise MediaError(f"{output}: ffmpeg wrote nothing; check the time asked for is inside the video")


def _prepare(video: PathLike, subtitle_file: PathLike, output: PathLike, style: BurnStyle,
             ffmpeg: str | None) -> tuple[MediaInfo, Path, Path, BurnStyle, str]:
    """Check inputs and tools before any encoding starts, so mistakes fail fast."""
    subtitle = require_subtitle_file(subtitle_file)
    info = probe(video)
    target = _absolute(output)
    if target == info.path:
        raise InputError(f"{target}: output would overwrite the input video; choose another name")
    exe = require_subtitles_filter(ffmpeg or tools.ffmpeg())
    if subtitle_kind(subtitle) == "text":
        style = with_installed_font(style)
    return info, subtitle, target, style, exe


def burn(
    video: PathLike,
    subtitle_file: PathLike,
    output: PathLike,
    style: BurnStyle = BurnStyle(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    ffmpeg: str | None = None,
    crf: int = 18,
    preset: str = "medium",
) -> Path:
    """Burn ``subtitle_file`` into ``video`` and write ``output`` atomically; returns ``output``.

    Raises:
        InputError: a missing/unsupported subtitle file, a missing video or one without picture.
        MediaError: the ffmpeg in use has no ``subtitles`` filter, or the encode failed.
    """
    info, subtitle, target, style, exe = _prepare(video, subtitle_file, output, style, ffmpeg)
    with atomic_media_output(target) as tmp:
        command = burn_command(info.path, subtitle, tmp, style, video_height_of(info), ffmpeg=exe, crf=crf,
                               preset=preset)
        _run(command, target)
    return target


def preview_still(
    video: PathLike,
    subtitle_file: PathLike,
    output_png: PathLike,
    at_ms: int,
    style: BurnStyle = BurnStyle(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    ffmpeg: str | None = None,
) -> Path:
    """Write one PNG frame at ``at_ms`` with subtitles drawn, to check a style in seconds, not minutes."""
    info, subtitle, target, style, exe = _prepare(video, subtitle_file, output_png, style, ffmpeg)
    _check_inside(info, at_ms, "at_ms")
    with atomic_media_output(target) as tmp:
        command = still_command(info.path, subtitle, tmp, at_ms / 1000, style, video_height_of(info), ffmpeg=exe)
        _run(command, target)
    return target


def preview_clip(
    video: PathLike,
    subtitle_file: PathLike,
    output: PathLike,
    start_ms: int,
    duration_ms: int,
    style: BurnStyle = BurnStyle(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    ffmpeg: str | None = None,
    crf: int = 23,
    preset: str = "veryfast",
) -> Path:
    """Burn a short section (``start_ms`` for ``duration_ms``) so timing and style can be reviewed quickly."""
    if duration_ms <= 0:
        raise InputError(f"duration_ms {duration_ms}: give a positive clip length in milliseconds")
    info, subtitle, target, style, exe = _prepare(video, subtitle_file, output, style, ffmpeg)
    _check_inside(info, start_ms, "start_ms")
    with atomic_media_output(target) as tmp:
        command = burn_command(info.path, subtitle, tmp, style, video_height_of(info), ffmpeg=exe, crf=crf,
                               preset=preset, start=start_ms / 1000, duration=duration_ms / 1000)
        _run(command, target)
    return target


def _check_inside(info: MediaInfo, at_ms: int, name: str) -> None:
    if at_ms < 0 or (info.duration_s and at_ms >= info.duration_s * 1000):
        raise InputError(f"{info.path}: {name}={at_ms} is outside the video (0-{int(info.duration_s * 1000)} ms); pick a time inside it")
