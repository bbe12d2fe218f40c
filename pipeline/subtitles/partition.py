"""Cutting a run of tokens into cues: one dynamic programme, and the prices it compares.

The clause rule cuts at punctuation and the length rule anywhere, but both ask the same
question: which cut points give the cheapest pieces, where a piece costs
:data:`COST_PER_CUE` (so the fewest cues win) plus how full it is, and each cut costs the
break there. :func:`cheapest_cuts` answers it for both; they differ only in the pieces
they allow and how they price them.

Example:
    >>> cheapest_cuts(2, lambda j: (0, piece_costs([j] * j, 4)), [0.0, 0.0])  # two tokens of width 1
    []
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from pipeline.subtitles.costs import COST_CHINESE_PHRASE, flag_cost, pause_bonus, text_break_cost
from pipeline.subtitles.table import TokenTable

# Partition costs: one more cue costs more than any single bad break, so the fewest cues win.
COST_PER_CUE = 50.0
BALANCE_WEIGHT = 20.0


def piece_costs(widths: Sequence[float], capacity: float) -> list[float]:
    """The price of fitting pieces of these widths, for a cue holding ``capacity`` at most."""
    return [COST_PER_CUE + BALANCE_WEIGHT * (width / capacity) ** 2 for width in widths]


def cheapest_cuts(
    n: int,
    pieces: Callable[[int], tuple[int, list[float]]],
    breaks: list[float],
    resolve: Callable[[int], float | None] | None = None,
) -> list[int] | None:
    """The cheapest cuts of points ``0 .. n`` into pieces, as the inner points cut at (sorted).

    Args:
        n: the last point; pieces run from point ``i`` to point ``j > i``.
        pieces: for an end ``j``, ``(first, costs)``: the pieces ``(i, j)`` allowed are those
            with ``first <= i < j`` (a piece only grows when its start moves left, so the
            allowed starts are one range), and ``costs[i - first]`` is each one's price.
        breaks: the cost of cutting at each point (``breaks[0]`` is 0.0: no cut there).
            Changed in place where ``resolve`` gives a real cost.
        resolve: for breaks entered with a lower bound only (their real cost is costly to
            know, like jieba's), the real cost of the break at a point, or None where the
            entry is already exact. It is asked only when such a break would be chosen: a
            piece that loses with a lower bound loses with the real cost too, so the result
            is the one full pricing would give.

    Returns:
        The points cut at, or None when no partition into allowed pieces exists. Among
        equal totals the latest start of the last piece wins.
    """
    best = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for j in range(1, n + 1):
        first, prices = pieces(j)
        if first >= j:
            continue
        costs = [b + (p + k) for b, p, k in zip(best[first:j], prices, breaks[first:j], strict=True)]
        while True:
            cheapest = min(costs)
            pick = first + len(costs) - 1 - costs[::-1].index(cheapest)  # the latest start among equals
            real = resolve(pick) if resolve is not None else None
            if real is None:
                break
            breaks[pick] = real
            costs[pick - first] = best[pick] + (prices[pick - first] + real)
        best[j], back[j] = cheapest, pick
    if best[n] == math.inf:
        return None
    cuts, j = [], n
    while j:
        j = back[j]
        if j:
            cuts.append(j)
    return sorted(cuts)


def lazy_break_costs(table: TokenTable, a: int, b: int) -> tuple[list[float], dict[int, float]]:
    """Timed break costs before tokens[a+1:b] (local indexes, 0.0 first), with jieba left for later.

    Where the cost depends on jieba's word flags the list holds the lowest it can be (a
    phrase boundary) and the dict maps the index to its pause bonus; the real cost is
    ``max(0.0, flag_cost(*table.flags(k)) - bonus)``, what :meth:`TokenTable.timed_break_cost`
    gives. Why: jieba is the costliest step for Chinese and most of these breaks are never
    chosen.
    """
    text, space, starts, ends, jieba, cjk = table.text, table.space, table.start, table.end, table.jieba, table.cjk
    breaks = [0.0] * (b - a)
    pending: dict[int, float] = {}
    for k in range(a + 1, b):
        bonus = pause_bonus(starts[k] - ends[k - 1])
        cost = text_break_cost(text[k - 1], text[k], space[k], cjk)
        if cost is None:
            if jieba[k] is not None:
                pending[k - a] = bonus
                breaks[k - a] = max(0.0, COST_CHINESE_PHRASE - bonus)
                continue
            cost = flag_cost(table.glued[k], table.phrase[k])
        breaks[k - a] = max(0.0, cost - bonus)
    return breaks, pending


def line_reach(table: TokenTable, a: int, b: int, width: float, lines: int) -> list[int]:
    """reach[i]: the end of the longest run tokens[a+i : a+reach[i]] that fits on ``lines`` lines (local).

    Lines are filled greedily from the left, as :meth:`TokenTable.count_lines` fills them
    (a token wider than the line gets a line of its own), which needs the fewest lines.
    """
    prefix, gap = table.prefix, table.gap
    n = b - a
    # line_end[i]: :meth:`TokenTable.line_end` of a + i, found with two pointers in O(n)
    # instead of a bisection per token, as the length rule asks it of every token.
    line_end = list(range(1, n + 1)) + [n]
    k = a
    for i in range(a, b):
        if k <= i:
            k = i + 1
        limit = prefix[i] + gap[i] + width
        while k < b and prefix[k + 1] <= limit:
            k += 1
        line_end[i - a] = k - a
    reach = list(range(n + 1))
    for _ in range(lines):
        reach = [line_end[r] for r in reach]
    return reach


def fewest_cues(table: TokenTable, a: int, b: int, width: float, lines: int, max_duration_ms: int) -> int:
    """The fewest fitting cues tokens[a:b] can be cut into, breaking anywhere.

    Greedy: each cue takes tokens while they still fit (lines filled as
    :meth:`TokenTable.count_lines` fills them, speech no longer than ``max_duration_ms``).
    With speech in time order a part of a fitting cue fits too, so taking as much as fits
    never needs more cues than any other cut.
    """
    starts, ends = table.start, table.end
    cues, start = 0, a
    while start < b:
        cues += 1
        end = start
        for _ in range(lines):
            end = table.line_end(end, b, width)
            if end >= b:
                break
        if max(ends[start:end]) - starts[start] > max_duration_ms:
            last_end, limit = ends[start], starts[start] + max_duration_ms
            for k in range(start + 1, end):
                last_end = max(last_end, ends[k])
                if last_end > limit:
                    end = k
                    break
        start = end
    return cues
