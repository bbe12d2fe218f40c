"""Progress on a terminal (a bar) and in a log (a line per tenth)."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from flows.progress import terminal_reporter
from pipeline.media.ffmpeg_run import Progress


def test_a_log_gets_a_line_per_tenth_and_the_end() -> None:
    out = StringIO()
    with terminal_reporter("burn", out) as report:
        for done in (1, 5, 12, 13, 35, 60, 119):
            report(Progress(done, 120))
        report(Progress(120, 120, finished=True))
    lines = out.getvalue().splitlines()
    assert lines == ["burn 10% (12 s of 120 s)", "burn 29% (35 s of 120 s)", "burn 50% (60 s of 120 s)",
                     "burn 99% (119 s of 120 s)", "burn 100% (120 s of 120 s)"]


def test_unknown_totals_print_nothing_until_the_end() -> None:
    out = StringIO()
    with terminal_reporter("burn", out) as report:
        report(Progress(3, None))
        report(Progress(9, None, finished=True))
    assert out.getvalue().splitlines() == ["burn 100% (9 s of 9 s)"]


def test_a_terminal_gets_a_bar() -> None:
    out = StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    with terminal_reporter("burn", out, console=console) as report:
        report(Progress(60, 120))
        report(Progress(120, 120, finished=True))
    assert "burn" in out.getvalue() and "\x1b[" in out.getvalue()
