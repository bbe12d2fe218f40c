"""ffmpeg's own progress output, parsed and reported; errors and a chatty stderr handled."""

from __future__ import annotations

import pytest

from pipeline.media import tools
from pipeline.media.ffmpeg_run import Progress, parse_block, run_ffmpeg, with_progress_output


@pytest.mark.parametrize(("lines", "done", "speed", "finished"), [
    (["frame=10", "out_time_us=1500000", "out_time_ms=1500000", "speed=2.5x", "progress=continue"], 1.5, 2.5, False),
    (["out_time_ms=2000000", "progress=end"], 2.0, None, True),  # out_time_ms is microseconds too
    (["out_time_us=N/A", "speed=N/A", "progress=continue"], 0.0, None, False),
    (["out_time_us=-23220", "progress=continue"], 0.0, None, False),
])
def test_progress_blocks_are_parsed(lines: list[str], done: float, speed: float | None, finished: bool) -> None:
    progress = parse_block(lines, 10.0)
    assert (progress.done_s, progress.speed, progress.finished) == (done, speed, finished)


def test_describe_and_fraction() -> None:
    assert Progress(42, 120, 1.9).describe("burn") == "burn 35% (42 s of 120 s, 1.9x)"
    assert Progress(5, None).describe("burn") == "burn 5 s" and Progress(5, None).fraction is None
    assert Progress(130, 120).fraction == 1.0 and Progress(1, 120, finished=True).fraction == 1.0


def test_progress_options_go_before_the_inputs() -> None:
    assert with_progress_output(["ffmpeg", "-y", "-i", "a.mp4", "b.mp4"])[:4] == ["ffmpeg", "-progress", "pipe:1",
                                                                                  "-nostats"]


def test_a_real_run_reports_monotonic_progress_to_the_end() -> None:
    seen: list[Progress] = []
    command = [tools.ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=6", "-c:v", "libx264",
               "-preset", "ultrafast", "-f", "null", "-"]
    result = run_ffmpeg(command, total_s=6.0, on_progress=seen.append)
    assert result.returncode == 0
    assert seen and seen[-1].finished and seen[-1].fraction == 1.0
    done = [p.done_s for p in seen]
    assert done == sorted(done) and done[-1] == pytest.approx(6.0, abs=0.1)


def test_a_failure_keeps_ffmpeg_s_message() -> None:
    seen: list[Progress] = []
    result = run_ffmpeg([tools.ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=d=1", "-vf", "nosuchfilter",
                         "-f", "null", "-"], total_s=1.0, on_progress=seen.append)
    assert result.returncode != 0 and "nosuchfilter" in result.stderr
    assert not any(p.finished for p in seen)


def test_a_chatty_stderr_does_not_stall_the_run() -> None:
    # showinfo logs a line per frame: far more than a pipe buffer holds, which would block ffmpeg unread.
    result = run_ffmpeg([tools.ffmpeg(), "-v", "info", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=50:d=10", "-vf",
                         "showinfo", "-f", "null", "-"], total_s=10.0)
    assert result.returncode == 0 and len(result.stderr) > 65536
