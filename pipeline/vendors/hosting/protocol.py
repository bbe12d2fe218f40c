"""What every media host is and shares: the ``MediaHost`` protocol and the ``HostedMedia`` it answers.

Hosts differ in where a file goes (a loopback HTTP server, an S3 bucket), but callers only see
``publish`` / ``unpublish`` / ``published`` and a ``HostedMedia``; this module holds that
contract, the base class that implements the context managers once, and the input checks and
helpers every host uses, so a new host adds only its transport.

URLs are secrets: a presigned URL carries a signature, a loopback URL its token. They are never
logged or put in a repr or an error message; ``HostedMedia.label`` (host and key) is what logs
show, and ``redact_url`` is what may be shown of any other URL.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from pipeline import errors

DEFAULT_EXPIRES_S = 3600.0


@dataclass(frozen=True)
class HostedMedia:
    """A published file.

    Attributes:
        url: where the vendor fetches the file. A secret: never log it (use ``label``).
        expires_at: when the URL stops working (UTC).
        label: host and key, safe for logs and messages.
        size: bytes published.
        handle: what ``unpublish`` needs (the loopback token, or the object key); may be secret.
    """

    url: str = field(repr=False)
    expires_at: datetime
    label: str
    size: int
    handle: str = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return f"HostedMedia(label={self.label!r}, expires_at={self.expires_at.isoformat()}, size={self.size})"

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the URL expires (negative once it has)."""
        return (self.expires_at - (now or datetime.now(UTC))).total_seconds()


@runtime_checkable
class MediaHost(Protocol):
    """Publishes local files at URLs a vendor can fetch."""

    name: str

    def publish(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> HostedMedia:
        """Make ``path`` fetchable until ``expires_in`` seconds from now."""
        ...

    def unpublish(self, media: HostedMedia) -> None:
        """Take a published file down (best effort; never raises for an unknown one)."""
        ...

    def published(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> Any:
        """Context manager: publish, yield the ``HostedMedia``, unpublish."""
        ...

    def close(self) -> None:
        """Release the host's resources (server, client)."""
        ...

    def __enter__(self) -> MediaHost:
        """A host is its own context manager: ``with host_from_settings() as host:``."""
        ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Close the host."""
        ...


class HostBase:
    """What every host shares: the context managers and the input checks."""

    name = "host"

    def publish(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> HostedMedia:
        raise NotImplementedError

    def unpublish(self, media: HostedMedia) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release by default."""

    @contextmanager
    def published(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> Iterator[HostedMedia]:
        """Publish ``path`` for the block, and take it down afterwards even if the block fails.

        Take it down only once the vendor has fetched the file: for an asynchronous job, that is
        after waiting for the result, not right after the submit.
        """
        media = self.publish(path, expires_in=expires_in)
        try:
            yield media
        finally:
            self.unpublish(media)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def readable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as an existing regular file.

    Raises:
        InputError: it is missing or not a file.
    """
    file = Path(path)
    if not file.is_file():
        raise errors.InputError(f"cannot publish {file}: no such file")
    return file


def checked_expiry(expires_in: float | None, default: float, maximum: float | None = None) -> float:
    """The link lifetime in seconds: ``expires_in``, else ``default``.

    Raises:
        InputError: it is not positive, or above ``maximum``.
    """
    seconds = default if expires_in is None else float(expires_in)
    if seconds <= 0 or (maximum is not None and seconds > maximum):
        limit = f" and at most {maximum:.0f}" if maximum is not None else ""
        raise errors.InputError(f"expires_in={seconds:g} s: the link lifetime must be positive{limit}")
    return seconds


def content_type(path: Path) -> str:
    """The MIME type vendors expect for ``path`` (by extension; octet-stream when unknown)."""
    overrides = {".m4a": "audio/mp4", ".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg"}
    return overrides.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def redact_url(url: str) -> str:
    """``url`` without credentials, query or fragment: what may appear in a log line."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


__all__ = [
    "DEFAULT_EXPIRES_S",
    "HostBase",
    "HostedMedia",
    "MediaHost",
    "checked_expiry",
    "content_type",
    "readable_file",
    "redact_url",
]
