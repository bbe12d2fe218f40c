"""How wide a piece of text is on a line, and how wide a line may be.

The wrapper and the regrouping rules never count characters themselves: they ask a
measure for each token's width and the width of a space, and compare sums with the
measure's line limit. Delivery files (SRT/WebVTT for players) are measured in characters,
as the Netflix limits are stated; burn-in plugs in a measure of pixels of the font libass
will use, and the rules do not change.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> CHARACTERS.widths(["你好", "ab"]), CHARACTERS.line_limit(rules_for("zh-CN"))
    ([2, 2], 16)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.subtitles.rules import CueRules


class WidthMeasure(Protocol):
    """Widths of token texts in one unit (characters, pixels ...), and the line limit in it."""

    @property
    def space_width(self) -> float:
        """The width of the space shown between two tokens that had one."""
        ...

    def widths(self, texts: Sequence[str]) -> Sequence[float]:
        """The width of each text, in order."""
        ...

    def line_limit(self, rules: CueRules) -> float:
        """The widest line allowed under ``rules``, in this measure's unit."""
        ...


@dataclass(frozen=True)
class CharacterCount:
    """Every character counts 1, a CJK character too, as the per-line limits assume."""

    space_width: int = 1

    def widths(self, texts: Sequence[str]) -> list[int]:
        return list(map(len, texts))

    def line_limit(self, rules: CueRules) -> int:
        return rules.max_chars_per_line


#: The measure for delivery files: ``CueRules.max_chars_per_line`` characters per line.
CHARACTERS = CharacterCount()
