"""Loudness over time, decoded through ffmpeg and measured with pydub.

Used for the "not silent" check, for the sandbox's speech detection and for its audio
fingerprints. Audio is decoded to mono 16-bit PCM at a low rate and read in chunks, so a
long file never sits in memory whole.
"""

from __future__ import annotations

import math
import os
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import NotMediaError
from pipeline.media import tools

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH when imported and warns when there is none. Only its
    # level arithmetic is used here (our ffmpeg, found by ``tools``, decodes), so on a machine
    # that relies on the wheel builds the warning would be noise on every command's stderr.
    warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
    from pydub import AudioSegment

SAMPLE_RATE = 8000
SILENCE_FLOOR_DBFS = -90.0


@dataclass(frozen=True)
class Region:
    """A stretch of audible sound, in milliseconds."""

    start_ms: int
    end_ms: int


def decode_command(path: Path, sample_rate: int = SAMPLE_RATE) -> list[str]:
    """The ffmpeg command that decodes the first audio stream of ``path`` to mono s16le on stdout."""
    return [
        tools.ffmpeg(), "-nostdin", "-v", "error", "-i", str(Path(path).resolve()),
        "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "-",
    ]


def frame_levels(path: str | os.PathLike[str], frame_ms: int = 50, sample_rate: int = SAMPLE_RATE) -> Iterator[float]:
    """Yield the loudness (dBFS) of each ``frame_ms`` frame of the audio.

    Raises:
        NotMediaError: when ffmpeg cannot decode the audio.
    """
    frame_bytes = sample_rate * frame_ms // 1000 * 2
    proc = subprocess.Popen(decode_command(Path(path), sample_rate), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        while chunk := proc.stdout.read(frame_bytes * 200):
            for offset in range(0, len(chunk) - 1, frame_bytes):
                frame = chunk[offset : offset + frame_bytes]
                segment = AudioSegment(data=frame[: len(frame) // 2 * 2], sample_width=2, frame_rate=sample_rate, channels=1)
                level = segment.dBFS
                yield SILENCE_FLOOR_DBFS if math.isinf(level) else max(level, SILENCE_FLOOR_DBFS)
    finally:
        proc.stdout.close()
        stderr = proc.stderr.read().decode("utf-8", "replace").strip()
        proc.stderr.close()
        code = proc.wait()
    if code != 0:
        reason = stderr.splitlines()[-1] if stderr else f"ffmpeg exit {code}"
        raise NotMediaError(f"{path}: audio cannot be decoded ({reason}); re-export the file")


def peak_level(path: str | os.PathLike[str]) -> float:
    """The loudest 50 ms frame in dBFS (``SILENCE_FLOOR_DBFS`` for digital silence)."""
    return max(frame_levels(path), default=SILENCE_FLOOR_DBFS)


def speech_regions(
    levels: list[float],
    frame_ms: int = 50,
    threshold_db: float = 16.0,
    min_silence_ms: int = 200,
    min_sound_ms: int = 100,
) -> list[Region]:
    """Audible regions from frame levels: frames louder than ``peak - threshold_db``.

    Pauses shorter than ``min_silence_ms`` are bridged (the gaps inside a word) and blips
    shorter than ``min_sound_ms`` dropped. Relative to the peak so quiet recordings work.
    """
    if not levels:
        return []
    cutoff = max(levels) - threshold_db
    regions: list[list[int]] = []
    for i, level in enumerate(levels):
        if level < cutoff or level <= SILENCE_FLOOR_DBFS:
            continue
        start, end = i * frame_ms, (i + 1) * frame_ms
        if regions and start - regions[-1][1] < min_silence_ms:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [Region(s, e) for s, e in regions if e - s >= min_sound_ms]
