"""Subtitle files others wrote (issue 11): durations, overlaps, dialogue, hidden cues, encodings,
messages, and the rewrap properties (no word leaves its source cue's span, no source cue is
cut below the minimum duration)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import SubtitleError
from pipeline.subtitles import Cue, lint_cues, read_cues, rules_for
from pipeline.subtitles.encoding import decode_subtitle_bytes
from pipeline.subtitles.markup import plain_lines
from pipeline.subtitles.reading import read_subtitle_file
from pipeline.subtitles.rewrap import rewrap_cues, rewrap_with_report

EN = rules_for("en-US")
ES = rules_for("es-ES")

# --------------------------------------------------------------------------- durations and overlaps


def test_an_overlong_short_cue_is_shortened_not_split() -> None:
    cues = rewrap_cues([Cue(1000, 11_000, ("- Hello world.",))], EN)
    assert cues == [Cue(1000, 8000, ("- Hello world.",))]


def test_two_overlapping_long_cues_stay_two_simultaneous_cues() -> None:
    source = [Cue(0, 20_000, ("Never drink liquid nitrogen.",)), Cue(0, 20_000, ("It will perforate your stomach.",))]
    cues, report = rewrap_with_report(source, EN)
    assert [c.lines for c in cues] == [("Never drink liquid nitrogen.",), ("It will perforate your stomach.",)]
    assert all(c.start_ms == 0 and c.end_ms == 7000 for c in cues)
    assert report.overlapping == 2 and report.shortened == 2


@pytest.mark.parametrize("source", [
    [Cue(10_000, 12_000, ("Next, please.",)),
     Cue(10_100, 14_000, ("We have been waiting here since the morning", "and nobody has told us anything at all."))],
    [Cue(10_000, 14_000, ("We have been waiting here since the morning", "and nobody has told us anything at all.")),
     Cue(10_170, 12_000, ("What?",))],
])
def test_overlapping_cues_are_not_turned_into_flashes(source: list[Cue]) -> None:
    cues = rewrap_cues(source, EN)
    assert all(c.end_ms - c.start_ms >= EN.min_duration_ms for c in cues), cues
    assert {c.start_ms for c in source} <= {c.start_ms for c in cues}, "still simultaneous"
    assert sorted(" ".join(" ".join(c.lines) for c in cues).split()) == \
        sorted(" ".join(" ".join(c.lines) for c in source).split())


def test_a_long_cue_is_split_only_within_its_own_span() -> None:
    source = [Cue(0, 2500, ("Short.",)),
              Cue(3000, 9000, ("Subtitles from other tools often break lines mid-word and run far past the line width",)),
              Cue(9500, 11_000, ("so we rebuild them.",))]
    cues = rewrap_cues(source, EN)
    middle = [c for c in cues if c.start_ms >= 3000 and c.end_ms <= 9500 - EN.min_gap_ms]
    assert len(middle) == 2 and middle[0].start_ms == 3000
    assert " ".join(" ".join(c.lines) for c in middle).split() == source[1].lines[0].split()


# --------------------------------------------------------------------------- dialogue


def test_a_dialogue_cue_stays_one_cue_with_a_line_per_speaker() -> None:
    source = [Cue(0, 2500, ("- Ta en kopp varmt te.", "- Det är inte varmt."))]
    assert rewrap_cues(source, rules_for("sv-SE")) == [Cue(0, 2500, ("- Ta en kopp varmt te.", "- Det är inte varmt."))]


def test_two_speakers_on_one_line_become_two_lines() -> None:
    cues = rewrap_cues([Cue(0, 2000, ("- Déjala. - Tú no te metas.",))], ES)
    assert cues == [Cue(0, 2000, ("- Déjala.", "- Tú no te metas."))]
    assert not any(i.rule == "unneeded_break" for i in lint_cues(cues, ES))


def test_a_lone_dash_is_not_a_dialogue() -> None:
    cues = rewrap_cues([Cue(0, 3000, ("- Hello", "world."))], EN)
    assert cues == [Cue(0, 3000, ("- Hello world.",))]


# --------------------------------------------------------------------------- hidden cues


def test_zero_length_cues_are_dropped_and_counted() -> None:
    source = [Cue(0, 0, ("Subtitles by someone",)), Cue(1000, 3000, ("Hello.",))]
    cues, report = rewrap_with_report(source, EN)
    assert cues == [Cue(1000, 3000, ("Hello.",))]
    assert report.zero_length == 1 and report.describe() == ["1 zero-length cue dropped"]


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(("encoding", "text", "named"), [
    ("utf-16", "你好，世界", "utf-16"),
    ("utf-16-be", "你好，世界", "utf-16"),
    ("gb2312", "你好，世界", "gb18030"),
    ("gbk", "這是繁體字", "gb18030"),
    ("gb18030", "你好，世界", "gb18030"),
    ("cp1252", "Ça va? Très bien… «Merci»", "cp1252"),
    ("utf-8", "Ça va? 你好", "utf-8"),
])
def test_files_in_other_encodings_are_read_and_named(tmp_path: Path, encoding: str, text: str, named: str) -> None:
    body = f"1\r\n00:00:01,000 --> 00:00:02,000\r\n{text}\r\n".encode(encoding)
    if encoding == "utf-16-be":
        body = codecs.BOM_UTF16_BE + body
    path = tmp_path / "other.srt"
    path.write_bytes(body)
    read = read_subtitle_file(path)
    assert read.cues == [Cue(1000, 2000, (text,))] and read.encoding == named


def test_a_short_cp1252_word_is_not_read_as_chinese() -> None:
    assert decode_subtitle_bytes("Éric était là".encode("cp1252")) == ("Éric était là", "cp1252")


# --------------------------------------------------------------------------- messages


def test_invalid_srt_names_the_line_and_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "bad.srt"
    path.write_text("1\n00:00:00,500 --> 00:00:01,000\nok\n\n2\n00:00:01 --> 00:00:02\nhello\n", encoding="utf-8")
    with pytest.raises(SubtitleError) as info:
        read_cues(path)
    message = str(info.value)
    assert "line 6" in message and "00:00:01 --> 00:00:02" in message and "HH:MM:SS,mmm" in message
    assert "(" not in message.split("SRT:")[1].split("like")[0], "no raw tuple"


def test_a_single_word_wider_than_the_line_is_flagged() -> None:
    issues = lint_cues([Cue(0, 3000, ("https://example.com/a/very/long/path/that/never/ends",))], EN)
    assert [(i.rule, i.message.endswith("cannot be broken")) for i in issues] == [("line_width", True)]


def test_markup_takes_no_room_and_broken_tags_are_reported() -> None:
    fine = Cue(0, 3000, ('<font color="#ffffff"><i>Forty characters of text, no more.</i></font>',))
    assert lint_cues([fine], EN) == []
    broken = Cue(0, 3000, ("</i></", 'b> <font color'))
    (markup,) = [i for i in lint_cues([broken], EN) if i.rule == "markup"]
    assert "'</'" in markup.message and "'b>'" in markup.message and "'<font color'" in markup.message


# --------------------------------------------------------------------------- properties

WORDS = st.sampled_from(["we", "can", "go", "tomorrow", "night,", "end.", "- Yes.", "- No."])


@st.composite
def source_files(draw: st.DrawFn) -> list[Cue]:
    """Cues that may overlap, be long, short or zero-length; every word carries its cue's number."""
    cues: list[Cue] = []
    t = draw(st.integers(0, 5000))
    for k in range(draw(st.integers(1, 8))):
        overlap = draw(st.booleans()) and cues
        start = max(0, t - draw(st.integers(0, 3000))) if overlap else t
        duration = draw(st.integers(0, 15_000))
        lines = tuple(" ".join(_marked(w, k) for w in draw(st.lists(WORDS, min_size=1, max_size=12)))
                      for _ in range(draw(st.integers(1, 3))))
        cues.append(Cue(start, start + duration, lines))
        t = start + duration + draw(st.integers(0, 2000))
    return cues


def _marked(word: str, k: int) -> str:
    """``word`` carrying cue number ``k``: ``x3night,``, and ``- x3Yes.`` for a speaker's dash."""
    return f"- x{k}{word[2:]}" if word.startswith("- ") else f"x{k}{word}"


def _source_of(cue: Cue) -> int:
    """The source cue number all of an output cue's words carry."""
    (number,) = {int(m) for m in re.findall(r"x(\d+)", " ".join(plain_lines(cue.lines)))}
    return number


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=source_files(), width=st.integers(12, 42))
def test_rewrap_never_moves_a_word_outside_its_source_cue(source: list[Cue], width: int) -> None:
    rules = rules_for("en-US", max_chars_per_line=width)
    cues = rewrap_cues(source, rules)
    shown = [c for c in source if c.start_ms != c.end_ms]
    assert sorted(w for c in cues for w in " ".join(c.lines).split()) == \
        sorted(w for c in shown for w in " ".join(c.lines).split())
    for cue in cues:
        own = source[_source_of(cue)]
        # Inside the source cue's span; only the gap rules may lengthen it: a short cue to the
        # minimum duration, then a gap shorter than close_gap_ms closed.
        latest = max(own.end_ms, own.start_ms + rules.min_duration_ms) + rules.close_gap_ms
        assert own.start_ms <= cue.start_ms and cue.end_ms <= latest, (own, cue)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=source_files(), width=st.integers(12, 42))
def test_rewrap_never_cuts_a_source_cue_below_the_minimum(source: list[Cue], width: int) -> None:
    rules = rules_for("en-US", max_chars_per_line=width)
    for cue in rewrap_cues(source, rules):
        own = source[_source_of(cue)]
        if own.end_ms - own.start_ms >= rules.min_duration_ms:
            assert cue.end_ms - cue.start_ms >= rules.min_duration_ms, (own, cue)


def test_markup_does_not_sway_the_language_guess() -> None:
    from pipeline.subtitles.language import guess_language

    cues = [Cue(0, 2000, ('<font color="#ffff00" face="Noto Sans">你好世界</font>',))]
    assert guess_language(cues) == "zh-CN"


def test_a_second_speaker_dashed_after_a_sentence_end_gets_a_line() -> None:
    cues = rewrap_cues([Cue(0, 3000, ("<i>Te llamé tres veces.</i> - Ya lo sé, mamá.",))], ES)
    assert cues == [Cue(0, 3000, ("<i>Te llamé tres veces.</i>", "- Ya lo sé, mamá."))]
    assert not any(i.rule == "unneeded_break" for i in lint_cues(cues, ES)), "a dialogue's break is meant"
    assert rewrap_cues([Cue(0, 3000, ("It costs 5 - 10 dollars.",))], ES)[0].lines == ("It costs 5 - 10 dollars.",)
