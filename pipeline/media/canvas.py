"""The picture subtitles are burned into: its size as filters see it, its pixels' shape, its frame rate.

ffmpeg turns a picture with a 90° or 270° display matrix before any filter runs, so libass
draws on the *shown* frame: a phone file stored 1920x1080 with rotation 90 is a 1080x1920
canvas. Non-square pixels (sample aspect ≠ 1, e.g. 1440x1080 HDV shown as 1920x1080) stay
non-square in the filter, so text is narrowed by the sample aspect to look right when shown.

Example:
    >>> Canvas(1080, 1920).aspect_name
    '9:16'
    >>> Rect(54, 192, 886, 1536).width
    832
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pipeline.errors import InputError
from pipeline.media.probe import MediaInfo

#: The frame rate assumed when the video does not say (variable-rate files often report none).
DEFAULT_FPS = 25.0


@dataclass(frozen=True)
class Rect:
    """A pixel rectangle of the canvas: ``left <= x < right``, ``top <= y < bottom``."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def contains(self, other: Rect) -> bool:
        return (self.left <= other.left and self.top <= other.top
                and other.right <= self.right and other.bottom <= self.bottom)


@dataclass(frozen=True)
class Canvas:
    """The frame libass draws on.

    Attributes:
        width: pixels across, after rotation (the filter's frame).
        height: pixels down, after rotation.
        sample_aspect: the shape of one pixel (width / height); 1 for square pixels.
        frame_rate: frames per second (``DEFAULT_FPS`` when the file does not say).
        rotation: the display rotation the file carries (0, 90, 180, 270), already applied.
    """

    width: int
    height: int
    sample_aspect: float = 1.0
    frame_rate: float = DEFAULT_FPS
    rotation: int = 0

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise InputError(f"frame {self.width}x{self.height}: give a video with a picture")
        if self.sample_aspect <= 0 or self.frame_rate <= 0:
            raise InputError(f"sample aspect {self.sample_aspect} and frame rate {self.frame_rate}: must be positive")

    @classmethod
    def of(cls, info: MediaInfo) -> Canvas:
        """The canvas of the first picture stream of a probed file."""
        for stream in info.video_streams:
            size = stream.display_size
            if size:
                return cls(size[0], size[1], stream.sample_aspect, stream.frame_rate or DEFAULT_FPS, stream.rotation)
        raise InputError(f"{info.path}: has no video stream; burn-in needs a video")

    @property
    def shown_width(self) -> float:
        """The width as shown on a square-pixel screen."""
        return self.width * self.sample_aspect

    @property
    def aspect(self) -> float:
        """Shown width over height: 0.5625 for 9:16, 1.778 for 16:9."""
        return self.shown_width / self.height

    @property
    def aspect_name(self) -> str:
        """The nearest small ratio, e.g. ``"9:16"``, ``"16:9"``, ``"4:3"``."""
        ratio = Fraction(self.aspect).limit_denominator(20)
        return f"{ratio.numerator}:{ratio.denominator}"

    @property
    def short_side(self) -> float:
        """The shorter of the shown sides: the natural unit for a font size on any orientation."""
        return min(self.shown_width, self.height)

    def full(self) -> Rect:
        return Rect(0, 0, self.width, self.height)
