"""Showing the progress of a long local step: a bar on a terminal, plain lines in a log.

A burn of a few minutes of video takes minutes; an operator at a terminal wants a bar, and a
nightly job's log wants a few readable lines rather than a bar's control characters. The
callback both give is the one :func:`pipeline.media.ffmpeg_run.run_ffmpeg` calls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as Bar

from pipeline.media.ffmpeg_run import Progress

#: Plain-line reports go out at every this fraction of the work.
LINE_STEP = 0.1


@contextmanager
def terminal_reporter(label: str, stream: TextIO | None = None,
                      console: Console | None = None) -> Iterator[Callable[[Progress], None]]:
    """A progress callback for ``label``: a rich bar when ``stream`` is a terminal, else a line per 10 %."""
    out = stream or sys.stderr
    if console is None and not out.isatty():
        yield _line_reporter(label, out)
        return
    with Bar(TextColumn(label), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
             console=console or Console(file=out), transient=True) as bar:
        task = bar.add_task(label, total=1.0)

        def update(progress: Progress) -> None:
            bar.update(task, completed=progress.fraction or 0.0)

        yield update


def _line_reporter(label: str, out: TextIO) -> Callable[[Progress], None]:
    next_step = [LINE_STEP]

    def report(progress: Progress) -> None:
        fraction = progress.fraction
        if fraction is None or fraction < next_step[0] and not progress.finished:
            return
        print(progress.describe(label), file=out, flush=True)
        while next_step[0] <= fraction:
            next_step[0] += LINE_STEP
        if progress.finished:
            next_step[0] = float("inf")

    return report
