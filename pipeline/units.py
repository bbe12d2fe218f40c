"""Amounts in messages, rounded so that a small one never reads as zero.

"retry in 0.0 s", "0 min are left" (with 10 s left) and "0 MB is over the 0 MB cap" each rounded
a real amount away. These pick the unit from the amount instead.

Example:
    >>> wait_text(0.04), wait_text(2.34), minutes_text(10), minutes_text(150), size_text(300_000)
    ('40 ms', '2.3 s', '10 s', '2.5 min', '293 KB')
"""

from __future__ import annotations

KB = 1024
MB = 1024 * 1024


def wait_text(seconds: float) -> str:
    """A short delay: milliseconds under a second, else seconds with one decimal."""
    if seconds < 1:
        return f"{max(seconds, 0) * 1000:.0f} ms"
    return f"{seconds:.1f} s"


def minutes_text(seconds: float) -> str:
    """An allowance of media time: seconds under a minute, else minutes (one decimal under ten)."""
    if seconds < 60:
        return f"{max(seconds, 0):.0f} s"
    minutes = seconds / 60
    return f"{minutes:.1f} min".replace(".0 min", " min") if minutes < 10 else f"{minutes:.0f} min"


def size_text(size: float) -> str:
    """A file size: bytes, KB or MB, whichever keeps the number readable and above zero."""
    if size < KB:
        return f"{size:.0f} bytes"
    if size < MB:
        return f"{size / KB:.0f} KB"
    return f"{size / MB:.1f} MB".replace(".0 MB", " MB") if size < 10 * MB else f"{size / MB:.0f} MB"
