"""The timing rules: each moves display times for one reason, and never regroups tokens.

They run after the regrouping rules, in order: start a cue that cannot stay up long enough
earlier, into the silence before it, then keep short or dense cues up long enough to read, make gaps at least two frames (and close short ones to exactly that), end cues at the
longest duration and, when asked, put every time on a frame of the video.

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
class LeadIntoSilence:
    """Start a cue earlier, into the silence before it, when it cannot stay up long enough after its start.

    Why: a cue whose words have zero-length or identical times (a vendor's alignment
    failing) would otherwise flash for 20 ms with 30 characters on it while the two seconds
    before it are silent. Extending the end comes first (:class:`ExtendForReadingSpeed` runs
    after this rule, so this one asks how far the end can go before the next cue, the end of
    the media and the longest duration); only what is still missing of the reading time is
    taken from before the start, never closer than ``min_gap_ms`` to the previous cue's
    speech. By at most ``max_lead_ms`` (about 12 frames, as far as Netflix lets an out-time
    pass the audio), or without that cap when the speech times cannot be real: faster than
    ``implausible_factor`` times the reading speed.
    """

    name: ClassVar[str] = "lead_into_silence"
    max_cps: float = 20.0
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_ms: int = 80
    cjk: bool = False
    media_end_ms: int | None = None
    max_lead_ms: int = 500
    implausible_factor: float = 3.0

    def apply(self, groups: list[Group]) -> list[Group]:
        # Limits in locals and min() written as comparisons: this runs once per cue.
        gap, media_end, last, cps, cjk = self.min_gap_ms, self.media_end_ms, len(groups) - 1, self.max_cps, self.cjk
        shortest, longest = self.min_duration_ms, self.max_duration_ms
        for i, group in enumerate(groups):
            chars = group.table.reading_length(group.a, group.b, cjk)
            target = math.ceil(chars * 1000 / cps)
            if target < shortest:
                target = shortest
            if target > longest:
                target = longest
            if group.end_ms - group.start_ms >= target:
                continue  # the speech itself lasts long enough
            reach = group.start_ms + target
            if i < last and groups[i + 1].start_ms - gap < reach:
                reach = groups[i + 1].start_ms - gap
            if media_end is not None and media_end < reach:
                reach = media_end
            missing = target - (max(reach, group.end_ms) - group.start_ms)
            if missing <= 0:
                continue
            speech_ms = group.end_ms - group.start_ms
            implausible = chars * 1000 > self.implausible_factor * self.max_cps * max(speech_ms, 1)
            lead = missing if implausible else min(missing, self.max_lead_ms)
            earliest = groups[i - 1].end_ms + gap if i > 0 else 0
            start = max(earliest, group.start_ms - lead)
            if start < group.start_ms:
                group.start_ms = start
        return groups


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
    sooner, or, when it would vanish, by starting the later cue later. ``fps`` is not used
    here: it is the frame rate ``min_gap_ms`` was counted in, kept so the recipe says which
    video the gaps were made for.
    """

    name: ClassVar[str] = "close_gaps"
    min_gap_ms: int = 80
    close_gap_ms: int = 500
    max_duration_ms: int = 7000
    fps: float | None = None

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


@dataclass(frozen=True)
class SnapToFrames:
    """Put every start and end on a frame boundary of a ``fps`` video, keeping the gap rules in frames.

    Why: an editor importing the file, or a renderer drawing it, shows a cue from a frame
    on, so a time between two frames means whichever frame rounding picks; snapped, the
    file says exactly which frames carry the cue. Each time goes to the nearest frame, then:
    a cue keeps at least one frame, never outlasts ``max_duration_ms``, leaves at least
    ``min_gap_frames`` frames before the next cue, and a gap :class:`CloseGaps` closed
    (shorter than ``close_gap_ms``) is again exactly ``min_gap_frames`` frames.

    Frame ``k`` begins at ``k * 1000 / fps`` ms, rarely a whole millisecond: starts are
    written rounded up and ends rounded down (a closed gap's end as the next start minus
    ``ceil(min_gap_frames * 1000 / fps)``), each within a millisecond of its frame, so the
    gaps in milliseconds are never shorter than the frames they stand for.
    """

    name: ClassVar[str] = "snap_to_frames"
    fps: float = 25.0
    min_gap_frames: int = 2
    close_gap_ms: int = 500
    max_duration_ms: int = 7000

    def apply(self, groups: list[Group]) -> list[Group]:
        frames = self._frame_spans(groups)
        frame_ms = 1000 / self.fps
        gap_ms = math.ceil(self.min_gap_frames * frame_ms)
        # Float products like 30 * 1000 / (30000 / 1001) land a hair off 1001: round those back.
        starts = [math.ceil(start * frame_ms - 1e-6) for start, _ in frames]
        for i, (group, (_, end)) in enumerate(zip(groups, frames, strict=True)):
            group.start_ms = starts[i]
            exact_gap = i + 1 < len(frames) and frames[i + 1][0] - end == self.min_gap_frames
            group.end_ms = starts[i + 1] - gap_ms if exact_gap else math.floor(end * frame_ms + 1e-6)
        return groups

    def _frame_spans(self, groups: list[Group]) -> list[tuple[int, int]]:
        """(first frame, frame after the last) of each cue, with the frame rules applied in order."""
        to_frame = self.fps / 1000
        longest = max(1, math.floor(self.max_duration_ms * to_frame + 1e-6))
        spans: list[tuple[int, int]] = []
        for i, group in enumerate(groups):
            start = math.floor(group.start_ms * to_frame + 0.5)
            end = math.floor(group.end_ms * to_frame + 0.5)
            if spans:
                start = max(start, spans[-1][1] + self.min_gap_frames)
            end = min(max(end, start + 1), start + longest)
            if i + 1 < len(groups):
                following = groups[i + 1]
                latest = math.floor(following.start_ms * to_frame + 0.5) - self.min_gap_frames
                if following.start_ms - group.end_ms < self.close_gap_ms or end > latest:
                    end = min(max(latest, start + 1), start + longest)
            spans.append((start, end))
        return spans
