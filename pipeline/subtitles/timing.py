"""The timing rules: each moves display times for one reason, and never regroups tokens.

They run after the regrouping rules, in order: keep short or dense cues up long enough to
read, make gaps at least two frames (and close short ones to exactly that), and end cues
at the longest duration.

Example:
    >>> ClampDuration(max_duration_ms=7000).name
    'clamp_duration'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from pipeline.subtitles.groups import Group


@dataclass(frozen=True)
class ExtendForReadingSpeed:
    """Keep short or dense cues up longer, into the following silence only.

    The target is the longer of ``min_duration_ms`` and the time needed to read the text at
    ``max_cps``; the end never passes the next cue's start minus ``min_gap_ms``, the end of
    the media, or ``max_duration_ms``. When speech is faster than that, the cue stays short:
    moving text away from its speech would be worse.
    """

    name: ClassVar[str] = "extend_for_reading_speed"
    max_cps: float = 20.0
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_ms: int = 80
    cjk: bool = False
    media_end_ms: int | None = None

    def apply(self, groups: list[Group]) -> list[Group]:
        # Limits in locals and min()/max() written as comparisons: this runs once per cue.
        cps, cjk, gap, media_end = self.max_cps, self.cjk, self.min_gap_ms, self.media_end_ms
        shortest, longest = self.min_duration_ms, self.max_duration_ms
        last = len(groups) - 1
        for i, group in enumerate(groups):
            target = math.ceil(group.table.reading_length(group.a, group.b, cjk) * 1000 / cps)
            if target < shortest:
                target = shortest
            limit = group.start_ms + (target if target < longest else longest)
            if i < last and groups[i + 1].start_ms - gap < limit:
                limit = groups[i + 1].start_ms - gap
            if media_end is not None and media_end < limit:
                limit = media_end
            if limit > group.end_ms:
                group.end_ms = limit
        return groups


@dataclass(frozen=True)
class CloseGaps:
    """Make every gap at least ``min_gap_ms`` and close gaps under ``close_gap_ms`` to exactly that.

    Overlaps (vendors' utterances sometimes overlap) are resolved by ending the earlier cue
    sooner, or, when it would vanish, by starting the later cue later.
    """

    name: ClassVar[str] = "close_gaps"
    min_gap_ms: int = 80
    close_gap_ms: int = 500
    max_duration_ms: int = 7000

    def apply(self, groups: list[Group]) -> list[Group]:
        min_gap, close_gap, longest = self.min_gap_ms, self.close_gap_ms, self.max_duration_ms
        for cur in groups:
            if cur.end_ms <= cur.start_ms:  # zero-length speech still needs a visible cue
                cur.end_ms = cur.start_ms + 1
        for cur, nxt in zip(groups, groups[1:], strict=False):
            gap = nxt.start_ms - cur.end_ms
            if gap < min_gap:
                cur.end_ms = max(cur.start_ms + 1, nxt.start_ms - min_gap)
                if nxt.start_ms < cur.end_ms + min_gap:
                    nxt.start_ms = cur.end_ms + min_gap
                    nxt.end_ms = max(nxt.end_ms, nxt.start_ms + 1)
            elif gap < close_gap:
                cur.end_ms = min(nxt.start_ms - min_gap, max(cur.end_ms, cur.start_ms + longest))
        return groups


@dataclass(frozen=True)
class ClampDuration:
    """End cues at ``max_duration_ms`` (only a single very long word can still exceed it)."""

    name: ClassVar[str] = "clamp_duration"
    max_duration_ms: int = 7000

    def apply(self, groups: list[Group]) -> list[Group]:
        longest = self.max_duration_ms
        for group in groups:
            if group.end_ms > group.start_ms + longest:
                group.end_ms = group.start_ms + longest
        return groups
