"""Times for rewrapped cues: pieces inside their source cue's span, then the gap rules.

A rewrap (see :mod:`.rewrap`) may not move text away from its time. So the pieces one
source cue is cut into share that cue's span, in proportion to their reading length, none
shorter than ``min_duration_ms`` (when the span is too short for that, pieces are merged
instead of flashing by), none longer than ``max_duration_ms``. Between source cues only the
gap rules move times: a cue shorter than the minimum, or than its reading time at
``max_cps``, is lengthened into the silence after it (by at most ``close_gap_ms`` past its
source cue's end, or past the minimum duration), a gap under the minimum is widened, one
under ``close_gap_ms`` closed to the minimum (within the same bound), and cues that overlap
in the source are left simultaneous.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> fit_pieces([10.0, 10.0], 0, 4000, rules_for("en-US"))
    ([(0, 1960), (2040, 4000)], None)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

from pipeline.subtitles.cues import Cue
from pipeline.subtitles.groups import Group
from pipeline.subtitles.markup import plain_lines
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import reading_length
from pipeline.subtitles.timing import SnapToFrames


def _merge_to_fit(lengths: Sequence[float], span: int, rules: CueRules) -> list[list[int]]:
    """Indexes of ``lengths`` grouped so that every group can last the minimum duration."""
    groups = [[k] for k in range(len(lengths))]
    # One millisecond more than the minimum each: the times are whole milliseconds.
    while len(groups) > 1 and len(groups) * (rules.min_duration_ms + 1) + (len(groups) - 1) * rules.min_gap_ms > span:
        j = min(range(len(groups) - 1), key=lambda j: sum(lengths[k] for k in groups[j] + groups[j + 1]))
        groups[j:j + 2] = [groups[j] + groups[j + 1]]
    return groups


def _durations(weights: Sequence[float], usable: float, floor: float) -> list[float]:
    """``usable`` ms shared in proportion to ``weights``, none under ``floor`` (water-filling)."""
    fixed: dict[int, float] = {}
    while True:
        free = [k for k in range(len(weights)) if k not in fixed]
        rest = usable - sum(fixed.values())
        total = sum(weights[k] for k in free) or 1.0
        shares = {k: rest * weights[k] / total for k in free}
        short = [k for k, d in shares.items() if d < floor]
        if not short:
            return [fixed.get(k, shares.get(k, floor)) for k in range(len(weights))]
        fixed.update(dict.fromkeys(short, floor))


def fit_pieces(lengths: Sequence[float], start: int, end: int, rules: CueRules,
               merge: bool = True) -> tuple[list[tuple[int, int]], list[list[int]] | None]:
    """Times for pieces of one source cue's text, inside ``start``-``end``.

    Args:
        lengths: each piece's reading length.
        start: the source cue's start.
        end: the source cue's end.
        rules: the duration and gap limits.
        merge: False to keep every piece even when the span cannot give each the minimum
            (a frame that must hold the lines): they then share it as evenly as it allows.

    Returns:
        ``(start, end)`` per piece, and None, or (when the span cannot give every piece the
        minimum duration) the groups of piece indexes merged into one cue each, whose times
        these are. A lone piece longer than ``max_duration_ms`` is shortened.
    """
    span = end - start
    groups = _merge_to_fit(lengths, span, rules) if merge else [[k] for k in range(len(lengths))]
    merged = groups if len(groups) < len(lengths) else None
    if len(groups) == 1:
        return [(start, min(end, start + rules.max_duration_ms))], merged
    weights = [max(sum(lengths[k] for k in group), 0.5) for group in groups]
    gap = rules.min_gap_ms
    usable = max(span - gap * (len(groups) - 1), len(groups))
    durations = _durations(weights, usable, min(rules.min_duration_ms + 1, usable / len(groups)))
    times, at = [], float(start)
    for duration in durations:  # floored: whole gaps, and at least the minimum each
        piece_end = at + duration
        times.append((math.floor(at), min(math.floor(piece_end), math.floor(at) + rules.max_duration_ms)))
        at = piece_end + gap
    times[-1] = (times[-1][0], min(end, times[-1][0] + rules.max_duration_ms))
    return times, merged


class _Times:
    """A cue's times, mutable, as the frame snapping rule reads and writes them."""

    __slots__ = ("end_ms", "start_ms")

    def __init__(self, start_ms: int, end_ms: int) -> None:
        self.start_ms, self.end_ms = start_ms, end_ms


def _snap(times: list[_Times], rules: CueRules) -> None:
    """Times on frames: the snapping rule where no cues overlap, else each time to its nearest frame."""
    if all(a.end_ms <= b.start_ms for a, b in zip(times, times[1:], strict=False)):
        rule = SnapToFrames(rules.fps, rules.min_gap_frames, rules.close_gap_ms, rules.max_duration_ms)
        rule.apply(cast(list[Group], times))
        return
    frame = 1000 / rules.fps
    for t in times:
        t.start_ms = math.ceil(round(t.start_ms / frame) * frame - 1e-6)
        t.end_ms = max(t.start_ms + 1, math.floor(round(t.end_ms / frame) * frame + 1e-6))


def space_cues(cues: Sequence[Cue], sources: Sequence[int], spans: Sequence[tuple[int, int]],
               rules: CueRules) -> list[Cue]:
    """The gap rules over rewrapped cues in time order (see the module).

    Args:
        cues: the pieces of every source cue, in source order.
        sources: the source cue of each piece (an index into ``spans``).
        spans: the source cues' ``(start, end)``.
        rules: the limits.
    """
    order = sorted(range(len(cues)), key=lambda k: (cues[k].start_ms, cues[k].end_ms))
    times = [_Times(cues[k].start_ms, cues[k].end_ms) for k in order]
    own = [spans[sources[k]] for k in order]
    floors = [min(rules.min_duration_ms, max(0, end - start)) for start, end in own]
    # The latest a cue may end: its source cue's end (or the minimum duration after its
    # start), plus a closed gap. The time it would like: the minimum, or its reading time.
    latest = [max(end, start + rules.min_duration_ms) + rules.close_gap_ms for start, end in own]
    wanted = [min(rules.max_duration_ms, max(rules.min_duration_ms, math.ceil(
        reading_length("".join(plain_lines(cues[k].lines)), rules.is_cjk) * 1000 / rules.max_cps))) for k in order]
    gap = rules.min_gap_ms
    for i, t in enumerate(times):
        nxt = times[i + 1] if i + 1 < len(times) else None
        if nxt is not None and nxt.start_ms < t.end_ms:  # overlapping in the source: keep them simultaneous
            continue
        room = min(latest[i], nxt.start_ms - gap if nxt else latest[i])
        if t.end_ms - t.start_ms < wanted[i]:
            t.end_ms = max(t.end_ms, min(t.start_ms + wanted[i], room))
        if nxt is None:
            continue
        space = nxt.start_ms - t.end_ms
        if space < gap:
            if nxt.start_ms - gap - t.start_ms >= floors[i]:
                t.end_ms = nxt.start_ms - gap
            elif nxt.end_ms - (t.end_ms + gap) >= floors[i + 1]:
                nxt.start_ms = t.end_ms + gap
        elif space < rules.close_gap_ms and room - t.start_ms <= rules.max_duration_ms and room == nxt.start_ms - gap:
            t.end_ms = room
    if rules.snap_to_frames:
        _snap(times, rules)
    return [Cue(t.start_ms, t.end_ms, cues[k].lines) for t, k in zip(times, order, strict=True)]
