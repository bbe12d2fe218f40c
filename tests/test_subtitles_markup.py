"""Markup kept beside the text (pipeline.subtitles.markup) and through every writer and rewrap."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.subtitles import Cue, read_cues, rules_for, write_ass, write_srt, write_txt, write_vtt
from pipeline.subtitles.markup import ASS, SRT, VTT, convert, fragments, parse_markup, plain_lines, render
from pipeline.subtitles.rewrap import rewrap_cues

TAG = re.compile(r"<(/?)(i|b|u|s|font)(?:\s[^<>]*)?>", re.IGNORECASE)


def balanced(line: str) -> bool:
    """Every tag of the line opens and closes in it, properly nested, and nothing is cut apart."""
    stack: list[str] = []
    for match in TAG.finditer(line):
        name = match.group(2).lower()
        if not match.group(1):
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    rest = TAG.sub("", line)
    return not stack and "<" not in rest and ">" not in rest and '="' not in rest


# --------------------------------------------------------------------------- parsing and rendering


def test_parse_sets_tags_aside_and_joins_lines_as_running_text() -> None:
    marked = parse_markup(['<font color="#000000">Never</font> <i>drink', "liquid</i> nitrogen."])
    assert marked.text == "Never drink liquid nitrogen."
    assert [(s.start, s.end, s.tag) for s in marked.spans] == [(0, 5, 'font color="#000000"'), (6, 18, "i")]
    assert marked.lines == ((0, 11), (12, 28)) and marked.problems == ()


def test_tags_close_at_line_ends_and_reopen_on_the_next_line() -> None:
    marked = parse_markup(["<i>one two three four</i>"])
    assert render(marked, [(0, 7), (8, 18)], SRT) == ["<i>one two</i>", "<i>three four</i>"]


def test_stray_and_unclosed_tags_are_reported_and_dropped() -> None:
    marked = parse_markup(["</i>hello <b>world"])
    assert marked.text == "hello world" and marked.problems == ("</i> closes nothing", "<b> is never closed")
    assert render(marked, marked.lines, SRT) == ["hello <b>world</b>"]


def test_ass_overrides_become_tags_and_an8_stays_with_the_cue() -> None:
    marked = parse_markup(["{\\an8}{\\i1}Top{\\i0} line"])
    assert marked.text == "Top line" and marked.overrides == "\\an8"
    assert render(marked, marked.lines, SRT) == ["{\\an8}<i>Top</i> line"]
    assert render(marked, marked.lines, ASS) == ["{\\an8}{\\i1}Top{\\i0} line"]


def test_each_format_gets_its_own_equivalent() -> None:
    lines = ['<font color="#FF8000">orange</font> <b>bold</b>']
    assert convert(lines, VTT) == ["orange <b>bold</b>"]
    assert convert(lines, ASS) == ["{\\c&H0080FF&}orange{\\c} {\\b1}bold{\\b0}"]
    assert plain_lines(lines) == ["orange bold"]


def test_fragments_find_tags_cut_apart() -> None:
    assert fragments(["</i></", 'b> and <font color', '="#000000">']) == ["</", "b>", "<font color", '="#000000">']
    assert fragments(["<i>whole</i> and 3 < 4 > 2"]) == []


# --------------------------------------------------------------------------- writers


def test_srt_to_vtt_keeps_italics_and_drops_fonts_instead_of_showing_them(tmp_path: Path) -> None:
    cues = [Cue(0, 2000, ('<font color="#ffff00"><i>Yellow italics</i></font>',)), Cue(3000, 4000, ("{\\an8}On top",))]
    text = write_vtt(cues, tmp_path / "a.vtt").read_text(encoding="utf-8")
    assert "&lt;" not in text and "font" not in text and "{" not in text
    assert "<i>Yellow italics</i>" in text
    assert "00:00:03.000 --> 00:00:04.000 line:0\nOn top" in text
    assert read_cues(tmp_path / "a.vtt") == [Cue(0, 2000, ("<i>Yellow italics</i>",)), Cue(3000, 4000, ("{\\an8}On top",))]


def test_ass_writes_overrides_and_txt_drops_markup(tmp_path: Path) -> None:
    cues = [Cue(0, 2000, ("{\\an8}<i>Top</i> {braces}",))]
    ass = write_ass(cues, tmp_path / "a.ass").read_text(encoding="utf-8")
    assert ",,{\\an8}{\\i1}Top{\\i0} \\{braces\\}\n" in ass
    assert write_txt(cues, tmp_path / "a.txt").read_text(encoding="utf-8") == "Top {braces}\n"
    assert read_cues(tmp_path / "a.ass") == [Cue(0, 2000, ("{\\an8}<i>Top</i> {braces}",))]


def test_literal_angle_brackets_stay_text(tmp_path: Path) -> None:
    text = write_vtt([Cue(0, 1000, ("a <b> that never closes",))], tmp_path / "a.vtt").read_text(encoding="utf-8")
    assert "a &lt;b&gt; that never closes" in text


# --------------------------------------------------------------------------- rewrap


def test_rewrap_never_cuts_a_font_tag_apart() -> None:
    source = [Cue(0, 6000, ('<font color="#000000">Subtitles from other tools often break lines</font>',
                            '<font color="#000000">mid-word and run far past the width of a line</font>'))]
    cues = rewrap_cues(source, rules_for("en-US", max_chars_per_line=20))
    assert len(cues) >= 2
    assert all(balanced(line) and line.startswith('<font color="#000000">') for c in cues for line in c.lines)
    assert " ".join(plain_lines([line for c in cues for line in c.lines])).split() == \
        " ".join(plain_lines(source[0].lines)).split()


def test_rewrap_keeps_a_positioning_override_with_every_piece() -> None:
    source = [Cue(0, 8000, ("{\\an8}The sign on the door says that the shop is closed until the end of the month",))]
    cues = rewrap_cues(source, rules_for("en-US", max_chars_per_line=20))
    assert len(cues) > 1 and all(c.lines[0].startswith("{\\an8}") for c in cues)
    assert not any("{" in line for c in cues for line in c.lines[1:])


# --------------------------------------------------------------------------- properties

WORD = st.sampled_from(["we", "can", "go", "tomorrow", "你好", "世界", "Pro", "15", "night,", "end."])
OPEN = st.sampled_from(["<i>", "<b>", "<u>", '<font color="#00ff00">', "{\\an8}", "{\\i1}", ""])
CLOSE = st.sampled_from(["</i>", "</b>", "</u>", "</font>", "{\\i0}", ""])


@st.composite
def marked_lines(draw: st.DrawFn) -> tuple[str, ...]:
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        parts = []
        for _ in range(draw(st.integers(1, 8))):
            parts.append(draw(OPEN) + draw(WORD) + draw(CLOSE))
        lines.append(" ".join(parts))
    return tuple(lines)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=marked_lines(), width=st.integers(8, 30), duration=st.integers(500, 12_000))
def test_no_tag_is_ever_split_and_tags_stay_balanced(lines: tuple[str, ...], width: int, duration: int) -> None:
    rules = rules_for("en-US", max_chars_per_line=width)
    cues = rewrap_cues([Cue(1000, 1000 + duration, lines)], rules)
    out = [line for c in cues for line in c.lines]
    assert all(balanced(line) for line in out), out
    assert fragments(out) == []
    assert "".join("".join(plain_lines(lines)).split()) == "".join("".join(plain_lines(out)).split())
    for dialect in (VTT, ASS):
        assert all("<" not in line or dialect is VTT for c in cues for line in convert(c.lines, dialect))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=marked_lines())
def test_srt_round_trip_through_vtt_keeps_supported_tags_balanced(tmp_path: Path, lines: tuple[str, ...]) -> None:
    cues = rewrap_cues([Cue(0, 5000, lines)], rules_for("en-US"))
    write_vtt(cues, tmp_path / "x.vtt")
    assert "&lt;" not in (tmp_path / "x.vtt").read_text(encoding="utf-8")
    back = read_cues(tmp_path / "x.vtt")
    assert all(balanced(line) for c in back for line in c.lines)
    write_srt(back, tmp_path / "x.srt")
    assert [plain_lines(c.lines) for c in read_cues(tmp_path / "x.srt")] == [plain_lines(c.lines) for c in cues]
