"""A burn target: the frame, the layout on it and the font, turned into pixels.

Everything that decides where burned text goes and how wide a line may be is a value here,
computed once from the probed video (:class:`~pipeline.media.canvas.Canvas`), a platform
preset (:class:`~pipeline.media.presets.Layout`) and the chosen font
(:class:`~pipeline.media.glyphs.FontChoice`). The burn-ready ASS it describes has
PlayResX/PlayResY equal to the frame, so one ASS unit is one pixel and the widths the
subtitle engine wraps to are the widths libass draws.

Example:
    >>> from pipeline.media.canvas import Canvas
    >>> from pipeline.media.glyphs import choose_font
    >>> from pipeline.media.presets import PRESETS
    >>> target = BurnTarget(Canvas(1080, 1920), PRESETS["douyin"], choose_font())
    >>> target.font_px, target.safe
    (65, Rect(left=60, top=250, right=910, bottom=1498))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pysubs2

from pipeline.errors import InputError
from pipeline.media.canvas import Canvas, Rect
from pipeline.media.font_measure import FontMeasure
from pipeline.media.glyphs import FontChoice
from pipeline.media.presets import Layout
from pipeline.subtitles.bilingual import SECONDARY_SCALE, BilingualCue, bilingual_ass_text, bilingual_styles
from pipeline.subtitles.rules import CueRules

_HEX_COLOUR = re.compile(r"#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?")
_ASS_COLOUR = re.compile(r"&H([0-9A-Fa-f]{1,8})&?")
# Letters in about their English frequency, with spaces: the width of an average character.
_LATIN_SAMPLE = "the quick brown fox jumps over a lazy dog, etaoin shrdlu"
#: libass's line advance is about this many times the font size (ascent plus descent of CJK fonts).
LINE_HEIGHT = 1.2


@dataclass(frozen=True)
class BurnTarget:
    """Where and how subtitles are burned into one video.

    Attributes:
        canvas: the frame libass draws on.
        layout: font size and safe margins as fractions (a preset, maybe overridden).
        font: the font libass will use.
        primary_colour: text colour, ``#RRGGBB`` or ASS ``&HAABBGGRR``.
        outline_colour: outline colour, same forms.
        bold: draw the text bold.
    """

    canvas: Canvas
    layout: Layout
    font: FontChoice
    primary_colour: str = "#FFFFFF"
    outline_colour: str = "#000000"
    bold: bool = False

    def __post_init__(self) -> None:
        ass_colour(self.primary_colour)
        ass_colour(self.outline_colour)

    @property
    def font_px(self) -> int:
        """The ASS font size in frame pixels (libass's line height)."""
        return max(round(self.layout.font_size * self.canvas.short_side), 8)

    @property
    def outline_px(self) -> int:
        return _visible_px(self.layout.outline * self.canvas.short_side)

    @property
    def shadow_px(self) -> int:
        return _visible_px(self.layout.shadow * self.canvas.short_side)

    @property
    def safe(self) -> Rect:
        """The rectangle burned text must stay inside, in frame pixels."""
        w, h, lay = self.canvas.width, self.canvas.height, self.layout
        return Rect(round(lay.margin_left * w), round(lay.margin_top * h),
                    w - round(lay.margin_right * w), h - round(lay.margin_bottom * h))

    @property
    def play_res(self) -> tuple[int, int]:
        return self.canvas.width, self.canvas.height

    @property
    def max_lines(self) -> int:
        return self.layout.max_lines

    def measure(self, rules: CueRules | None = None) -> FontMeasure:
        """Line widths in shown pixels of this font at this size, lines no wider than the safe area.

        The outline is drawn outside the glyphs, so it takes its width from both ends of a line.
        On non-square pixels the glyphs are narrowed by the sample aspect (see :meth:`ass_style`),
        so the safe area is measured in shown pixels too. Given ``rules``, a line is also no
        longer than their ``max_chars_per_line`` full-width characters (ideographs for CJK,
        average letters otherwise): a wide frame does not make lines harder to read than the
        delivery limits allow.
        """
        usable = self.safe.width * self.canvas.sample_aspect - 2 * self.outline_px
        measure = FontMeasure(self.font.metrics(), self.font_px, usable)
        if rules is None:
            return measure
        sample = "中" if rules.is_cjk else _LATIN_SAMPLE
        per_char = measure.widths([sample])[0] / len(sample)
        # A micro-pixel of slack: a line of exactly the limit sums its widths one by one.
        return replace(measure, max_width=min(usable, rules.max_chars_per_line * per_char + 1e-6))

    def ass_style(self) -> dict[str, Any]:
        """The fields of the burn-ready ASS's Default style (for :func:`pipeline.subtitles.formats.ass_text`).

        Centred at the bottom of the safe area: left/right margins are the safe area's sides, so
        centring is within it, not within the frame.
        """
        safe = self.safe
        return {
            "fontname": self.font.family,
            "fontsize": float(self.font_px),
            "primarycolor": _colour(self.primary_colour),
            "outlinecolor": _colour(self.outline_colour),
            "backcolor": pysubs2.Color(0, 0, 0, 128),
            "bold": self.bold,
            "outline": float(self.outline_px),
            "shadow": float(self.shadow_px),
            "alignment": pysubs2.Alignment.BOTTOM_CENTER,
            "marginl": safe.left,
            "marginr": self.canvas.width - safe.right,
            # The outline (and its anti-aliasing) is drawn below the line box: lift it clear of the edge.
            "marginv": self.canvas.height - safe.bottom + self.outline_px + 1,
            # libass draws square pixels on the stored grid; narrow the glyphs so they look
            # right once the player stretches non-square pixels.
            "scalex": round(100 / self.canvas.sample_aspect, 2),
        }

    def describe(self) -> str:
        """One line for the run's report."""
        c, safe = self.canvas, self.safe
        return (f"{c.width}x{c.height} ({c.aspect_name}), preset {self.layout.name}: {self.font_px} px "
                f"{self.font.family}, at most {self.max_lines} lines inside x {safe.left}-{safe.right}, "
                f"y {safe.top}-{safe.bottom}")


def secondary_target(primary: BurnTarget, scale: float = SECONDARY_SCALE) -> BurnTarget:
    """The translation's target of a bilingual burn: the primary's, at ``scale`` of its font size."""
    return replace(primary, layout=primary.layout.with_overrides(font_size=primary.layout.font_size * scale))


def bilingual_height_px(primary: BurnTarget, secondary: BurnTarget, cue: BilingualCue) -> float:
    """How tall ``cue`` is drawn: its source lines in the primary size, its translation in the secondary."""
    return LINE_HEIGHT * (len(cue.source) * primary.font_px + len(cue.target) * secondary.font_px)


def two_style_ass(primary: BurnTarget, secondary: BurnTarget, cues: Sequence[BilingualCue]) -> str:
    """The burn-ready bilingual ASS: ``Default`` in the primary's style, ``Secondary`` in the secondary's size."""
    main, second = bilingual_styles(primary.ass_style(), secondary.font_px / primary.font_px)
    second.fontsize = float(secondary.font_px)
    second.outline = float(secondary.outline_px)
    return bilingual_ass_text(cues, play_res=primary.play_res, styles=(main, second))


def _visible_px(px: float) -> int:
    """Whole pixels; a border asked for never rounds away to nothing."""
    return max(round(px), 1) if px > 0 else 0


def _colour(colour: str) -> pysubs2.Color:
    """``#RRGGBB``/``&HAABBGGRR`` → pysubs2's colour (ASS alpha is transparency)."""
    value = int(ass_colour(colour)[2:], 16)
    return pysubs2.Color(value & 0xFF, (value >> 8) & 0xFF, (value >> 16) & 0xFF, (value >> 24) & 0xFF)


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
