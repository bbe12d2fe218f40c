"""Where burned subtitles go on each platform's frame, as data with the source of every number.

A :class:`Layout` is stated in fractions so one preset reads the same on a 540x960 proxy and a
1080x1920 master: the font size and outline are fractions of the frame's shorter side (the
width of a phone video, the height of a landscape one), the margins fractions of the side
they run along. The margins are the *safe area*: on 9:16 feeds the apps draw the title,
the music line and the progress bar over the bottom of the picture and a column of buttons
over its right edge, so subtitles must stay clear of both.

The 9:16 numbers come from safe-zone overlays published for ByteDance's feed layout (TikTok,
whose feed Douyin shares): on 1080x1920, the bottom 320-460 px, the right 120-180 px and the
top 130-250 px are covered (socaptions.com "TikTok safe zones 2026"; blitzcutai.com "Best
caption placement for short-form video"). We take the cautious end: bottom 420 px, right
170 px, left 60 px. Kuaishou's and Xiaohongshu's feeds put the same elements in the same
places (right action rail, bottom title), so they share these margins until measured
otherwise. The broadcast numbers are EBU R 95's graphics-safe area (5 % in from each edge).

Example:
    >>> PRESETS["douyin"].margin_bottom
    0.22
    >>> preset_for(None, 0.5625).name, preset_for(None, 1.78).name
    ('douyin', 'broadcast-16:9')
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from pipeline.errors import InputError

#: Frames narrower than this (width/height) are laid out as phone video.
PORTRAIT_BELOW = 0.8


@dataclass(frozen=True)
class Layout:
    """Text size and safe margins, as fractions of the frame.

    Attributes:
        name: the preset's name.
        font_size: ASS font size (libass's line height) as a fraction of the shorter side.
        outline: outline width as a fraction of the shorter side.
        shadow: shadow offset as a fraction of the shorter side.
        margin_bottom: clear band at the bottom, as a fraction of the height.
        margin_top: clear band at the top (for text placed at the top), fraction of the height.
        margin_left: clear band at the left, as a fraction of the width.
        margin_right: clear band at the right, as a fraction of the width.
        max_lines: lines a burned cue may take.
        source: where the numbers come from.
    """

    name: str
    font_size: float
    outline: float
    shadow: float
    margin_bottom: float
    margin_top: float
    margin_left: float
    margin_right: float
    max_lines: int = 2
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("font_size", "outline", "shadow", "margin_bottom", "margin_top", "margin_left", "margin_right"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value < 0.5 or (name == "font_size" and value == 0):
                raise InputError(f"{name.replace('_', '-')} {value!r}: give a fraction of the frame between 0 and 0.5")
        if self.margin_left + self.margin_right >= 0.9 or self.margin_top + self.margin_bottom >= 0.9:
            raise InputError(f"margins of {self.name}: leave at least a tenth of the frame for the text")
        if not isinstance(self.max_lines, int) or not 1 <= self.max_lines <= 4:
            raise InputError(f"max-lines {self.max_lines!r}: give 1 to 4 lines")

    def with_overrides(self, **overrides: Any) -> Layout:
        """This layout with the given fields replaced; ``None`` values keep the preset's."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise InputError(f"layout field {unknown[0]!r}: not a layout field; use one of {', '.join(sorted(known))}")
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **given) if given else self


_PHONE_FEED = ("9:16 feed: bottom 420/1920, right 170/1080, left 60/1080, top 250/1920 covered by the app "
               "(TikTok/Douyin safe-zone overlays, socaptions.com 2026, blitzcutai.com); font 6 % of the width")
_EBU = "EBU R 95 graphics-safe area: 5 % in from every edge; font 5.5 % of the height (Netflix-like size)"

PRESETS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout("douyin", 0.06, 0.003, 0.0, 0.22, 0.13, 0.056, 0.157, source=_PHONE_FEED),
        Layout("kuaishou", 0.06, 0.003, 0.0, 0.22, 0.13, 0.056, 0.157,
               source="same layout as Douyin's feed (right action rail, bottom title): " + _PHONE_FEED),
        Layout("xiaohongshu", 0.06, 0.003, 0.0, 0.22, 0.13, 0.056, 0.157,
               source="same layout as Douyin's feed (right action rail, bottom title and comments bar): " + _PHONE_FEED),
        Layout("youtube-shorts", 0.06, 0.003, 0.0, 0.2, 0.07, 0.056, 0.12,
               source="YouTube Shorts: bottom ~20 % (title, channel, subscribe), right ~12 % (action column), "
                      "top ~120/1920 (blitzcutai.com short-form placement guide)"),
        Layout("bilibili", 0.055, 0.003, 0.0, 0.08, 0.05, 0.05, 0.05,
               source="bilibili 16:9 player: the control bar covers the bottom ~7 % while paused; " + _EBU),
        Layout("youtube", 0.055, 0.003, 0.0, 0.07, 0.05, 0.05, 0.05,
               source="YouTube 16:9 player: controls and progress bar cover the bottom ~7 % while shown; " + _EBU),
        Layout("broadcast-16:9", 0.055, 0.0025, 0.0, 0.05, 0.05, 0.05, 0.05, source=_EBU),
    )
}

#: The presets laid out for 9:16 frames.
PORTRAIT_PRESETS = frozenset({"douyin", "kuaishou", "xiaohongshu", "youtube-shorts"})

#: Share-link platforms (``pipeline.vendors.share`` codes, any case) → preset. TikTok's feed is
#: Douyin's layout; Xigua is a 16:9 player like bilibili's.
PLATFORM_PRESETS = {"douyin": "douyin", "tiktok": "douyin", "kuaishou": "kuaishou", "xhs": "xiaohongshu",
                    "xiaohongshu": "xiaohongshu", "bilibili": "bilibili", "xigua": "bilibili", "youtube": "youtube"}


def preset_named(name: str) -> Layout:
    """The preset called ``name``, or a one-line InputError listing them."""
    try:
        return PRESETS[name.strip().lower()]
    except KeyError:
        raise InputError(f"--preset {name!r}: no such preset; use one of {', '.join(PRESETS)}") from None


def preset_for(platform: str | None, aspect: float) -> Layout:
    """The preset for a share link's platform, else for the frame's shape (width / height).

    A landscape upload on a phone platform is still shown in the feed, but letterboxed, with
    the app's overlays on the black bands, so the frame's shape decides for such a video.
    """
    portrait = aspect < PORTRAIT_BELOW
    name = PLATFORM_PRESETS.get((platform or "").lower())
    if name is not None and (name in PORTRAIT_PRESETS) == portrait:
        return PRESETS[name]
    if portrait:
        return PRESETS["youtube-shorts"] if name == "youtube" else PRESETS["douyin"]
    return PRESETS["broadcast-16:9"]
