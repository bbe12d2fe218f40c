"""The widths we wrap to are the widths libass draws: measured on rendered frames, not assumed."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.media import tools
from pipeline.media.burn import preview_still
from pipeline.media.burn_plan import plan_burn


def ink_columns(png: Path, width: int, height: int) -> tuple[int, int]:
    """First and last column with bright (text) pixels, on a frame of flat dark grey."""
    data = subprocess.run([tools.ffmpeg(), "-v", "error", "-i", str(png), "-f", "rawvideo", "-pix_fmt", "gray",
                           "pipe:1"], check=True, capture_output=True).stdout
    assert len(data) == width * height
    columns = [x for x in range(width) if any(data[y * width + x] > 200 for y in range(0, height, 2))]
    assert columns, "nothing drawn"
    return columns[0], columns[-1] + 1


@pytest.mark.parametrize("line", ["今天我们来聊一聊人工智能的未来", "iPhone 15 Pro Max 售价 7999 元起", "Subtitles that fit"])
def test_drawn_width_matches_the_measured_width(frame_clip: Callable[..., Path], tmp_path: Path, line: str) -> None:
    video = frame_clip(1080, 1920, seconds=2)
    srt = tmp_path / "one.srt"
    srt.write_text(f"1\n00:00:00,000 --> 00:00:02,000\n{line}\n", encoding="utf-8")
    plan = plan_burn(video, srt)
    assert plan.changes == () and plan.cues[0].lines == (line,)
    left, right = ink_columns(preview_still(plan, tmp_path / "still.png", 1000), 1080, 1920)
    advance = plan.target.measure().widths([line])[0]
    # Ink is the advances less the side bearings of the first and last glyph, plus nothing
    # beyond them (white fill only, the outline is dark): within a small fraction of the size.
    assert advance - 0.25 * plan.target.font_px <= right - left <= advance + 2
    safe = plan.target.safe
    assert safe.left <= left and right <= safe.right
    # Centred within the safe area, not the frame.
    assert abs((left + right) / 2 - (safe.left + safe.right) / 2) <= 0.15 * plan.target.font_px
