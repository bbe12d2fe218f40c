"""Run a long ffmpeg command and report how far it got, from ffmpeg's own progress output.

``-progress pipe:1`` makes ffmpeg write ``key=value`` blocks to stdout, each ending in
``progress=continue`` (``progress=end`` at the last): ``out_time_us`` is the output time
reached, ``speed`` how many times real time it runs. Parsing those is exact and cheap, unlike
scraping the human status line on stderr. stderr is read on a thread so a chatty ffmpeg
cannot fill its pipe and stall, and its last line becomes the error message.

Example:
    >>> parse_block(["out_time_us=42000000", "speed=1.9x", "progress=continue"], 120.0)
    Progress(done_s=42.0, total_s=120.0, speed=1.9, finished=False)
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: Callbacks are called at most this often (seconds), and once more at the end.
REPORT_EVERY_S = 0.25


@dataclass(frozen=True)
class Progress:
    """How far an ffmpeg run is."""

    done_s: float
    total_s: float | None
    speed: float | None = None
    finished: bool = False

    @property
    def fraction(self) -> float | None:
        if self.finished:
            return 1.0
        if not self.total_s:
            return None
        return min(max(self.done_s / self.total_s, 0.0), 1.0)

    def describe(self, label: str) -> str:
        """``burn 35% (42 s of 120 s, 1.9x)``."""
        speed = f", {self.speed:g}x" if self.speed else ""
        if self.fraction is None:
            return f"{label} {self.done_s:.0f} s{speed}"
        total = self.total_s if self.total_s is not None else self.done_s
        return f"{label} {self.fraction:.0%} ({min(self.done_s, total):.0f} s of {total:.0f} s{speed})"


def parse_block(lines: Iterable[str], total_s: float | None) -> Progress:
    """One ``key=value`` block of ``-progress`` output as a Progress.

    ``out_time_ms`` is microseconds too (a long-standing ffmpeg quirk); ``N/A`` and negative
    times (before the first frame) count as 0.
    """
    values = dict(line.strip().partition("=")[::2] for line in lines if "=" in line)
    micros = values.get("out_time_us") or values.get("out_time_ms") or ""
    try:
        done = max(int(micros) / 1e6, 0.0)
    except ValueError:
        done = 0.0
    try:
        speed: float | None = float(values.get("speed", "").rstrip("x"))
    except ValueError:
        speed = None
    return Progress(done, total_s, speed, values.get("progress") == "end")


@dataclass(frozen=True)
class FfmpegResult:
    returncode: int
    stderr: str


def with_progress_output(command: list[str]) -> list[str]:
    """``command`` with ``-progress pipe:1 -nostats`` right after the executable, before any input.

    They are global options, so they go before the first ``-i``; ``-nostats`` drops the status
    line on stderr that would otherwise bury the error message.
    """
    return [command[0], "-progress", "pipe:1", "-nostats", *command[1:]]


def run_ffmpeg(command: list[str], *, total_s: float | None,
               on_progress: Callable[[Progress], None] | None = None) -> FfmpegResult:
    """Run ``command``; call ``on_progress`` as it goes (at most every 0.25 s) and once when it ends."""
    process = subprocess.Popen(with_progress_output(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, errors="replace")
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.extend(process.stderr or ()), daemon=True)
    reader.start()
    block: list[str] = []
    last = 0.0
    latest = Progress(0.0, total_s)
    for line in process.stdout or ():
        block.append(line)
        if not line.startswith("progress="):
            continue
        latest, block = parse_block(block, total_s), []
        now = time.monotonic()
        if on_progress is not None and (latest.finished or now - last >= REPORT_EVERY_S):
            on_progress(latest)
            last = now
    returncode = process.wait()
    reader.join()
    if on_progress is not None and returncode == 0 and not latest.finished:
        on_progress(Progress(latest.done_s, total_s, latest.speed, True))
    return FfmpegResult(returncode, "".join(errors))
