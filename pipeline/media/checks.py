"""Checks an audio file must pass before any vendor call (each one is cheap next to a paid job)."""

from __future__ import annotations

from pipeline.errors import InputError, NoAudioError, SilentAudioError, TooLargeError
from pipeline.media import levels
from pipeline.media.limits import VOLCENGINE_LIMITS, VendorLimits
from pipeline.media.probe import MediaInfo

# Quieter than this everywhere is no speech a vendor could hear (vendors answer 1013 "silent").
AUDIBLE_DBFS = -50.0


def check_size(info: MediaInfo, limits: VendorLimits = VOLCENGINE_LIMITS, name: str | None = None) -> None:
    if info.size_bytes > limits.max_bytes:
        raise TooLargeError(
            f"{name or info.path}: {info.size_bytes / 1024 / 1024:.1f} MB is over the vendor limit of "
            f"{limits.max_bytes // 1024 // 1024} MB; re-extract at a lower bitrate or split it"
        )


def check_format(info: MediaInfo, limits: VendorLimits = VOLCENGINE_LIMITS, name: str | None = None) -> None:
    extension = info.path.suffix.lower().lstrip(".")
    if extension not in limits.formats:
        allowed = "/".join(sorted(f.upper() for f in limits.formats))
        raise InputError(f"{name or info.path}: .{extension} is not a format the vendor accepts ({allowed}); extract the audio first")


def check_has_audio(info: MediaInfo, name: str | None = None) -> None:
    if info.audio is None:
        raise NoAudioError(f"{name or info.path}: has no audio stream; use a file with sound")


def check_not_silent(info: MediaInfo, threshold_dbfs: float = AUDIBLE_DBFS, name: str | None = None) -> float:
    """Return the peak level; raise SilentAudioError when nothing reaches ``threshold_dbfs``."""
    peak = levels.peak_level(info.path)
    if peak < threshold_dbfs:
        raise SilentAudioError(
            f"{name or info.path}: audio is silent (peak {peak:.0f} dBFS); check the right track or file was used"
        )
    return peak


def check_for_vendor(info: MediaInfo, limits: VendorLimits = VOLCENGINE_LIMITS, source: str | None = None) -> float:
    """Run every check in order of cost; returns the peak level in dBFS.

    ``source`` names the user's file in messages when ``info`` is the audio extracted from it.
    """
    name = f"{source} (audio track {info.path.name})" if source else None
    check_has_audio(info, name)
    check_format(info, limits, name)
    check_size(info, limits, name)
    return check_not_silent(info, name=name)
