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
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

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


def _scaled(width: int) -> str:
    """Scale to ``width`` at the display aspect, so an anamorphic (non-square pixel) video is not squeezed."""
    return f"scale={width}:'max(2,trunc(ow/dar/2)*2)',setsar=1"


def _still(video: Path, at_ms: int, width: int, video_filter_at: Callable[[float], str] | None) -> Image.Image:
    """One frame at ``at_ms``, scaled to ``width``; ffmpeg applies the display rotation itself.

    ``-ss`` before ``-i`` jumps to the keyframe before the time instead of decoding from the
    start, so a long video costs one short decode per tile; ``video_filter_at`` is told the time to shift the
    subtitles' clock by, since the seeked frames restart at 0.
    """
    seconds = at_ms / 1000
    drawn = f"{video_filter_at(seconds)}," if video_filter_at else ""
    command = [tools.ffmpeg(), "-nostdin", "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1",
               "-vf", f"{drawn}{_scaled(width)}", "-f", "image2pipe", "-c:v", "png", "pipe:1"]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else "no frame there; check the cues fit within the video"
        raise MediaError(f"{video}: could not take the still at {seconds:g} s for the contact sheet ({reason})")
    try:
        return Image.open(BytesIO(result.stdout)).convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise MediaError(f"{video}: ffmpeg gave no readable still at {seconds:g} s for the contact sheet "
                         f"({error}); check the video plays") from None


def _label_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The bundled CJK font, so labels render on a machine without one; Pillow's own font as a last resort."""
    bundled = bundled_cjk_font()
    if bundled is None:
        return ImageFont.load_default()
    return ImageFont.truetype(str(bundled), LABEL_PX - 16, index=0)


def _labelled(tile: Tile, still: Image.Image, height: int, font: ImageFont.FreeTypeFont | ImageFont.ImageFont
              ) -> Image.Image:
    """The still with its label strip below; drawn on its own image so a long label is cut, not spilled."""
    card = Image.new("RGB", (still.width, height + LABEL_PX), BACKGROUND)
    card.paste(still, (0, 0))
    ImageDraw.Draw(card).text((4, height + 6), tile.label, fill=LABEL_COLOUR, font=font)
    return card


def _compose(tiles: Sequence[Tile], stills: Sequence[Image.Image], columns: int) -> Image.Image:
    """Tiles in reading order, ``columns`` to a row (fewer when there are fewer tiles)."""
    width, height = max(still.width for still in stills), max(still.height for still in stills)
    columns = min(columns, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    pitch_x, pitch_y = width + GUTTER_PX, height + LABEL_PX + GUTTER_PX
    sheet = Image.new("RGB", (columns * pitch_x + GUTTER_PX, rows * pitch_y + GUTTER_PX), BACKGROUND)
    font = _label_font()
    for k, (tile, still) in enumerate(zip(tiles, stills, strict=True)):
        sheet.paste(_labelled(tile, still, height, font),
                    (GUTTER_PX + (k % columns) * pitch_x, GUTTER_PX + (k // columns) * pitch_y))
    return sheet


def contact_sheet(video: PathLike, cues: Sequence[Cue], output_png: PathLike, *,
                  video_filter_at: Callable[[float], str] | None = None, columns: int = 4, max_tiles: int = 48,
                  tile_width: int = 270) -> Path:
    """Write the contact sheet of ``cues`` over ``video`` to ``output_png`` (atomically); returns its path.

    Every still is taken before the file is opened, so a failed still leaves no sheet (nor a
    temporary file) behind, and an older sheet of the same name stays as it was.

    Raises:
        InputError: no cues, a missing video, an output that is not a .png, or a layout below 1.
        MediaError: a still could not be taken.
    """
    target = Path(output_png)
    if target.suffix.lower() != ".png":
        raise InputError(f"{target}: a contact sheet is a PNG; give a name ending in .png")
    if min(columns, max_tiles, tile_width) < 1:
        raise InputError(f"{target}: columns, max_tiles and tile_width must be at least 1 "
                         f"(got {columns}, {max_tiles}, {tile_width})")
    source = Path(os.path.abspath(Path(video).expanduser()))  # so "-clip.mp4" is not read as an option
    if not source.is_file():
        raise InputError(f"{source}: video not found; check the path")
    tiles = tiles_for(cues, max_tiles)
    if not tiles:
        raise InputError(f"{target}: no cues to show; check the subtitle file has cues with text")
    stills = [_still(source, tile.at_ms, tile_width, video_filter_at) for tile in tiles]
    sheet = _compose(tiles, stills, columns)
    with atomic_path(target, keep_suffix=True) as tmp:
        sheet.save(tmp, format="PNG")
    return target
