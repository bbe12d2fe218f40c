"""Gale–Church sentence alignment by length: which translated sentences render which source ones.

Gale and Church (1993) observed that a sentence and its translation have lengths in a
near-constant ratio, with a spread that grows with the length. For each candidate pairing
("bead") the cost is ``-log P(bead kind) - log P(|δ| or more)``, where ``δ`` is the length
difference in units of its expected spread, and a dynamic programme finds the cheapest chain
of beads over both texts. Bead kinds here: 1:1, 1:2, 2:1 (a sentence split or merged in
translation), 1:0 and 0:1 (a sentence with no counterpart).

Lengths are characters other than whitespace (:func:`~pipeline.translation.sentences.text_length`).
Chinese and English differ about threefold in characters, so both sides are first scaled to a
common unit by the text's own ratio, drawn towards the language pair's usual one when it is
given; a second pass takes the ratio from the first pass's 1:1 pairs, so a missing stretch
does not skew it. ``δ = (x - y) / sqrt(s2 · (x + y) / 2)`` on the scaled lengths, with the
paper's ``s2 = 6.8``.

The programme runs in a band around the diagonal the cumulative lengths draw (a few dozen
sentences wide), widened and rerun whenever the best path touches its edge, so a 10-hour
transcript aligns in seconds while a text with a long stretch missing still aligns exactly.

Every sentence of both texts is in exactly one bead, and beads keep both orders: nothing is
dropped or reordered. Each bead records its kind, its lengths and its length ratio (scaled
target over scaled source: 1.0 is the text's usual ratio); :func:`suspicious` says which ones
look wrong.

Example:
    >>> [b.kind for b in align_lengths([10, 12, 30], [31, 36, 44, 46])]
    ['1:1', '1:1', '1:2']
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

#: Prior probability of each bead kind: (source sentences, target sentences) -> P.
#: Gale and Church's table; their "2:2" is left out, 1:0 and 0:1 share the 0.0099 of "1-0 or 0-1",
#: 2:1 and 1:2 the 0.089 of "2-1 or 1-2".
PRIORS: dict[tuple[int, int], float] = {
    (1, 1): 0.89,
    (1, 2): 0.0445,
    (2, 1): 0.0445,
    (1, 0): 0.00495,
    (0, 1): 0.00495,
}
#: Variance of the length difference per unit of length (Gale and Church: 6.8 characters).
S2 = 6.8
#: Initial half-width of the band, in sentences.
BAND = 20
#: A ratio beyond this (or below its inverse) marks a pair as suspicious.
EXTREME_RATIO = 2.0
#: A length difference beyond this many spreads (|δ|; p < 0.003) marks a pair as suspicious.
EXTREME_DELTA = 3.0
#: Pairs shorter than this (scaled units, both sides) are too short for their ratio to mean much.
MIN_RATIO_LENGTH = 6.0
#: The second pass runs only when the 1:1 pairs' ratio differs from the first pass's by more
#: than this (as a log of the scale factor: about 1 % in the ratio).
REFINE_TOLERANCE = 0.005
#: How many sentences of evidence the language pair's usual ratio counts as (see ``_scales``).
PRIOR_WEIGHT = 5
_TINY = 1e-300


@dataclass(frozen=True)
class Bead:
    """One pairing of source sentences ``[src_start, src_end)`` with target ones ``[tgt_start, tgt_end)``.

    Attributes:
        kind: "1:1", "1:2", "2:1", "1:0" or "0:1" (source count : target count).
        source_length, target_length: their lengths (non-space characters).
        ratio: scaled target length over scaled source length; 1.0 is the text's usual ratio,
            None when a side is empty.
        delta: the length difference in units of its expected spread (Gale and Church's δ).
        cost: the bead's cost in the programme (lower is more likely).
    """

    src_start: int
    src_end: int
    tgt_start: int
    tgt_end: int
    kind: str
    source_length: int
    target_length: int
    ratio: float | None
    delta: float
    cost: float

    @property
    def forced(self) -> bool:
        """True for 1:0 and 0:1: a sentence the programme found no counterpart for."""
        return self.src_start == self.src_end or self.tgt_start == self.tgt_end


def suspicious(bead: Bead, extreme_ratio: float = EXTREME_RATIO, scale: tuple[float, float] = (1.0, 1.0),
               extreme_delta: float = EXTREME_DELTA) -> str | None:
    """Why ``bead`` looks wrong ("no translation", "length ratio 3.10" ...), or None when it looks right.

    ``scale`` is the alignment's (source, target) scaling, to judge the ratio of long-enough pairs only.
    """
    if bead.src_start == bead.src_end:
        return "translation sentence with no source sentence (0:1)"
    if bead.tgt_start == bead.tgt_end:
        return "source sentence with no translation (1:0)"
    assert bead.ratio is not None
    long_enough = min(bead.source_length * scale[0], bead.target_length * scale[1]) >= MIN_RATIO_LENGTH
    if long_enough and not 1 / extreme_ratio <= bead.ratio <= extreme_ratio:
        return f"length ratio {bead.ratio:.2f} (usual 1.0)"
    if bead.delta > extreme_delta:
        return f"lengths {bead.delta:.1f} spreads apart (ratio {bead.ratio:.2f})"
    return None


def _scales(source: Sequence[int], target: Sequence[int], expected_ratio: float | None = None) -> tuple[float, float]:
    """Factors that bring both sides to a common unit, so lengths of any two scripts compare.

    The ratio is the text's own (target total over source total), drawn towards
    ``expected_ratio`` (the language pair's usual one) as if that were :data:`PRIOR_WEIGHT`
    sentences of evidence: a short text says little about its own ratio.
    """
    total_s, total_t = sum(source), sum(target)
    if not total_s or not total_t:
        ratio = expected_ratio or 1.0
    elif expected_ratio:
        n = min(len(source), len(target))
        ratio = math.exp((PRIOR_WEIGHT * math.log(expected_ratio) + n * math.log(total_t / total_s)) / (PRIOR_WEIGHT + n))
    else:
        ratio = total_t / total_s
    return math.sqrt(ratio), 1 / math.sqrt(ratio)


def _match_cost(x: float, y: float) -> float:
    """``-log P(|δ| >= observed)`` for scaled lengths x and y (two-sided normal tail)."""
    mean = (x + y) / 2
    if mean <= 0:
        return 0.0
    z = abs(x - y) / math.sqrt(S2 * mean)
    return -math.log(max(math.erfc(z / math.sqrt(2)), _TINY))


def align_lengths(source: Sequence[int], target: Sequence[int], band: int = BAND,
                  expected_ratio: float | None = None) -> list[Bead]:
    """Align two sentence sequences given their lengths; returns the beads in order.

    Args:
        source: length of each source sentence.
        target: length of each translated sentence.
        band: initial half-width of the search band in sentences (widened as needed).
        expected_ratio: the language pair's usual length ratio (target over source), if known
            (:data:`~pipeline.translation.sentences.DENSITY`); None trusts the text alone.
    """
    n, m = len(source), len(target)
    if not n or not m:
        return [_bead(i, i + 1, 0, 0, source, target, (1.0, 1.0), 0.0) for i in range(n)] + \
               [_bead(0, 0, j, j + 1, source, target, (1.0, 1.0), 0.0) for j in range(m)]
    scale = _scales(source, target, expected_ratio)
    path = _banded(source, target, scale, band)
    # A missing stretch skews the ratio the totals give; the 1:1 pairs of a first pass give the
    # text's real one, and a second pass with it puts the 1:0 and 0:1 beads where they belong.
    ones = [(sum(source[i0:i1]), sum(target[j0:j1])) for i0, i1, j0, j1, _ in path if i1 - i0 == 1 == j1 - j0]
    refined = _scales([s for s, _ in ones], [t for _, t in ones], expected_ratio) if ones else scale
    if abs(math.log(refined[0] / scale[0])) > REFINE_TOLERANCE:
        scale, path = refined, _banded(source, target, refined, band)
    return [_bead(i0, i1, j0, j1, source, target, scale, cost) for i0, i1, j0, j1, cost in path]


def _banded(source: Sequence[int], target: Sequence[int], scale: tuple[float, float],
            band: int) -> list[tuple[int, int, int, int, float]]:
    """The programme in a band widened until the best path keeps off its edges."""
    n, m = len(source), len(target)
    width = max(band, 2, abs(n - m) + 2)
    while True:
        path, touched = _programme(source, target, scale, width)
        if not touched or width >= max(n, m):
            return path
        width *= 2


def _centres(source: Sequence[int], target: Sequence[int], n: int, m: int) -> list[int]:
    """For each source position, the target position whose cumulative length share is nearest."""
    cum_s = list(accumulate(source, initial=0))
    cum_t = list(accumulate(target, initial=0))
    total_s, total_t = cum_s[-1] or 1, cum_t[-1] or 1
    centres = []
    for i in range(n + 1):
        want = cum_s[i] / total_s * total_t
        centres.append(min(m, bisect_left(cum_t, want)))
    return centres


def _programme(source: Sequence[int], target: Sequence[int], scale: tuple[float, float],
               width: int) -> tuple[list[tuple[int, int, int, int, float]], bool]:
    """The cheapest bead chain inside the band; also whether it touched the band's edge.

    The module's one hot spot (about 60 cells per sentence, five beads each): the five moves
    are written out, the cells of a row live in a dict keyed by target position, and the
    lengths are scaled once.
    """
    n, m = len(source), len(target)
    xs = [length * scale[0] for length in source]
    ys = [length * scale[1] for length in target]
    p11, p12, p21, p10, p01 = (-math.log(PRIORS[k]) for k in ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1)))
    centres = _centres(source, target, n, m)
    lows = [max(0, c - width) for c in centres]
    highs = [min(m, c + width) for c in centres]
    lows[0], highs[n] = 0, m  # the corners (0, 0) and (n, m) are always inside
    lows[n] = min(lows[n], m)
    cost: list[dict[int, float]] = [{} for _ in range(n + 1)]
    back: list[dict[int, tuple[int, int]]] = [{} for _ in range(n + 1)]
    cost[0][0] = 0.0
    log, sqrt, erfc, half_s2, root_half = math.log, math.sqrt, math.erfc, S2 / 2, math.sqrt(0.5)
    empty: dict[int, float] = {}

    def match(x: float, y: float) -> float:
        mean = x + y
        if mean <= 0:
            return 0.0
        return -log(max(erfc(abs(x - y) / sqrt(half_s2 * mean) * root_half), _TINY))

    # The 1:0 and 0:1 costs depend on one sentence only: once per sentence, not per cell.
    deletions = [p10 + match(x, 0.0) for x in xs]
    insertions = [p01 + match(0.0, y) for y in ys]
    for i in range(n + 1):
        row, row_back = cost[i], back[i]
        deletion = deletions[i - 1] if i >= 1 else 0.0
        up = cost[i - 1] if i >= 1 else empty
        up2 = cost[i - 2] if i >= 2 else empty
        x1 = xs[i - 1] if i >= 1 else 0.0
        x2 = x1 + xs[i - 2] if i >= 2 else 0.0
        for j in range(lows[i], highs[i] + 1):
            best, move = math.inf, (0, 0)
            y1 = ys[j - 1] if j >= 1 else 0.0
            if j >= 1:
                previous = up.get(j - 1)
                if previous is not None and (c := previous + p11 + match(x1, y1)) < best:
                    best, move = c, (1, 1)
                previous = row.get(j - 1)
                if previous is not None and (c := previous + insertions[j - 1]) < best:
                    best, move = c, (0, 1)
                previous = up2.get(j - 1)
                if previous is not None and (c := previous + p21 + match(x2, y1)) < best:
                    best, move = c, (2, 1)
                if j >= 2:
                    previous = up.get(j - 2)
                    if previous is not None and (c := previous + p12 + match(x1, y1 + ys[j - 2])) < best:
                        best, move = c, (1, 2)
            previous = up.get(j)
            if previous is not None and (c := previous + deletion) < best:
                best, move = c, (1, 0)
            if best < math.inf:
                row[j] = best
                row_back[j] = move
    path: list[tuple[int, int, int, int, float]] = []
    touched = False
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        if (j == lows[i] and lows[i] > 0) or (j == highs[i] and highs[i] < m):
            touched = True
        path.append((i - di, i, j - dj, j, cost[i][j] - cost[i - di][j - dj]))
        i, j = i - di, j - dj
    path.reverse()
    return path, touched


def _bead(i0: int, i1: int, j0: int, j1: int, source: Sequence[int], target: Sequence[int],
          scale: tuple[float, float], cost: float) -> Bead:
    src_len, tgt_len = sum(source[i0:i1]), sum(target[j0:j1])
    x, y = src_len * scale[0], tgt_len * scale[1]
    ratio = y / x if src_len and tgt_len else None
    delta = abs(x - y) / math.sqrt(S2 * (x + y) / 2) if x + y > 0 else 0.0
    return Bead(i0, i1, j0, j1, f"{i1 - i0}:{j1 - j0}", src_len, tgt_len, ratio, delta, cost)


def scales(source: Sequence[int], target: Sequence[int], expected_ratio: float | None = None) -> tuple[float, float]:
    """The (source, target) length scaling :func:`align_lengths` uses for these lengths."""
    return _scales(source, target, expected_ratio)


__all__ = ["BAND", "EXTREME_DELTA", "EXTREME_RATIO", "PRIORS", "PRIOR_WEIGHT", "S2", "Bead", "align_lengths", "scales", "suspicious"]
