"""Line breaking (pipeline.subtitles.lines): the fast two-line search against pricing every break."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles.lines import best_two_lines, pair_balance, wrap_range
from pipeline.subtitles.table import TokenTable

HAN = "如果您没有其他需要举报的话这边就先挂断了今天天气很好我们一起去公园散步吧但是"
zh_text = st.lists(st.one_of(st.sampled_from(HAN), st.sampled_from("，。"), st.just(" iPhone 15 ")), min_size=2, max_size=40)
en_text = st.lists(st.sampled_from("so I went to the store and bought a very large bag of apples, then".split()), min_size=2, max_size=25)


def every_break(table: TokenTable, a: int, b: int, width: float, bottom_heavy: bool) -> int | None:
    """The obviously correct search: price every break where both lines fit; cheapest, first among equals."""
    best: tuple[float, int] | None = None
    for k in range(a + 1, b):
        top_fits = k - a == 1 or table.width(a, k) <= width
        bottom_fits = b - k == 1 or table.width(k, b) <= width
        if not (top_fits and bottom_fits):
            continue
        cost = table.timed_break_cost(k) + pair_balance((table.width(a, k) - table.width(k, b)) / width, bottom_heavy)
        if best is None or cost < best[0]:
            best = (cost, k)
    return None if best is None else best[1]


def timed(table: TokenTable, seed: int) -> TokenTable:
    """Give the tokens speech times with random pauses, so pause bonuses take part."""
    rng, now = random.Random(seed), 0
    for k in range(len(table)):
        now += rng.choice([0, 0, 30, 80, 120, 400])
        table.start[k], table.end[k] = now, now + 200
        now += 200
    return table


@settings(max_examples=300, deadline=None)
@given(parts=st.one_of(zh_text.map("".join), en_text.map(" ".join)), width=st.integers(4, 30),
       bottom_heavy=st.booleans(), seed=st.integers(0, 1000))
def test_best_two_lines_is_the_cheapest_break(parts: str, width: int, bottom_heavy: bool, seed: int) -> None:
    chinese = not parts.isascii()
    table = TokenTable.from_text(parts, chinese=chinese)
    table.start, table.end = [0] * len(table), [0] * len(table)
    table = timed(table, seed)
    if len(table) < 2:
        return
    assert best_two_lines(table, 0, len(table), width, bottom_heavy) == every_break(table, 0, len(table), width, bottom_heavy)


@pytest.mark.parametrize("bottom_heavy", [True, False])
def test_balance_prefers_a_slightly_longer_bottom_line_only_when_asked(bottom_heavy: bool) -> None:
    longer_bottom, longer_top = pair_balance(-0.1, bottom_heavy), pair_balance(0.1, bottom_heavy)
    assert (longer_bottom < longer_top) is bottom_heavy or longer_bottom == longer_top
    assert pair_balance(0.0, bottom_heavy) <= pair_balance(0.5, bottom_heavy)


def test_more_than_two_lines_when_two_cannot_hold_the_text() -> None:
    table = TokenTable.from_text("aaaa bbbb cccc dddd eeee ffff gggg hhhh", chinese=False)
    lines = wrap_range(table, 0, len(table), 10, 3)
    assert len(lines) == 4 and all(len(line) <= 10 for line in lines)
    assert " ".join(lines).split() == "aaaa bbbb cccc dddd eeee ffff gggg hhhh".split()
