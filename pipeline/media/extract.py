"""Extract the audio track in a form the vendor accepts, and say why that form was chosen.

A stream copy is preferred: it is fast and loses nothing. It is used when the source codec
already has a container the vendor takes (AAC → .m4a, MP3 → .mp3, Opus/Vorbis → .ogg, PCM → .wav)
and the copy stays under the size limit. Otherwise the audio is transcoded to mono: 16 kHz
PCM WAV while that fits (no codec artefacts for the recogniser), else AAC at the highest
bitrate that fits.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import NoAudioError, NotMediaError, TooLargeError
from pipeline.fileio import atomic_path
from pipeline.media import tools
from pipeline.media.limits import VOLCENGINE_LIMITS, VendorLimits
from pipeline.media.probe import MediaInfo

COPY_CONTAINERS = {
    "aac": "m4a",
    "mp3": "mp3",
    "opus": "ogg",
    "vorbis": "ogg",
    "pcm_s16le": "wav",
    "pcm_s24le": "wav",
    "pcm_f32le": "wav",
    "pcm_u8": "wav",
}
WAV_BYTES_PER_SECOND = 16000 * 2
MIN_AAC_KBPS = 16
MAX_AAC_KBPS = 96
# Containers and metadata add a little; keep this share of the limit free.
HEADROOM = 0.97


@dataclass(frozen=True)
class ExtractionPlan:
    """How the audio will be produced: ``mode`` is "copy" or "transcode"."""

    mode: str
    extension: str
    codec: str
    bitrate_kbps: int | None
    reason: str

    def args(self) -> list[str]:
        """ffmpeg output arguments for this plan."""
        if self.mode == "copy":
            return ["-c:a", "copy"]
        if self.codec == "pcm_s16le":
            return ["-c:a", "pcm_s16le", "-ac", "1", "-ar", "16000"]
        return ["-c:a", "aac", "-ac", "1", "-b:a", f"{self.bitrate_kbps}k"]


@dataclass(frozen=True)
class ExtractedAudio:
    """The audio file handed to a vendor."""

    path: Path
    plan: ExtractionPlan
    size_bytes: int
    duration_s: float


def estimated_copy_bytes(info: MediaInfo) -> int | None:
    """Size of a stream copy of the first audio track, from its bitrate (None if unknown)."""
    audio = info.audio
    if audio is None:
        return None
    if audio.codec_name.startswith("pcm_") and audio.sample_rate and audio.channels:
        bits = {"pcm_s16le": 16, "pcm_s24le": 24, "pcm_f32le": 32, "pcm_u8": 8}.get(audio.codec_name, 16)
        return int(audio.sample_rate * audio.channels * bits / 8 * info.duration_s)
    if audio.bit_rate:
        return int(audio.bit_rate / 8 * info.duration_s)
    return None


def plan_extraction(info: MediaInfo, limits: VendorLimits = VOLCENGINE_LIMITS) -> ExtractionPlan:
    """Choose copy or transcode for ``info``'s first audio stream.

    Raises:
        NoAudioError: the file has no audio stream.
        TooLargeError: even the lowest usable bitrate would exceed the limit (split it first).
    """
    audio = info.audio
    if audio is None:
        raise NoAudioError(f"{info.path}: has no audio stream; use a file with sound")
    budget = int(limits.max_bytes * HEADROOM)
    container = COPY_CONTAINERS.get(audio.codec_name)
    copy_bytes = estimated_copy_bytes(info)
    if container and container in limits.formats and copy_bytes is not None and copy_bytes <= budget:
        return ExtractionPlan("copy", container, audio.codec_name, None,
                              f"{audio.codec_name} audio fits .{container} as is ({copy_bytes / 1e6:.1f} MB): copied without re-encoding")
    why = (f"{audio.codec_name} has no container the vendor accepts" if not container
           else f"a copy would be {copy_bytes / 1e6:.0f} MB, over the limit" if copy_bytes
           else f"{audio.codec_name} bitrate unknown")
    if WAV_BYTES_PER_SECOND * info.duration_s <= budget:
        return ExtractionPlan("transcode", "wav", "pcm_s16le", None,
                              f"{why}: transcoded to 16 kHz mono WAV ({WAV_BYTES_PER_SECOND * info.duration_s / 1e6:.1f} MB)")
    kbps = int(budget * 8 / max(info.duration_s, 1e-3) / 1000)
    if kbps < MIN_AAC_KBPS:
        hours = info.duration_s / 3600
        raise TooLargeError(
            f"{info.path}: {hours:.1f} h of audio cannot fit {limits.max_bytes // (1024 * 1024)} MB even at "
            f"{MIN_AAC_KBPS} kbit/s; split it into parts first"
        )
    kbps = min(kbps, MAX_AAC_KBPS)
    return ExtractionPlan("transcode", "m4a", "aac", kbps,
                          f"{why}: transcoded to mono AAC at {kbps} kbit/s to fit the size limit")


def extract_command(source: Path, target: Path, plan: ExtractionPlan) -> list[str]:
    """The ffmpeg command for ``plan`` (absolute paths, so a leading '-' is never an option)."""
    fmt = {"m4a": "ipod", "ogg": "ogg", "wav": "wav", "mp3": "mp3"}[plan.extension]
    return [
        tools.ffmpeg(), "-nostdin", "-hide_banner", "-v", "error", "-y",
        "-i", str(source.resolve()), "-map", "0:a:0", "-vn", "-sn", "-dn",
        *plan.args(), "-f", fmt, str(target.resolve()),
    ]


def output_name(info: MediaInfo, plan: ExtractionPlan) -> str:
    """A stable file name: same source and plan give the same name, so reruns reuse it."""
    digest = hashlib.sha256(f"{info.path}|{info.size_bytes}|{info.path.stat().st_mtime_ns}|{plan}".encode()).hexdigest()[:10]
    return f"{info.path.stem}.{digest}.{plan.extension}"


def extract_audio(info: MediaInfo, out_dir: str | os.PathLike[str], plan: ExtractionPlan | None = None,
                  limits: VendorLimits = VOLCENGINE_LIMITS) -> ExtractedAudio:
    """Write the audio track of ``info`` into ``out_dir`` according to ``plan`` (chosen if omitted).

    Raises:
        NoAudioError, TooLargeError: from planning.
        NotMediaError: ffmpeg could not decode the source (truncated or corrupt).
    """
    plan = plan or plan_extraction(info, limits)
    target = Path(out_dir) / output_name(info, plan)
    with atomic_path(target) as tmp:
        result = subprocess.run(extract_command(info.path, tmp, plan), capture_output=True, text=True, errors="replace")
        if result.returncode != 0 or tmp.stat().st_size == 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            reason = lines[-1].strip() if lines else f"ffmpeg exit {result.returncode}"
            raise NotMediaError(f"{info.path}: audio could not be extracted ({reason}); the file may be truncated or corrupt")
    size = target.stat().st_size
    return ExtractedAudio(path=target, plan=plan, size_bytes=size, duration_s=info.duration_s)


def extracted_info(source: MediaInfo, audio: ExtractedAudio) -> MediaInfo:
    """What ffprobe would say of the extracted file, from the source's probe and the plan.

    Extraction maps exactly the source's first audio stream, stream-copied or transcoded to the
    plan's codec, into a file ffmpeg finished writing; a second ffprobe per item would only repeat
    what is known. (The silence check still reads the extracted file itself.)
    """
    stream = source.audio
    if stream is None:
        return MediaInfo(audio.path, audio.plan.extension, audio.duration_s, audio.size_bytes, None, ())
    if audio.plan.mode == "copy":
        sent = replace(stream, index=0)
    else:
        pcm = audio.plan.codec == "pcm_s16le"
        sent = replace(stream, index=0, codec_name=audio.plan.codec, channels=1,
                       sample_rate=16000 if pcm else stream.sample_rate,
                       bit_rate=256_000 if pcm else (audio.plan.bitrate_kbps or 0) * 1000 or None)
    bit_rate = round(audio.size_bytes * 8 / audio.duration_s) if audio.duration_s > 0 else None
    return MediaInfo(audio.path, audio.plan.extension, audio.duration_s, audio.size_bytes, bit_rate, (sent,))
