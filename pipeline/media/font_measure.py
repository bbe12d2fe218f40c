"""Line widths in pixels of the font libass will draw with: the width measure for burn-in.

Cue files for players are wrapped by counting characters, but a burned line must fit the
frame it is burned into: on a 1080x1920 phone video the same 16 Chinese characters that
fit a player's line can overflow the picture, and libass then breaks them wherever it
likes. :class:`FontMeasure` gives the subtitle engine each token's real advance width from
the font file (fontTools), at the size libass uses, so the rules wrap to the frame.

libass sizes a font the way VSFilter does: ``Fontsize`` is the height from the OS/2 table's
``usWinAscent`` to ``usWinDescent`` (the ``hhea`` ascender/descender when there is no OS/2
table), not the em. A glyph's width in PlayRes pixels is therefore its advance times
``size / (winAscent + winDescent)``.

Example:
    >>> from pipeline.media.fonts import bundled_cjk_font
    >>> measure = FontMeasure.load(bundled_cjk_font(), "Noto Sans CJK SC", size=100, max_width=900)
    >>> round(measure.widths(["你好"])[0], 1)
    138.1
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.errors import InputError
from pipeline.subtitles.rules import CueRules

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class FontMetrics:
    """What width measuring needs from one face of a font file, in font units."""

    family: str
    advances: dict[int, int]  # code point -> advance width
    missing_advance: int  # the .notdef glyph's, for characters the face lacks
    height: int  # usWinAscent + usWinDescent: what libass scales to the font size


@lru_cache(maxsize=8)
def font_metrics(path: str, family: str | None = None) -> FontMetrics:
    """The metrics of the face named ``family`` in ``path`` (a .ttf/.otf or a .ttc/.otc collection).

    Raises:
        InputError: the file cannot be read as a font, or has no face of that family.
    """
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        fonts = TTCollection(path, lazy=True).fonts if path.lower().endswith((".ttc", ".otc")) else [TTFont(path, lazy=True)]
    except (OSError, TTLibError) as exc:
        raise InputError(f"{path}: cannot read it as a font ({exc}); give a .ttf, .otf or .ttc file") from exc
    names = [font["name"].getDebugName(1) or "" for font in fonts]
    wanted = [k for k, name in enumerate(names) if family is None or name.casefold() == family.casefold()]
    if not wanted:
        raise InputError(f"{path}: has no font named {family!r} (it has {', '.join(sorted(set(names)))}); name one of those")
    font = fonts[wanted[0]]
    hmtx = font["hmtx"]
    advances = {code: hmtx[glyph][0] for code, glyph in font.getBestCmap().items()}
    if "OS/2" in font:
        height = font["OS/2"].usWinAscent + font["OS/2"].usWinDescent
    else:
        height = font["hhea"].ascent - font["hhea"].descent
    return FontMetrics(names[wanted[0]], advances, hmtx[font.getGlyphOrder()[0]][0], height)


@dataclass(frozen=True)
class FontMeasure:
    """A :class:`~pipeline.subtitles.measure.WidthMeasure` in pixels: a font at a size, lines of ``max_width``.

    Attributes:
        metrics: the face's advance widths.
        size: the ASS ``Fontsize``, in the script's PlayRes pixels.
        max_width: the widest line allowed, in the same pixels (the safe area's width).
    """

    metrics: FontMetrics
    size: float
    max_width: float
    _widths: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: PathLike, family: str | None, size: float, max_width: float) -> FontMeasure:
        """The measure for ``family`` in the font file at ``path``."""
        return cls(font_metrics(os.fspath(path), family), size, max_width)

    @property
    def scale(self) -> float:
        """Pixels per font unit."""
        return self.size / self.metrics.height

    @property
    def space_width(self) -> float:
        return self.char_width(" ")

    def char_width(self, ch: str) -> float:
        """One character's advance in pixels (the .notdef box's for one the face lacks)."""
        width = self._widths.get(ch)
        if width is None:
            metrics = self.metrics
            width = self._widths[ch] = metrics.advances.get(ord(ch), metrics.missing_advance) * self.scale
        return width

    def widths(self, texts: Sequence[str]) -> list[float]:
        char_width = self.char_width
        return [sum(map(char_width, text)) for text in texts]

    def line_limit(self, rules: CueRules) -> float:
        return self.max_width

    def missing(self, text: str) -> str:
        """The characters of ``text`` the face has no glyph for (each once, in order; spaces aside)."""
        advances = self.metrics.advances
        return "".join(dict.fromkeys(ch for ch in text if not ch.isspace() and ord(ch) not in advances))
