"""What the vendors accept (Volcengine caption/ATA docs: <= 200 MB, WAV/M4A/MP3/MP4/MOV/OGG)."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class VendorLimits:
    """Upload limits a vendor documents."""

    max_bytes: int = 200 * MB
    formats: frozenset[str] = frozenset({"wav", "m4a", "mp3", "mp4", "mov", "ogg"})
    content_types: tuple[tuple[str, str], ...] = (
        ("wav", "audio/wav"), ("m4a", "audio/m4a"), ("mp3", "audio/mpeg"),
        ("mp4", "audio/mp4"), ("mov", "video/quicktime"), ("ogg", "audio/ogg"),
    )

    def content_type(self, extension: str) -> str:
        """The Content-Type to send for a file with this extension (mp3 is audio/mpeg, not audio/wav)."""
        return dict(self.content_types).get(extension.lower().lstrip("."), f"audio/{extension.lower().lstrip('.')}")


VOLCENGINE_LIMITS = VendorLimits()
