"""Check burned subtitles on the rendered pixels: line count, safe area, and real glyphs (no tofu).

Planning measures text before libass draws it; this module looks at what libass drew. For
each sampled cue the plain source frame and the burned frame at the same time are decoded
(as 8-bit grey, after rotation, by ffmpeg) and compared: the text is what differs.

* **Lines.** libass sets lines one font size apart (the size *is* the line height), so the
  inked height gives the line count: ``round((height + 0.3 * size) / size)``. Counting gaps
  between ink rows would not do: 二 or 三 alone have empty rows inside one line.
* **Safe area.** The bounding box of everything that changed must lie inside it.
* **Distinct glyphs.** A font without the characters draws the same box for each. The white
  fill (pixels made brighter, not the dark outline) is cut into blobs at empty columns, and
  blobs of the same size and ink are one shape. A line needs at least half as many shapes as it
  has distinct characters; 哈哈哈 has one character, so one shape passes, while four boxes for
  你好世界 fail.

Example:
    >>> check = FrameCheck(12500, 2, Rect(60, 1300, 900, 1490), True, True)
    >>> check.describe()
    '12.5 s: 2 lines, inside the safe area, glyphs distinct'
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pipeline.errors import MediaError
from pipeline.media import tools
from pipeline.media.canvas import Rect

PathLike = str | os.PathLike[str]

#: Grey levels a pixel must change by to count as drawn: above x264's noise at crf 18.
CHANGED = 40
#: How much brighter a pixel of the (white) fill must get.
BRIGHTER = 60
#: Columns and rows with fewer changed pixels than this are noise.
MIN_PIXELS = 2


@dataclass(frozen=True)
class FrameCheck:
    """What one burned frame shows.

    Attributes:
        at_ms: the frame's time.
        lines: text lines drawn (0 when nothing was drawn).
        box: the drawn text's bounding box, None when nothing was drawn.
        inside: the box lies inside the safe area.
        distinct_glyphs: the glyphs are real characters, not a run of identical boxes.
        max_lines: the most lines allowed.
    """

    at_ms: int
    lines: int
    box: Rect | None
    inside: bool
    distinct_glyphs: bool
    max_lines: int = 2

    @property
    def ok(self) -> bool:
        return self.box is not None and 0 < self.lines <= self.max_lines and self.inside and self.distinct_glyphs

    def describe(self) -> str:
        if self.box is None:
            return f"{self.at_ms / 1000:g} s: no text drawn"
        parts = [f"{self.lines} line{'s' if self.lines != 1 else ''}"
                 + (f" (more than {self.max_lines})" if self.lines > self.max_lines else ""),
                 "inside the safe area" if self.inside else "outside the safe area",
                 "glyphs distinct" if self.distinct_glyphs else "identical boxes drawn (missing glyphs)"]
        return f"{self.at_ms / 1000:g} s: " + ", ".join(parts)


def grab_gray(video: PathLike, at_ms: int, size: tuple[int, int], *, ffmpeg: str | None = None) -> NDArray[np.uint8]:
    """One frame at ``at_ms`` as grey pixels, shaped (height, width); a PNG still gives its only frame."""
    path = Path(video)
    seek = [] if path.suffix.lower() == ".png" else ["-ss", f"{at_ms / 1000:.3f}"]
    command = [ffmpeg or tools.ffmpeg(), "-nostdin", "-v", "error", *seek, "-i", str(path), "-frames:v", "1",
               "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
    result = subprocess.run(command, capture_output=True, check=False)
    width, height = size
    if result.returncode != 0 or len(result.stdout) != width * height:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no frame decoded"]
        raise MediaError(f"{path}: could not read the frame at {at_ms / 1000:g} s for the pixel check ({reason[0]})")
    return np.frombuffer(result.stdout, dtype=np.uint8).reshape(height, width)


def inspect_frame(plain: NDArray[np.uint8], burned: NDArray[np.uint8], safe: Rect, font_px: int, text: str,
                  at_ms: int = 0, max_lines: int = 2) -> FrameCheck:
    """Measure the text drawn into ``burned`` over ``plain`` (see the module's rules)."""
    diff = burned.astype(np.int16) - plain.astype(np.int16)
    changed = np.abs(diff) > CHANGED
    box = _ink_box(changed)
    if box is None:
        return FrameCheck(at_ms, 0, None, False, False, max_lines)
    lines = max(1, round((box.height + 0.3 * font_px) / font_px))
    fill = diff > BRIGHTER
    return FrameCheck(at_ms, lines, box, safe.contains(box), _distinct_glyphs(fill, box, font_px, text), max_lines)


def _ink_box(mask: NDArray[np.bool_]) -> Rect | None:
    rows = np.flatnonzero(mask.sum(axis=1) >= MIN_PIXELS)
    cols = np.flatnonzero(mask.sum(axis=0) >= MIN_PIXELS)
    if rows.size == 0 or cols.size == 0:
        return None
    return Rect(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def _distinct_glyphs(fill: NDArray[np.bool_], box: Rect, font_px: int, text: str) -> bool:
    """At least half as many blob shapes as distinct characters, line by line."""
    characters = {ch for ch in text if not ch.isspace()}
    if len(characters) < 3:
        return True  # too few to tell a box from a glyph
    shapes: set[tuple[int, int, int]] = set()
    for top in range(box.top, box.bottom, font_px):
        band = fill[top: min(top + font_px, box.bottom), box.left: box.right]
        shapes.update(_blob_shapes(band))
    return len(shapes) >= math.ceil(len(characters) / 2)


def _blob_shapes(band: NDArray[np.bool_]) -> set[tuple[int, int, int]]:
    """(width, height, ink // 4) of each run of inked columns: near-equal blobs share a shape."""
    inked = band.sum(axis=0) > 0
    shapes = set()
    start = None
    for x, on in enumerate([*inked.tolist(), False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            blob = band[:, start:x]
            rows = np.flatnonzero(blob.any(axis=1))
            shapes.add((x - start, int(rows[-1] - rows[0] + 1), int(blob.sum()) // 4))
            start = None
    return shapes


@dataclass(frozen=True)
class Sample:
    """A moment to check and the text expected there."""

    at_ms: int
    text: str


def check_frames(source: PathLike, burned: PathLike, samples: Sequence[Sample], size: tuple[int, int], safe: Rect,
                 font_px: int, max_lines: int, *, offset_ms: int = 0, ffmpeg: str | None = None) -> list[FrameCheck]:
    """Check each sample of ``burned`` (a video, or a PNG still for one sample) against ``source``.

    ``offset_ms`` is where ``burned`` starts in ``source`` (a preview clip cut from the middle).
    """
    checks = []
    for sample in samples:
        plain = grab_gray(source, sample.at_ms, size, ffmpeg=ffmpeg)
        drawn = grab_gray(burned, sample.at_ms - offset_ms, size, ffmpeg=ffmpeg)
        checks.append(inspect_frame(plain, drawn, safe, font_px, sample.text, sample.at_ms, max_lines))
    return checks


def summarize(checks: Sequence[FrameCheck]) -> str:
    """One line for the CLI and the run's artifact."""
    if not checks:
        return "pixel check: no frames sampled"
    bad = [check for check in checks if not check.ok]
    limit = checks[0].max_lines
    if not bad:
        return (f"pixel check: {len(checks)} frame(s), all within {limit} line(s) inside the safe area "
                "with distinct glyphs")
    return f"pixel check: {len(bad)} of {len(checks)} frame(s) failed: " + "; ".join(c.describe() for c in bad[:3])


def as_rows(checks: Sequence[FrameCheck]) -> list[dict[str, object]]:
    """One plain row per frame, for a table artifact."""
    return [{"time (s)": check.at_ms / 1000, "lines": check.lines, "inside safe area": check.inside,
             "distinct glyphs": check.distinct_glyphs, "ok": check.ok,
             "box": "" if check.box is None else f"{check.box.left},{check.box.top}-{check.box.right},{check.box.bottom}"}
            for check in checks]
