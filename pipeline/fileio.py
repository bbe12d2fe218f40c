"""Atomic file output: a crash never leaves a half-written file under the final name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | os.PathLike[str], keep_suffix: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    The temporary file lives in the same directory so the final ``os.replace`` is atomic.
    ``keep_suffix`` ends the temporary name with ``target``'s extension (``.x.part.mp4``), for
    tools such as ffmpeg that choose the format from it.
    Example::

        with atomic_path("out/clip.srt") as tmp:
            tmp.write_text(text, encoding="utf-8")
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".part{target.suffix}" if keep_suffix else ".part"
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text (no BOM) to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    return Path(target)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)
