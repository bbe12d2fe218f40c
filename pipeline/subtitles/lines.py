"""Line breaking: a cue's tokens on as few lines as possible, each within the width, breaking well.

Lines are chosen by the cheapest breaks (after punctuation, before conjunctions, at jieba
word boundaries, at pauses; see :mod:`~pipeline.subtitles.costs`) and, for two lines, a
slightly longer bottom line (Netflix's "pyramid"). Widths are in the table's measure, so
the same code wraps characters for players and pixels for burn-in.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> wrap_text("如果您没有其他需要举报的话，这边就先挂断了", rules_for("zh-CN"))
    ('如果您没有其他需要举报的话，', '这边就先挂断了')
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence

from pipeline.subtitles.costs import (
    COST_CHINESE_PHRASE,
    MAX_PAUSE_BONUS,
    flag_cost,
    lowest_flag_cost,
    text_break_cost,
)
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.table import TokenTable

# Above this many tokens the exact layout for three or more lines is not searched (it is
# quadratic per line); such a cue is far over any limit anyway and the linter flags it.
MAX_BALANCED_TOKENS = 400


#: ``bottom_heavy`` -> (cost per unit of a longer bottom line, per unit of a longer top line,
#: cost of a top line at least as long as the bottom one) for :func:`pair_balance`.
BALANCE_SLOPES = {True: (1.0, 4.0, 0.5), False: (2.0, 2.0, 0.0)}


def pair_balance(diff: float, bottom_heavy: bool) -> float:
    """Cost of two stacked lines whose widths differ by ``diff`` (top minus bottom, over the line width).

    Balanced is best, ideally with the bottom line a little longer. Measured as a fraction
    of the line width (7 characters matter more in a 16-wide Chinese line than in a 42-wide
    English one) and weak on purpose: a break after punctuation or at a phrase boundary
    matters more than the shape.
    """
    below, above, offset = BALANCE_SLOPES[bottom_heavy]
    return diff * above + offset if diff >= 0 else -diff * below


def best_two_lines(table: TokenTable, a: int, b: int, width: float, bottom_heavy: bool) -> int | None:
    """Index of the best break of tokens[a:b] into two lines, or None when no break fits.

    Only breaks where both lines fit are priced: ``k`` in ``[lo, hi]`` (the top line grows
    and the bottom one shrinks with ``k``; a single token may overflow its line). A break
    costs at least its balance, which only grows away from the most balanced break, so
    breaks are visited from there outwards in order of balance, and the scan stops when the
    next balance alone loses to the best break found. Breaks whose cost needs jieba are
    priced last, cheapest bound first, and only while their bound could still win: after a
    comma or at a pause that is rarely so, and jieba is the costliest step for Chinese.
    The result is the same as pricing every break: the cheapest, the first among equals.
    """
    prefix, gap, text, space, starts, ends, jieba, cjk = (
        table.prefix, table.gap, table.text, table.space, table.start, table.end, table.jieba, table.cjk,
    )  # fmt: skip
    base = prefix[a] + gap[a]  # prefix[k] - base = width of tokens[a:k]
    total = prefix[b] - base
    hi = table.line_end(a, b, width)
    if hi >= b:
        hi = b - 1
    # The bottom line fits from about here (the space before tokens[k] is at most max_gap wide).
    lo = bisect_left(prefix, prefix[b] - width - table.max_gap, a + 1, b)
    if lo >= b:
        lo = b - 1
    while lo < b - 1 and prefix[b] - prefix[lo] - gap[lo] > width:
        lo += 1
    if lo > hi:
        return None

    # pair_balance(diff, bottom_heavy) written out with its slopes, diff being
    # (top - bottom) / width = (2 * (prefix[k] - base) - total + gap[k]) / width: this runs for
    # every break visited; tests check the result against pricing every break with pair_balance.
    below, above, offset = BALANCE_SLOPES[bottom_heavy]

    # The first break whose top line is at least as wide as its bottom line; the balance
    # falls before it and grows from it on.
    middle = bisect_left(prefix, base + (total - table.max_gap) / 2, lo, hi + 1)
    while middle <= hi and 2 * (prefix[middle] - base) - total + gap[middle] < 0:
        middle += 1
    inf = math.inf
    left, right = middle - 1, middle
    left_balance = -(2 * (prefix[left] - base) - total + gap[left]) / width * below if left >= lo else inf
    right_balance = (2 * (prefix[right] - base) - total + gap[right]) / width * above + offset if right <= hi else inf
    best_cost, best_k = inf, -1
    deferred: list[tuple[float, int, float, float]] = []  # (lowest total, k, pause bonus, balance)
    while left >= lo or right <= hi:
        if left_balance <= right_balance:
            k, shape = left, left_balance
            left -= 1
            left_balance = -(2 * (prefix[left] - base) - total + gap[left]) / width * below if left >= lo else inf
        else:
            k, shape = right, right_balance
            right += 1
            right_balance = (2 * (prefix[right] - base) - total + gap[right]) / width * above + offset if right <= hi else inf
        if shape > best_cost:
            break  # every break left costs at least its balance, which is higher still
        # pause_bonus() and max(0.0, ...) written out as comparisons, for the same reason.
        excess = starts[k] - ends[k - 1] - 40
        bonus = 0.0 if excess <= 0 else (MAX_PAUSE_BONUS if excess >= MAX_PAUSE_BONUS * 25 else excess / 25)
        cost = text_break_cost(text[k - 1], text[k], space[k], cjk)
        if cost is None:
            if jieba[k] is not None:
                deferred.append((max(0.0, COST_CHINESE_PHRASE - bonus) + shape, k, bonus, shape))
                continue
            cost = flag_cost(table.glued[k], table.phrase[k])
        cost -= bonus
        cost = (cost if cost > 0.0 else 0.0) + shape
        if cost < best_cost or (cost == best_cost and k < best_k):
            best_cost, best_k = cost, k
    for lowest, k, bonus, shape in sorted(deferred) if deferred else ():
        if lowest > best_cost:
            break  # sorted: the rest cannot be cheaper either
        if lowest == best_cost and k > best_k:
            continue  # cannot be cheaper, nor as cheap and earlier
        # A tighter bound from the text around the break, then jieba itself.
        words = jieba[k]
        assert words is not None  # deferred only where jieba decides
        lowest = max(0.0, lowest_flag_cost(words, table.offset[k]) - bonus) + shape
        if lowest > best_cost or (lowest == best_cost and k > best_k):
            continue
        cost = max(0.0, flag_cost(*table.flags(k)) - bonus) + shape
        if cost < best_cost or (cost == best_cost and k < best_k):
            best_cost, best_k = cost, k
    return None if best_k < 0 else best_k


def best_n_lines(table: TokenTable, a: int, b: int, width: float, lines: int) -> list[int] | None:
    """Break indexes for exactly ``lines`` lines (3+), balancing widths by squared deviation."""
    n = b - a
    target = table.width(a, b) / lines
    inf = math.inf
    # best[l][j]: cheapest way to set tokens[a:a+j] on l lines; back[l][j]: where the last line starts.
    best = [[inf] * (n + 1) for _ in range(lines + 1)]
    back = [[0] * (n + 1) for _ in range(lines + 1)]
    best[0][0] = 0.0
    for line in range(1, lines + 1):
        for j in range(line, n + 1):
            for i in range(line - 1, j):
                if best[line - 1][i] == inf or not table.fits_lines(a + i, a + j, width, 1):
                    continue
                cost = best[line - 1][i] + ((table.width(a + i, a + j) - target) ** 2) / max(target, 1)
                if i:
                    cost += table.timed_break_cost(a + i)
                if cost < best[line][j]:
                    best[line][j], back[line][j] = cost, i
    if best[lines][n] == inf:
        return None
    cuts, j = [], n
    for line in range(lines, 0, -1):
        j = back[line][j]
        cuts.append(a + j)
    return sorted(cuts)[1:]


def _lines_at(table: TokenTable, a: int, b: int, cuts: Sequence[int]) -> tuple[str, ...]:
    edges = [a, *cuts, b]
    return tuple([table.join(i, j) for i, j in zip(edges, edges[1:], strict=False)])


def _greedy_cuts(table: TokenTable, a: int, b: int, width: float) -> list[int]:
    cuts, end = [], table.line_end(a, b, width)
    while end < b:
        cuts.append(end)
        end = table.line_end(end, b, width)
    return cuts


def wrap_range(table: TokenTable, a: int, b: int, width: float, max_lines: int, bottom_heavy: bool = True) -> tuple[str, ...]:
    """Lay tokens[a:b] out on as few lines as possible (never more than needed), breaking well.

    When they cannot fit on ``max_lines`` lines the result has more lines: the cue builder
    splits cues so that does not happen; the linter reports it otherwise.
    """
    if b <= a:
        return ()
    if table.fits_lines(a, b, width, 1):
        return (table.join(a, b),)
    # Most cues that do not fit on one line need two. Asking for the best two-line break
    # first skips counting lines: it finds one exactly when two lines are the fewest needed.
    k = best_two_lines(table, a, b, width, bottom_heavy)
    if k is not None:
        return (table.join(a, k), table.join(k, b))
    needed = table.count_lines(a, b, width)  # more than two
    for lines in range(needed, max(max_lines, needed) + 1):
        cuts = best_n_lines(table, a, b, width, lines) if b - a <= MAX_BALANCED_TOKENS else None
        if cuts is not None:
            return _lines_at(table, a, b, cuts)
    return _lines_at(table, a, b, _greedy_cuts(table, a, b, width))


def wrap_text(text: str, rules: CueRules, measure: WidthMeasure = CHARACTERS) -> tuple[str, ...]:
    """Break plain ``text`` into lines under ``rules`` (width, line count, pyramid preference)."""
    table = TokenTable.from_text(
        text, rules.is_chinese, measure, rules.is_cjk, rules.is_japanese, measure.line_limit(rules)
    )
    return wrap_range(table, 0, len(table), measure.line_limit(rules), rules.max_lines, rules.bottom_heavy)
