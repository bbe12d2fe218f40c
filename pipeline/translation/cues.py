"""The translation's own cues: cut by the target language's rules, kept inside their source span.

``build_cues`` cuts the timed translation (:func:`~pipeline.translation.timing.timed_translation`)
under the target language's rules (line width, lines, reading speed). Its timing rules may
stretch a cue for reading speed past the speech it renders; here each cue is then held inside
the time span of the source sentences its words were laid over, so a translated cue never
shows while other source speech is heard. Clamping only shrinks cues, so the builder's order
and gaps stay; only cues that no longer fit their span at all (a translation far longer than
its speech) are laid out again over it, in proportion.

Example:
    >>> from pipeline.subtitles.cues import Cue
    >>> from pipeline.transcript import Word
    >>> from pipeline.translation.timing import TimedGroup
    >>> clamp_to_groups([Cue(0, 3000, ("Hi",), (Word("Hi", 300, 1500),))], [TimedGroup(0, 1, 0, 1, 200, 2000)])
    [Cue(start_ms=200, end_ms=2000, lines=('Hi',))]
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import replace

from pipeline.subtitles.chain import build_cues
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.rules import CueRules
from pipeline.transcript import Transcript
from pipeline.translation.timing import TimedGroup


def _windows(cues: Sequence[Cue], groups: Sequence[TimedGroup]) -> list[tuple[int, int]]:
    """For each cue, the span of the groups its words were laid over (its own times without words)."""
    timed = [g for g in groups if g.tgt_start < g.tgt_end]
    starts = [g.start_ms for g in timed]
    ends = [g.end_ms for g in timed]
    windows = []
    for cue in cues:
        if not cue.words or not timed:
            windows.append((cue.start_ms, cue.end_ms))
            continue
        first = min(w.start_ms for w in cue.words)
        last = max(w.end_ms for w in cue.words)
        lo = timed[max(0, bisect_right(starts, first) - 1)].start_ms
        hi = timed[min(len(timed) - 1, bisect_left(ends, last))].end_ms
        windows.append((min(lo, first), max(hi, last)))
    return windows


def _clamped(run: Sequence[Cue], lo: int, hi: int, after: int) -> list[tuple[int, int]] | None:
    """The run's cues cut to ``[max(lo, after), hi]``; None when that leaves one empty or out of order."""
    times, previous = [], max(lo, after)
    for cue in run:
        start, end = max(cue.start_ms, lo, previous), min(cue.end_ms, hi)
        if end <= start:
            return None
        times.append((start, end))
        previous = end
    return times


def _squeezed(run: Sequence[Cue], lo: int, hi: int, gap: int) -> list[tuple[int, int]]:
    """The run laid out over ``[lo, hi]`` in proportion to the cues' own durations, ``gap`` apart.

    Every cue gets at least a millisecond; the rest of the room is shared in proportion.
    """
    count = len(run)
    gap = max(0, min(gap, (hi - lo) // (2 * count)))
    room = hi - lo - gap * (count - 1)
    if room < count:
        gap, room = 0, hi - lo
    spare = max(0, room - count)
    weights = [max(1, cue.end_ms - cue.start_ms) for cue in run]
    total = sum(weights)
    times: list[tuple[int, int]] = []
    start, used = lo, 0
    for number, weight in enumerate(weights, start=1):
        used += weight
        end = lo + gap * (number - 1) + number + round(spare * used / total)
        times.append((start, end))
        start = end + gap
    return times


def clamp_to_groups(cues: Sequence[Cue], groups: Sequence[TimedGroup], min_gap_ms: int = 0) -> list[Cue]:
    """Each cue cut to the span of the groups its words lie in.

    Cues that share a span and no longer fit in it once cut (a translation far longer than its
    speech) are laid out over that span in proportion to their durations, ``min_gap_ms`` apart
    where there is room; when even that span is too short, it is joined with the span before.
    """
    windows = _windows(cues, groups)
    runs: list[tuple[int, int, list[Cue]]] = []  # (lo, hi, cues) with one window each
    for cue, (lo, hi) in zip(cues, windows, strict=True):
        if runs and runs[-1][:2] == (lo, hi):
            runs[-1][2].append(cue)
        else:
            runs.append((lo, hi, [cue]))
    placed: list[tuple[int, int, list[Cue], list[tuple[int, int]]]] = []
    for lo, hi, run in runs:
        while True:
            after = placed[-1][3][-1][1] + min_gap_ms if placed else lo
            times = _clamped(run, lo, hi, after)
            if times is None and (hi - max(lo, after) >= len(run) or not placed):
                times = _squeezed(run, max(lo, after) if placed else lo, hi, min_gap_ms)
            if times is not None:
                placed.append((lo, hi, run, times))
                break
            lo, _, before, _ = placed.pop()  # no room left: share the span before
            run = before + run
    return [cue if (start, end) == (cue.start_ms, cue.end_ms) else replace(cue, start_ms=start, end_ms=end)
            for _, _, run, times in placed for cue, (start, end) in zip(run, times, strict=True)]


def translation_cues(transcript: Transcript, groups: Sequence[TimedGroup], rules: CueRules) -> list[Cue]:
    """``build_cues`` under the target's ``rules``, each cue held inside its source span."""
    return clamp_to_groups(build_cues(transcript, rules), groups, rules.min_gap_ms)


__all__ = ["clamp_to_groups", "translation_cues"]
