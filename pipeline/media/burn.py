"""Burn subtitles into a video with ffmpeg's ``subtitles`` filter (libass), plus quick previews.

What is drawn is decided beforehand by :mod:`pipeline.media.burn_plan`: a burn-ready ASS
whose PlayRes is the frame, fitted to the target's safe area, with a font that has every
glyph. This module writes that ASS beside the run, builds the ffmpeg command and runs it.

A filter-graph argument is unescaped twice by ffmpeg (graph parser, then option parser), so
paths with ``'``, ``:``, ``,``, ``[``, ``]`` or ``;`` need two layers of escaping:
:func:`escape_filter_value`.

:func:`burn_command` is a pure function (tested without running ffmpeg); :func:`burn`,
:func:`preview_still` and :func:`preview_clip` run it and write their output atomically.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from pipeline.errors import InputError, MediaError
from pipeline.fileio import atomic_path
from pipeline.media import tools
from pipeline.media.burn_plan import BurnPlan
from pipeline.media.ffmpeg_run import Progress, run_ffmpeg
from pipeline.media.pixel_check import FrameCheck, Sample, check_frames

PathLike = str | os.PathLike[str]


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


def subtitles_filter(ass_file: PathLike, fonts_dir: PathLike | None) -> str:
    """The ``subtitles=...`` filter for a burn-ready ASS, with absolute, escaped paths."""
    options = [("filename", str(_absolute(ass_file)))]
    if fonts_dir:
        options.append(("fontsdir", str(_absolute(fonts_dir))))
    return "subtitles=" + ":".join(f"{key}={escape_filter_value(value)}" for key, value in options)


def video_filter(ass_file: PathLike, fonts_dir: PathLike | None, start: float | None = None) -> str:
    """The whole ``-vf`` chain.

    With ``-ss`` before ``-i`` (fast seeking) frames restart at time 0, which would show the
    first cues instead of the ones at ``start``; shifting the timestamps back by ``start``
    for the subtitles filter and to 0 afterwards keeps cues and picture in step.
    """
    burn = subtitles_filter(ass_file, fonts_dir)
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
    ass_file: PathLike,
    output: PathLike,
    fonts_dir: PathLike | None = None,
    *,
    ffmpeg: str | None = None,
    crf: int = 18,
    preset: str = "medium",
    start: float | None = None,
    duration: float | None = None,
) -> list[str]:
    """The ffmpeg command that burns ``ass_file`` into ``video`` (pure: nothing runs).

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
        "-vf", video_filter(ass_file, fonts_dir, start),
        "-c:v", "libx264", "-crf", str(crf), "-preset", preset,
        "-c:a", "copy", *no_preroll, *_container_args(output),
        str(_absolute(output)),
    ]  # fmt: skip


def still_command(
    video: PathLike,
    ass_file: PathLike,
    output_png: PathLike,
    at: float,
    fonts_dir: PathLike | None = None,
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
        "-map", "0:v:0", "-vf", video_filter(ass_file, fonts_dir, at),
        "-frames:v", "1", "-update", "1", "-c:v", "png", "-f", "image2",
        str(_absolute(output_png)),
    ]  # fmt: skip


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


def _run(command: list[str], output: Path, total_s: float | None = None,
         on_progress: Callable[[Progress], None] | None = None) -> None:
    """Run ffmpeg; turn a failure or an empty result into a one-line MediaError naming ``output``."""
    result = run_ffmpeg(command, total_s=total_s, on_progress=on_progress)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise MediaError(f"{output}: ffmpeg could not burn subtitles ({reason}); check the input plays and the subtitle file parses")
    if Path(command[-1]).stat().st_size == 0:
        raise MediaError(f"{output}: ffmpeg wrote nothing; check the time asked for is inside the video")


@contextmanager
def written_ass(plan: BurnPlan) -> Iterator[Path]:
    """The plan's burn-ready ASS in a temporary file for the length of one ffmpeg run."""
    with tempfile.TemporaryDirectory(prefix="burn-") as folder:
        path = Path(folder) / "subtitles.ass"
        path.write_text(plan.ass(), encoding="utf-8")
        yield path


def _checked_output(plan: BurnPlan, output: PathLike, ffmpeg: str | None) -> tuple[Path, str]:
    """The output path and an ffmpeg that can burn, checked before any encoding starts."""
    target = _absolute(output)
    if target == plan.video.path:
        raise InputError(f"{target}: output would overwrite the input video; choose another name")
    if target.is_dir():
        raise InputError(f"{target}: -o is a folder; give a file name such as {target / 'burned.mp4'}")
    return target, require_subtitles_filter(ffmpeg or tools.ffmpeg())


def burn(plan: BurnPlan, output: PathLike, *, ffmpeg: str | None = None, crf: int = 18,
         preset: str = "medium", on_progress: Callable[[Progress], None] | None = None) -> Path:
    """Burn the plan's cues into its video and write ``output`` atomically; returns ``output``.

    Raises:
        InputError: the output would overwrite the input, or is a folder, or is a still.
        MediaError: the ffmpeg in use has no ``subtitles`` filter, or the encode failed.
    """
    target, exe = _checked_output(plan, output, ffmpeg)
    if target.suffix.lower() in STILL_SUFFIXES:
        raise InputError(f"{target}: a burn writes a video; give .mp4, .mkv or .mov, or add --preview-at SECONDS "
                         "for a still")
    with atomic_media_output(target) as tmp, written_ass(plan) as ass:
        command = burn_command(plan.video.path, ass, tmp, plan.target.font.fonts_dir, ffmpeg=exe, crf=crf,
                               preset=preset)
        _run(command, target, plan.video.duration_s, on_progress)
    return target


def preview_still(plan: BurnPlan, output_png: PathLike, at_ms: int, *, ffmpeg: str | None = None) -> Path:
    """Write one PNG frame at ``at_ms`` with subtitles drawn, to check a style in seconds, not minutes."""
    target, exe = _checked_output(plan, output_png, ffmpeg)
    if target.suffix.lower() != ".png":
        raise InputError(f"{target}: --preview-at writes a PNG still; give an output ending in .png")
    _check_inside(plan, at_ms, "--preview-at")
    with atomic_media_output(target) as tmp, written_ass(plan) as ass:
        command = still_command(plan.video.path, ass, tmp, at_ms / 1000, plan.target.font.fonts_dir, ffmpeg=exe)
        _run(command, target)
    return target


def preview_clip(plan: BurnPlan, output: PathLike, start_ms: int, duration_ms: int, *, ffmpeg: str | None = None,
                 crf: int = 23, preset: str = "veryfast", on_progress: Callable[[Progress], None] | None = None) -> Path:
    """Burn a short section (``start_ms`` for ``duration_ms``) so timing and style can be reviewed quickly."""
    if duration_ms <= 0:
        raise InputError(f"--preview-clip duration {duration_ms / 1000:g}: give a positive number of seconds")
    target, exe = _checked_output(plan, output, ffmpeg)
    _check_inside(plan, start_ms, "--preview-clip start")
    with atomic_media_output(target) as tmp, written_ass(plan) as ass:
        command = burn_command(plan.video.path, ass, tmp, plan.target.font.fonts_dir, ffmpeg=exe, crf=crf,
                               preset=preset, start=start_ms / 1000, duration=duration_ms / 1000)
        _run(command, target, duration_ms / 1000, on_progress)
    return target


#: Outputs that are pictures, not videos.
STILL_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp"})


def _check_inside(plan: BurnPlan, at_ms: int, option: str) -> None:
    length_s = plan.video.duration_s
    if at_ms < 0 or (length_s and at_ms >= length_s * 1000):
        raise InputError(f"{option} {at_ms / 1000:g}: outside {plan.video.path.name}, which is {length_s:.1f} s long; "
                         f"give a time from 0 to {max(length_s - 0.05, 0):.1f}")


def pixel_samples(plan: BurnPlan, start_ms: int = 0, end_ms: int | None = None, most: int = 8) -> list[Sample]:
    """Cue midpoints to check, spread evenly over the cues between ``start_ms`` and ``end_ms``."""
    cues = [c for c in plan.cues if start_ms <= (c.start_ms + c.end_ms) // 2 < (end_ms if end_ms is not None else 1 << 62)]
    if len(cues) > most:
        cues = [cues[round(k * (len(cues) - 1) / (most - 1))] for k in range(most)]
    return [Sample((c.start_ms + c.end_ms) // 2, "".join(c.lines)) for c in cues]


def check_burned(plan: BurnPlan, burned: PathLike, samples: list[Sample], *, offset_ms: int = 0,
                 ffmpeg: str | None = None) -> list[FrameCheck]:
    """The pixel check of a burn, preview clip (``offset_ms`` its start) or still, against the plan's source."""
    target = plan.target
    return check_frames(plan.video.path, burned, samples, target.play_res, target.safe, target.font_px,
                        plan.max_lines, offset_ms=offset_ms, ffmpeg=ffmpeg)
