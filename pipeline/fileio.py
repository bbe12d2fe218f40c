"""Atomic file output: a crash never leaves a half-written file under the final name."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import InputError


def _process_umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc).

    ``os.umask`` can only be read by setting it, which for a moment would give files that
    other threads create (Prefect runs tasks in threads) no protection at all.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)  # the strict value for the moment it is set
    os.umask(mask)
    return mask


def _final_mode(target: Path) -> int:
    """The mode a plainly written file would have: the old file's when replacing one, else 0666 less the umask.

    Why: ``mkstemp`` makes the temporary file 0600, and the rename would carry that onto every
    subtitle, preview and video we write, which other users, a web server or a NAS could not read.
    """
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_process_umask()


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
        os.chmod(tmp, _final_mode(target))
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


def check_output_dir(folder: str | os.PathLike[str], option: str = "--output-dir") -> Path:
    """Make sure ``folder`` is a writable folder, or can be made one; return it (not created).

    Called before anything is probed or submitted, so an unusable ``-o`` costs no vendor job;
    the folder itself is made only when the first output is written. The check writes and
    removes a temporary file in the folder (or its nearest existing parent): permission bits
    alone do not tell about read-only mounts, ACLs or root.

    Raises:
        InputError: ``folder`` (or a parent) is a file, or nothing can be written there.
    """
    path = Path(folder)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = "" if existing == path else f" ({existing} is a file)"
        raise InputError(f"{option} {path}: is a file, not a folder{where}; give a folder (it is created if missing)")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"{option} {path}: cannot write there ({reason}); choose a writable folder") from None
    return path
