"""A contact sheet: one still per cue group, with its times, laid out on one PNG.

An editor checks a burn by looking at it. A sheet of stills shows in one glance whether the
text sits in the safe area, fits its lines and is drawn in real glyphs, for the whole video.
Consecutive cues are grouped so a long video still fits one sheet (``max_tiles``); each tile is
taken at its group's first cue's midpoint and labelled with the group's times and cue numbers.

Stills come from the burned video itself, or, before any burn, from the source with the
subtitles drawn on the fly (``video_filter_at`` gives the filter for a still at a time).
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pipeline.errors import InputError, MediaError
from pipeline.fileio import atomic_path
from pipeline.media import tools
from pipeline.media.fonts import bundled_cjk_font
from pipeline.subtitles.cues import Cue

PathLike = str | os.PathLike[str]

LABEL_PX = 34
GUTTER_PX = 6
BACKGROUND = (24, 24, 24)
LABEL_COLOUR = (220, 220, 220)


@dataclass(frozen=True)
class Tile:
    """One still of the sheet: cues ``first``..``last`` (1-based), shown at ``at_ms``."""

    first: int
    last: int
    start_ms: int
    end_ms: int
    at_ms: int

    @property
    def label(self) -> str:
        numbers = f"#{self.first}" if self.first == self.last else f"#{self.first}–{self.last}"
        return f"{_clock(self.start_ms)}–{_clock(self.end_ms)}  {numbers}"


def _clock(ms: int) -> str:
    return f"{ms // 60000:02}:{ms // 1000 % 60:02}.{ms % 1000 // 100}"


def tiles_for(cues: Sequence[Cue], max_tiles: int = 48) -> list[Tile]:
    """Consecutive cues grouped into at most ``max_tiles`` tiles of nearly equal counts."""
    if not cues:
        return []
    per_tile = math.ceil(len(cues) / max_tiles)
    tiles = []
    for first in range(0, len(cues), per_tile):
        group = cues[first: first + per_tile]
        head = group[0]
        tiles.append(Tile(first + 1, first + len(group), head.start_ms, group[-1].end_ms,
                          (head.start_ms + head.end_ms) // 2))
    return tiles


def _still(video: Path, at_ms: int, width: int, video_filter_at: Callable[[float], str] | None) -> Image.Image:
    seconds = at_ms / 1000
    drawn = f"{video_filter_at(seconds)}," if video_filter_at else ""
    command = [tools.ffmpeg(), "-nostdin", "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1",
               "-vf", f"{drawn}scale={width}:-2", "-f", "image2pipe", "-c:v", "png", "pipe:1"]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no frame"]
        raise MediaError(f"{video}: could not take the still at {seconds:g} s for the contact sheet ({reason[0]})")
    from io import BytesIO

    return Image.open(BytesIO(result.stdout)).convert("RGB")


def _label_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    bundled = bundled_cjk_font()
    if bundled is None:
        return ImageFont.load_default()
    return ImageFont.truetype(str(bundled), LABEL_PX - 16, index=0)


def contact_sheet(video: PathLike, cues: Sequence[Cue], output_png: PathLike, *,
                  video_filter_at: Callable[[float], str] | None = None, columns: int = 4, max_tiles: int = 48,
                  tile_width: int = 270) -> Path:
    """Write the contact sheet of ``cues`` over ``video`` to ``output_png`` (atomically); returns its path.

    Raises:
        InputError: no cues, or an output that is not a .png.
        MediaError: a still could not be taken.
    """
    target = Path(output_png)
    if target.suffix.lower() != ".png":
        raise InputError(f"{target}: a contact sheet is a PNG; give a name ending in .png")
    tiles = tiles_for(cues, max_tiles)
    if not tiles:
        raise InputError(f"{target}: no cues to show; check the subtitle file has cues with text")
    stills = [_still(Path(video), tile.at_ms, tile_width, video_filter_at) for tile in tiles]
    tile_height = max(still.height for still in stills) + LABEL_PX
    columns = min(columns, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    pitch_x, pitch_y = tile_width + GUTTER_PX, tile_height + GUTTER_PX
    sheet = Image.new("RGB", (columns * pitch_x + GUTTER_PX, rows * pitch_y + GUTTER_PX), BACKGROUND)
    draw, font = ImageDraw.Draw(sheet), _label_font()
    for k, (tile, still) in enumerate(zip(tiles, stills, strict=True)):
        x, y = GUTTER_PX + (k % columns) * pitch_x, GUTTER_PX + (k // columns) * pitch_y
        sheet.paste(still, (x, y))
        draw.text((x + 4, y + still.height + 6), tile.label, fill=LABEL_COLOUR, font=font)
    with atomic_path(target, keep_suffix=True) as tmp:
        sheet.save(tmp, format="PNG")
    return target
