"""Gale–Church alignment by length: the bead kinds, the flags, and that nothing is lost or reordered."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.translation.sentence_align import Bead, align_lengths, suspicious


def kinds(beads: list[Bead]) -> list[str]:
    return [b.kind for b in beads]


def test_equal_lengths_pair_one_to_one() -> None:
    beads = align_lengths([12, 30, 8, 25], [36, 88, 25, 77])
    assert kinds(beads) == ["1:1"] * 4
    assert all(suspicious(b) is None for b in beads)
    assert all(abs((b.ratio or 0) - 1) < 0.1 for b in beads)


def test_a_sentence_split_in_translation_is_one_to_two() -> None:
    # the last source sentence (30) came out as two sentences (44 + 46) of a threefold longer script
    assert kinds(align_lengths([10, 12, 30], [31, 36, 44, 46])) == ["1:1", "1:1", "1:2"]


def test_two_sentences_merged_in_translation_are_two_to_one() -> None:
    beads = align_lengths([20, 15, 18, 30, 25], [60, 100, 88, 75])
    assert kinds(beads) == ["1:1", "2:1", "1:1", "1:1"]
    assert (beads[1].src_start, beads[1].src_end, beads[1].tgt_start, beads[1].tgt_end) == (1, 3, 1, 2)


def test_a_missing_translation_is_flagged_and_nothing_is_lost() -> None:
    # The third source sentence (60) has no translation. Gale–Church merges it with a neighbour
    # (a 2:1 is likelier than a 1:0); the merged pair's ratio gives it away.
    beads = align_lengths([10, 20, 60, 40], [10, 20, 40])
    assert kinds(beads) == ["1:1", "1:1", "2:1"]
    assert suspicious(beads[-1]) is not None and "ratio 0.40" in suspicious(beads[-1])  # type: ignore[operator]
    assert [suspicious(b) for b in beads[:2]] == [None, None]


def test_one_to_zero_and_zero_to_one_when_a_side_is_empty_or_nothing_can_merge() -> None:
    assert kinds(align_lengths([5, 6], [])) == ["1:0", "1:0"]
    assert kinds(align_lengths([], [7])) == ["0:1"]
    only = align_lengths([40], [40, 40, 40, 40])
    assert sorted(kinds(only)) == ["0:1", "0:1", "0:1", "1:1"] or "1:2" in kinds(only)
    assert any(b.forced and suspicious(b) for b in only)


def test_a_long_missing_stretch_aligns_as_the_unbanded_programme_does() -> None:
    # 30 sentences in the middle of the source have no translation: the path leaves a narrow band.
    source = [20 + (k * 7) % 23 for k in range(150)]
    target = [3 * x for x in source[:60] + source[90:]]
    narrow = align_lengths(source, target, band=2)
    assert narrow == align_lengths(source, target, band=10_000)
    assert sum(b.kind == "1:1" for b in narrow) >= 90
    assert any(suspicious(b) for b in narrow)


def _covers(beads: list[Bead], n: int, m: int) -> bool:
    src = tgt = 0
    for b in beads:
        if (b.src_start, b.tgt_start) != (src, tgt) or b.src_end < b.src_start or b.tgt_end < b.tgt_start:
            return False
        if (b.src_end - b.src_start, b.tgt_end - b.tgt_start) not in {(1, 1), (1, 2), (2, 1), (1, 0), (0, 1)}:
            return False
        src, tgt = b.src_end, b.tgt_end
    return (src, tgt) == (n, m)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 120), max_size=40), st.lists(st.integers(1, 120), max_size=40), st.integers(1, 30))
def test_every_sentence_of_both_sides_is_in_exactly_one_bead_in_order(source: list[int], target: list[int],
                                                                    band: int) -> None:
    beads = align_lengths(source, target, band=band)
    assert _covers(beads, len(source), len(target))
    assert sum(b.source_length for b in beads) == sum(source)
    assert sum(b.target_length for b in beads) == sum(target)
