"""Bilingual writers: source over translation, read back by pysrt, webvtt-py, pysubs2 and our reader."""

from __future__ import annotations

import html
from pathlib import Path

import pysrt
import pysubs2
import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles.bilingual import (
    SECONDARY_STYLE,
    BilingualCue,
    event_text,
    write_bilingual_ass,
    write_bilingual_srt,
    write_bilingual_vtt,
)
from pipeline.subtitles.formats import read_cues

CUES = [
    BilingualCue(0, 1500, ("欢迎使用字幕流水线。",), ("Welcome to the subtitle pipeline.",)),
    BilingualCue(1600, 4000, ("这是一段中文示例，", "用来测试"), ("This is a <Chinese> sample & a test",)),
    BilingualCue(4100, 5000, ("嗯。",), ()),  # a source sentence without translation shows alone
]


def test_the_three_files_read_back_with_every_line_in_order(tmp_path: Path) -> None:
    srt = write_bilingual_srt(CUES, tmp_path / "a.bilingual.srt")
    vtt = write_bilingual_vtt(CUES, tmp_path / "a.bilingual.vtt")
    ass = write_bilingual_ass(CUES, tmp_path / "a.bilingual.ass", {"fontsize": 80})
    expected = [list(c.lines) for c in CUES]
    assert [i.text.splitlines() for i in pysrt.open(str(srt), encoding="utf-8")] == expected
    assert [html.unescape(c.text).splitlines() for c in webvtt.read(str(vtt))] == expected
    subs = pysubs2.load(str(ass))
    assert [e.plaintext.splitlines() for e in subs] == expected
    assert subs.styles["Default"].fontsize == 80 and subs.styles[SECONDARY_STYLE].fontsize == 60
    for path in (srt, vtt, ass):
        assert [list(c.lines) for c in read_cues(path)] == expected
        assert [(c.start_ms, c.end_ms) for c in read_cues(path)] == [(c.start_ms, c.end_ms) for c in CUES]


def test_the_translation_switches_to_the_secondary_style() -> None:
    assert event_text(CUES[0]) == "欢迎使用字幕流水线。\\N{\\rSecondary}Welcome to the subtitle pipeline."
    assert event_text(CUES[2]) == "嗯。"
    # braces would open an override block: escaped as libass shows them literally
    assert event_text(BilingualCue(0, 1, ("a{b}",), ())) == "a\\{b\\}"


LINE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and s.strip() and not set(s) & set("\\{}") and "-->" not in s)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(LINE, min_size=1, max_size=2), st.lists(LINE, max_size=2)), min_size=1, max_size=5))
def test_ass_keeps_both_halves_in_order(tmp_path_factory, halves) -> None:  # type: ignore[no-untyped-def]
    cues = [BilingualCue(k * 1000, k * 1000 + 900, tuple(s), tuple(t)) for k, (s, t) in enumerate(halves)]
    path = write_bilingual_ass(cues, tmp_path_factory.mktemp("ass") / "x.bilingual.ass")
    assert [list(c.lines) for c in read_cues(path)] == [list(c.lines) for c in cues]
