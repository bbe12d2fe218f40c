"""The token store (pipeline.subtitles.table): its fast answers against the plain definitions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles.table import TokenTable
from pipeline.subtitles.text import reading_length, text_columns

texts = st.lists(st.sampled_from(["你", "好，", "世界", "iPhone", "15", "and", "the", "。", "a"]), min_size=1, max_size=30).map(
    lambda parts: "".join(p if p[0] > "\u3000" else f" {p} " for p in parts).strip()
)


def greedy_lines(table: TokenTable, a: int, b: int, width: float) -> int:
    """Lines filled one token at a time, the plain way: a token that does not fit starts a line."""
    lines, used = 0, None
    for k in range(a, b):
        size = table.prefix[k + 1] - table.prefix[k] - table.gap[k]
        if used is None or used + table.gap[k] + size > width:
            lines, used = lines + 1, size
        else:
            used += table.gap[k] + size
    return lines


@settings(max_examples=200, deadline=None)
@given(text=texts, width=st.integers(1, 20), lines=st.integers(1, 3), data=st.data())
def test_fits_lines_and_count_lines_agree_with_filling_token_by_token(text: str, width: int, lines: int, data: st.DataObject) -> None:
    table = TokenTable.from_text(text, chinese=False)
    a = data.draw(st.integers(0, len(table) - 1))
    b = data.draw(st.integers(a + 1, len(table)))
    needed = greedy_lines(table, a, b, width)
    assert table.count_lines(a, b, width) == needed
    assert table.fits_lines(a, b, width, lines) == (needed <= lines)


@settings(max_examples=100, deadline=None)
@given(times=st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 800)), min_size=1, max_size=20), data=st.data())
def test_speech_span_is_the_earliest_start_and_latest_end(times: list[tuple[int, int]], data: st.DataObject) -> None:
    table = TokenTable.from_text(" ".join("w" for _ in times), chinese=False)
    table.start, table.end = [s for s, _ in times], [s + d for s, d in times]
    a = data.draw(st.integers(0, len(times) - 1))
    b = data.draw(st.integers(a + 1, len(times)))
    assert table.speech_span(a, b) == (min(table.start[a:b]), max(table.end[a:b]))


@settings(max_examples=100, deadline=None)
@given(text=texts, data=st.data())
def test_width_join_and_reading_length_of_a_range(text: str, data: st.DataObject) -> None:
    table = TokenTable.from_text(text, chinese=True)
    a = data.draw(st.integers(0, len(table) - 1))
    b = data.draw(st.integers(a + 1, len(table)))
    joined = table.join(a, b)
    assert table.width(a, b) == text_columns(joined)  # players' columns: a full-width character is 2
    for cjk in (True, False):
        assert table.reading_length(a, b, cjk) == reading_length(joined, cjk)
