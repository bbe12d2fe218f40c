"""How wide a piece of text is on a line, and how wide a line may be.

The wrapper and the regrouping rules never count characters themselves: they ask a
measure for each token's width and the width of a space, and compare sums with the
measure's line limit. Delivery files (SRT/WebVTT for players) are measured in characters,
as the Netflix limits are stated; burn-in plugs in a measure of pixels of the font libass
will use, and the rules do not change.

Characters are counted as players draw them: in half-width columns, a full-width character
(Han, kana, an emoji) taking two. The Netflix Chinese and Japanese guides state their limits
in full-width characters with a half-width one counting 0.5, so a CJK language's limit is
twice its ``max_chars_per_line`` in columns; elsewhere the limit is in half-width characters.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> CHARACTERS.widths(["你好", "ab"]), CHARACTERS.line_limit(rules_for("zh-CN"))
    ([4, 2], 32)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import text_columns


class _Columns(dict[str, int]):
    """Token text -> :func:`~pipeline.subtitles.text.text_columns`, filled on first sight (tokens repeat)."""

    def __missing__(self, text: str) -> int:
        self[text] = text_columns(text)
        return self[text]


_COLUMNS = _Columns()


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
    """Widths in half-width columns: a full-width grapheme cluster counts 2, any other 1.

    ASCII text (most English) is its length; anything else is counted per token once.
    """

    space_width: int = 1

    def widths(self, texts: Sequence[str]) -> list[int]:
        return self.widths_and_ascii(texts)[0]

    def widths_and_ascii(self, texts: Sequence[str]) -> tuple[list[int], bool]:
        """:meth:`widths`, and whether all ``texts`` are ASCII without a newline (widths are lengths)."""
        joined = "".join(texts)
        if joined.isascii():
            return list(map(len, texts)), "\n" not in joined
        return list(map(_COLUMNS.__getitem__, texts)), False

    def line_limit(self, rules: CueRules) -> int:
        """``max_chars_per_line`` in columns: full-width characters (two columns each) in CJK languages."""
        return rules.max_chars_per_line * (2 if rules.is_cjk else 1)


def columns_per_character(measure: WidthMeasure, rules: CueRules) -> int:
    """How many of ``measure``'s units make one character of ``max_chars_per_line``: 2 for
    :class:`CharacterCount` in a CJK language (columns, full-width characters), else 1.

    For messages that speak of characters, as the rules do.
    """
    return 2 if isinstance(measure, CharacterCount) and rules.is_cjk else 1


#: The measure for delivery files: ``CueRules.max_chars_per_line`` characters per line.
CHARACTERS = CharacterCount()
