"""How burned-in text looks (:class:`BurnStyle`) and its translation to libass's ``force_style``.

SRT and WebVTT are rendered at libass's PlayRes 384x288, so every size in ``force_style`` is in
units of 1/288 of the video height. :class:`BurnStyle` therefore states sizes as fractions of
the height, which read the same on a 360p proxy and a 4K master, and :func:`force_style` turns
them into whole output pixels expressed in those units.

This is pure value checking and conversion with no ffmpeg involved, so it sits below
:mod:`pipeline.media.burn` (which builds and runs the commands) and can validate options,
e.g. the CLI's, before any file is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import InputError

#: libass renders SRT/WebVTT at PlayResY 288; force_style sizes are in these units.
SRT_PLAY_RES_Y = 288

_HEX_COLOUR = re.compile(r"#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?")
_ASS_COLOUR = re.compile(r"&H([0-9A-Fa-f]{1,8})&?")


@dataclass(frozen=True)
class BurnStyle:
    """How burned-in text looks, in units that survive a change of resolution.

    Sizes are fractions of the video height because libass scales SRT styles by
    ``height / 288``: a fraction gives the same look at 360p and 2160p.

    Attributes:
        font_name: a family installed on the machine (or in ``fonts_dir``) that has Chinese glyphs.
        font_size: font size as a fraction of the video height (0.055 → 59 px at 1080p). libass
            sizes a font by its line height, so ideographs come out about 70 % of this.
        outline: outline width as a fraction of the height (at least 1 px when non-zero).
        shadow: shadow offset as a fraction of the height (at least 1 px when non-zero).
        margin_v: distance of the text from the bottom (or top) edge, as a fraction of the height.
        primary_colour: text colour, ``#RRGGBB`` or ASS ``&HAABBGGRR``.
        outline_colour: outline colour, same forms.
        alignment: ASS numpad alignment; 2 is bottom centre.
        bold: draw the text bold.
        fonts_dir: a folder of .ttf/.otf/.ttc files for libass to load in addition to system fonts.
    """

    font_name: str = "Noto Sans CJK SC"
    font_size: float = 0.055
    outline: float = 0.0025
    shadow: float = 0.0
    margin_v: float = 0.05
    primary_colour: str = "#FFFFFF"
    outline_colour: str = "#000000"
    alignment: int = 2
    bold: bool = False
    fonts_dir: str | None = None

    def __post_init__(self) -> None:
        # force_style is a comma-separated key=value list that libass splits without any escaping.
        if not self.font_name or any(c in self.font_name for c in ",=\n"):
            raise InputError(f"font name {self.font_name!r}: must be non-empty without ',' or '='; give a family name")
        if not 0 < self.font_size < 1:
            raise InputError(f"font_size {self.font_size}: give a fraction of the video height, e.g. 0.055")
        for name in ("outline", "shadow", "margin_v"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise InputError(f"{name} {value}: give a fraction of the video height between 0 and 1")
        if self.alignment not in range(1, 10):
            raise InputError(f"alignment {self.alignment}: give an ASS numpad position 1-9 (2 = bottom centre)")
        ass_colour(self.primary_colour)
        ass_colour(self.outline_colour)


def ass_colour(colour: str) -> str:
    """Convert ``#RRGGBB`` (or ``#RRGGBBAA``, AA = opacity) to ASS ``&HAABBGGRR``; pass ASS colours through.

    ASS stores blue-green-red with *transparency* as alpha, which nobody types by hand.
    """
    text = colour.strip()
    if m := _HEX_COLOUR.fullmatch(text):
        rgb, opacity = m.group(1), m.group(2) or "FF"
        alpha = 255 - int(opacity, 16)
        return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".upper()
    if m := _ASS_COLOUR.fullmatch(text):
        return f"&H{int(m.group(1), 16):08X}"
    raise InputError(f"colour {colour!r}: give #RRGGBB or an ASS colour such as &H00FFFFFF")


def _pixels(fraction: float, video_height: int, *, at_least_one: bool) -> int:
    """Whole pixels for a fraction of the height; a visible border never rounds away to 0."""
    px = round(fraction * video_height)
    return max(px, 1) if at_least_one and fraction > 0 else px


def _play_res_units(px: int, video_height: int) -> str:
    """Express ``px`` output pixels in PlayResY-288 units (libass multiplies by height/288)."""
    value = px * SRT_PLAY_RES_Y / video_height
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def force_style(style: BurnStyle, video_height: int) -> str:
    """The ``force_style`` value for SRT/WebVTT: sizes rounded to whole output pixels, in 1/288 units.

    Rounding in pixels first (rather than sending ``fraction * 288``) keeps the glyph size an
    integer number of pixels and lets a thin outline stay at least 1 px on small proxies.
    """
    check_video_height(video_height)
    font_px = max(_pixels(style.font_size, video_height, at_least_one=True), 1)
    outline_px = _pixels(style.outline, video_height, at_least_one=True)
    shadow_px = _pixels(style.shadow, video_height, at_least_one=True)
    margin_px = _pixels(style.margin_v, video_height, at_least_one=False)
    fields = {
        "FontName": style.font_name,
        "Fontsize": _play_res_units(font_px, video_height),
        "PrimaryColour": ass_colour(style.primary_colour),
        "OutlineColour": ass_colour(style.outline_colour),
        "Bold": "-1" if style.bold else "0",
        "BorderStyle": "1",
        "Outline": _play_res_units(outline_px, video_height),
        "Shadow": _play_res_units(shadow_px, video_height),
        "Alignment": str(style.alignment),
        # libass stores MarginV as an integer in PlayRes units.
        "MarginV": str(round(margin_px * SRT_PLAY_RES_Y / video_height)),
    }
    return ",".join(f"{key}={value}" for key, value in fields.items())


def check_video_height(video_height: int) -> int:
    """Reject heights that cannot come from a real video stream."""
    if not isinstance(video_height, int) or video_height <= 0:
        raise InputError(f"video height {video_height!r}: give the video stream's height in pixels")
    return video_height
