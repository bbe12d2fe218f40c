"""Refitting written cues to a narrower measure: only cues that do not fit change, and nothing is lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles.cues import Cue
from pipeline.subtitles.lines import wrap_text
from pipeline.subtitles.measure import CHARACTERS
from pipeline.subtitles.refit import misfit, refit_cues
from pipeline.subtitles.rules import rules_for
from pipeline.subtitles.text import join_lines

ZH = rules_for("zh-CN", max_chars_per_line=10)
EN = rules_for("en-US", max_chars_per_line=20)


def test_cues_that_fit_are_kept_as_they_are() -> None:
    cues = [Cue(0, 1000, ("你好",)), Cue(1000, 2500, ("今天天气很好", "我们去公园"))]
    assert refit_cues(cues, ZH) == (cues, [])


def test_a_too_wide_line_is_rewrapped_in_place_and_reported() -> None:
    cue = Cue(500, 2500, ("今天天气很好我们去公园",))
    fitted, changes = refit_cues([Cue(0, 400, ("好",)), cue], ZH)
    # The engine's own two-line break of the text (jieba word boundaries, bottom-heavy).
    assert fitted[1].lines == wrap_text("今天天气很好我们去公园", ZH) and len(fitted[1].lines) == 2
    assert (fitted[1].start_ms, fitted[1].end_ms) == (500, 2500)
    assert [c.describe() for c in changes] == ["cue 2 re-wrapped: line 1 is 11 characters wide where 10 fit"]


def test_too_many_lines_are_joined_when_they_fit_in_fewer() -> None:
    fitted, changes = refit_cues([Cue(0, 3000, ("the quick", "brown fox", "jumps"))], EN)
    assert fitted == [Cue(0, 3000, wrap_text("the quick brown fox jumps", EN))] and len(fitted[0].lines) == 2
    assert changes[0].reason == "3 lines where 2 fit"


def test_text_that_needs_more_lines_is_split_within_its_own_time() -> None:
    text = "今天我们来聊一聊人工智能的未来发展以及它对普通人的生活会有什么影响"
    fitted, changes = refit_cues([Cue(1000, 9000, (text,)), Cue(9000, 9500, ("好",))], ZH)
    split = fitted[:-1]
    assert len(split) >= 2 and changes[0].describe().startswith("cue 1 split into")
    assert "".join(line for cue in split for line in cue.lines) == text
    assert split[0].start_ms >= 1000 and split[-1].end_ms <= 9000
    assert all(a.end_ms <= b.start_ms for a, b in zip(split, split[1:], strict=False))
    assert all(len(cue.lines) <= 2 and all(len(line) <= 10 for line in cue.lines) for cue in split)
    assert fitted[-1] == Cue(9000, 9500, ("好",))


def test_misfit_names_the_first_reason() -> None:
    assert misfit(("a" * 21,), 2, 20, CHARACTERS, "characters") == "line 1 is 21 characters wide where 20 fit"
    assert misfit(("a", "b", "c"), 2, 20, CHARACTERS, "px") == "3 lines where 2 fit"
    assert misfit(("a", "b"), 2, 20, CHARACTERS, "px") is None


WORDS = st.sampled_from(["we", "can", "see", "the", "river", "today", "and", "tomorrow", "again", "ok"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.lists(WORDS, min_size=1, max_size=6), min_size=1, max_size=4), min_size=1, max_size=6))
def test_every_refitted_cue_fits_and_no_word_is_lost(texts: list[list[list[str]]]) -> None:
    cues = [Cue(2000 * k, 2000 * k + 1800, tuple(" ".join(words) for words in lines)) for k, lines in enumerate(texts)]
    fitted, _ = refit_cues(cues, EN)
    assert all(len(c.lines) <= EN.max_lines and all(len(line) <= 20 for line in c.lines) for c in fitted)
    assert join_lines([line for c in fitted for line in c.lines]).split() == \
        join_lines([line for c in cues for line in c.lines]).split()
    assert all(a.start_ms <= b.start_ms and a.end_ms <= b.start_ms for a, b in zip(fitted, fitted[1:], strict=False))
    assert all(c.start_ms < c.end_ms for c in fitted)


def test_markup_takes_no_room_and_stays_balanced_through_a_refit() -> None:
    rules = rules_for("zh-CN", max_chars_per_line=10)
    ok = [Cue(0, 2000, ('<font color="#ffffff">今天天气很好</font>',))]
    assert refit_cues(ok, rules) == (ok, [])
    fitted, changes = refit_cues([Cue(0, 4000, ("{\\an8}<i>今天天气很好我们一起去公园散步吧</i>",))], rules)
    assert [c.lines for c in fitted] == [("{\\an8}<i>今天天气很好</i>", "<i>我们一起去公园散步吧</i>")]
    assert len(changes) == 1
