"""Writers and readers (pipeline.subtitles.formats)."""

from __future__ import annotations

import io
import json
import re
import warnings
from pathlib import Path

import pysrt
import pysubs2
import pytest
import webvtt
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline.errors import SubtitleError
from pipeline.subtitles import (
    Cue,
    CueRules,
    build_cues,
    read_cues,
    rules_for,
    write_ass,
    write_json,
    write_srt,
    write_txt,
    write_vtt,
)
from pipeline.subtitles.formats import DEFAULT_ASS_STYLE, ass_text, srt_text, vtt_text
from pipeline.subtitles.markup import ASS, in_dialect
from pipeline.transcript import Transcript, Utterance, Word

HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
NAME = "我的 字幕 file"  # spaces and Chinese characters in file names


def sample_cues() -> list[Cue]:
    words = tuple(Word(ch, 100 * k, 100 * k + 90) for k, ch in enumerate("如果您没有其他需要举报的话这边就先挂断了"))
    transcript = Transcript(
        (
            Utterance("如果您没有其他需要举报的话，这边就先挂断了。", 0, 2000, words),
            Utterance("Tom & Jerry <live> --> 2024", 3000, 5000),
        ),
        language="zh-CN",
    )
    return build_cues(transcript)


@pytest.mark.parametrize("writer", [write_srt, write_vtt])
def test_srt_and_vtt_round_trip_with_awkward_names_and_text(tmp_path: Path, writer) -> None:
    cues = sample_cues()
    suffix = ".srt" if writer is write_srt else ".vtt"
    path = writer(cues, tmp_path / "子 目录" / f"{NAME}{suffix}")
    assert path.name == f"{NAME}{suffix}"
    assert read_cues(path) == cues
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")
    assert not list(path.parent.glob("*.part"))  # written atomically, nothing left behind


def test_srt_layout(tmp_path: Path) -> None:
    path = write_srt([Cue(1_000, 2_500, ("你好", "世界")), Cue(3_723_004, 3_724_000, ("b",))], tmp_path / "a.srt")
    assert path.read_text(encoding="utf-8") == (
        "1\n00:00:01,000 --> 00:00:02,500\n你好\n世界\n\n2\n01:02:03,004 --> 01:02:04,000\nb\n\n"
    )


def test_vtt_escapes_markup(tmp_path: Path) -> None:
    path = write_vtt([Cue(0, 1000, ("a & b <i>", "x --> y"))], tmp_path / "a.vtt")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n")
    assert "00:00:00.000 --> 00:00:01.000" in text
    assert "a &amp; b &lt;i&gt;" in text and "x --&gt; y" in text
    assert read_cues(path)[0].lines == ("a & b <i>", "x --> y")


def test_ass_has_cjk_font_explicit_breaks_and_configurable_style(tmp_path: Path) -> None:
    cues = [Cue(0, 1500, ("如果您没有其他需要举报的话", "这边就先挂断了")), Cue(2000, 3000, ("{braces}",))]
    path = write_ass(cues, tmp_path / f"{NAME}.ass")
    text = path.read_text(encoding="utf-8")
    assert "Noto Sans CJK SC" in text and "WrapStyle: 2" in text and "PlayResY: 1080" in text
    assert "如果您没有其他需要举报的话\\N这边就先挂断了" in text
    subs = pysubs2.load(str(path))
    assert [(e.start, e.end) for e in subs.events] == [(0, 1500), (2000, 3000)]
    styled = write_ass(cues, tmp_path / "b.ass", style={"fontname": "Noto Sans CJK TC", "fontsize": 48})
    assert pysubs2.load(str(styled)).styles["Default"].fontname == "Noto Sans CJK TC"
    with pytest.raises(SubtitleError, match="style"):
        write_ass(cues, tmp_path / "c.ass", style={"no_such_field": 1})


def test_txt_joins_lines_without_spaces_between_chinese(tmp_path: Path) -> None:
    cues = [Cue(0, 1000, ("如果您没有其他需要", "举报的话")), Cue(2000, 3000, ("I went to", "the store"))]
    assert write_txt(cues, tmp_path / "t.txt").read_text(encoding="utf-8") == "如果您没有其他需要举报的话\nI went to the store\n"


def test_json_records_words_rules_and_recipe_and_reproduces(tmp_path: Path) -> None:
    words = tuple(Word(ch, 150 * k, 150 * k + 140) for k, ch in enumerate("祝您生活愉快再见"))
    transcript = Transcript((Utterance("祝您生活愉快，再见。", 0, 1200, words),), language="zh-CN", duration_ms=5000)
    rules = rules_for("zh-CN", punctuation="drop_final")
    cues = build_cues(transcript, rules)
    doc = json.loads(write_json(cues, tmp_path / f"{NAME}.json", transcript, rules).read_text(encoding="utf-8"))
    assert doc["rules"]["punctuation"] == "drop_final"
    assert doc["recipe"][3] == {"name": "split_at_pause", "args": {"min_pause_ms": 600}}
    assert doc["recipe"][7]["args"]["media_end_ms"] == 5000
    assert doc["cues"][0]["words"][0] == {"text": "祝", "start_ms": 0, "end_ms": 140}
    assert doc["cues"][0]["lines"] == ["祝您生活愉快，再见"]
    assert doc["transcript"]["language"] == "zh-CN"
    assert build_cues(transcript, CueRules.from_dict(doc["rules"])) == cues


def test_writers_refuse_impossible_cues(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match="bad.srt"):
        write_srt([Cue(2000, 1000, ("x",))], tmp_path / "bad.srt")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.srt", None, "not found"),
        ("garbage 坏.srt", "hello\nworld\n", "not valid SRT"),
        ("bad time.srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\nbad --> x\nyo\n", "not valid SRT"),
        ("garbage.vtt", "hello\n", "not valid WebVTT"),
        ("binary.srt", b"\x00\x01\x02\xff\xfe\x00", "not text in a known encoding"),
        ("clip.sub", "{1}{25}hello\n", "only .srt, .vtt and .ass"),
    ],
)
def test_read_errors_name_the_file(tmp_path: Path, name: str, content: str | bytes | None, match: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SubtitleError, match=match) as info:
        read_cues(path)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_read_accepts_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.srt"
    path.write_bytes("\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\n你好\r\n\r\n".encode())
    assert read_cues(path) == [Cue(1000, 2000, ("你好",))]


# --------------------------------------------------------------------------- properties

line_text = st.lists(
    st.one_of(st.sampled_from(HAN), st.sampled_from(["OK", " ", "&", "<b>", "15", "，", "?", "->", "Pro"])),
    min_size=1,
    max_size=20,
).map(lambda parts: " ".join("".join(parts).split())).filter(bool)


@st.composite
def cue_lists(draw: st.DrawFn) -> list[Cue]:
    cues, t = [], draw(st.integers(0, 10_000))
    for _ in range(draw(st.integers(0, 8))):
        duration = draw(st.integers(1, 8000))
        lines = tuple(draw(st.lists(line_text, min_size=1, max_size=3)))
        cues.append(Cue(t, t + duration, lines))
        t += duration + draw(st.integers(0, 400_000))
    return cues


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cues=cue_lists(), suffix=st.sampled_from([".srt", ".vtt"]))
def test_write_then_read_preserves_times_and_text(tmp_path: Path, cues: list[Cue], suffix: str) -> None:
    writer = write_srt if suffix == ".srt" else write_vtt
    path = writer(cues, tmp_path / f"{NAME}{suffix}")
    assert read_cues(path) == cues


# --------------------------------------------------------------------------- the libraries write the same text
#
# srt_text, vtt_text and ass_text format cues themselves (objects per cue from pysrt,
# webvtt-py and pysubs2 made the writers the slowest part of a long transcript); these
# properties hold them to what the libraries themselves write for the same cues.

awkward_line = st.lists(
    st.sampled_from([*HAN[:8], "a", "Z", "1", " ", "&", "<", ">", "-->", "{", "}", "\\", "，", "\n", "\r"]), max_size=12
).map("".join)
# Up to 120 h: past SRT's two-digit hours, past ASS's 10 h limit (clamped with a warning).
any_time = st.one_of(st.integers(0, 10_000), st.integers(0, 120 * 3_600_000))


@st.composite
def writable_cues(draw: st.DrawFn) -> list[Cue]:
    cues = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(any_time)
        cues.append(Cue(start, start + draw(st.integers(0, 9000)), tuple(draw(st.lists(awkward_line, max_size=3)))))
    return cues


def shown(cue: Cue) -> list[str]:
    return [line for line in cue.lines if line.strip()]


def pysrt_text(cues: list[Cue]) -> str:
    items = [
        pysrt.SubRipItem(n, pysrt.SubRipTime.from_ordinal(c.start_ms), pysrt.SubRipTime.from_ordinal(c.end_ms), "\n".join(shown(c)))
        for n, c in enumerate(cues, start=1)
    ]
    out = io.StringIO()
    pysrt.SubRipFile(items).write_into(out, eol="\n")
    return out.getvalue()


def webvtt_text(cues: list[Cue]) -> str:
    def stamp(ms: int) -> str:
        return str(webvtt.models.Timestamp.from_string(f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"))

    escape = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
    captions = [webvtt.Caption(stamp(c.start_ms), stamp(c.end_ms), [line.translate(escape) for line in shown(c)]) for c in cues]
    return webvtt.WebVTT(captions=captions).content


def pysubs2_text(cues: list[Cue]) -> str:
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": "1920", "PlayResY": "1080", "WrapStyle": "2", "ScaledBorderAndShadow": "yes"})
    subs.styles["Default"] = pysubs2.SSAStyle(**DEFAULT_ASS_STYLE)
    escape = str.maketrans({"{": "\\{", "}": "\\}"})
    for c in cues:
        subs.events.append(pysubs2.SSAEvent(start=c.start_ms, end=c.end_ms, text="\\N".join(line.translate(escape) for line in shown(c)).replace("\n", "\\N")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # times past 10 h are clamped, as in ours
        return subs.to_string("ass")


@settings(max_examples=300, deadline=None)
@given(cues=writable_cues())
def test_srt_text_is_what_pysrt_writes(cues: list[Cue]) -> None:
    assert srt_text(cues) == pysrt_text(cues)


@settings(max_examples=300, deadline=None)
@given(cues=writable_cues())
def test_vtt_text_is_what_webvtt_py_writes_or_refuses(cues: list[Cue]) -> None:
    try:
        expected = webvtt_text(cues)
    except ValueError as exc:  # an empty line inside a cue's text would end it early
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            vtt_text(cues)
        return
    assert vtt_text(cues) == expected


@settings(max_examples=300, deadline=None)
@given(cues=writable_cues())
def test_ass_text_is_what_pysubs2_writes(cues: list[Cue]) -> None:
    # Markup (tags, overrides) is written as ASS overrides, which pysubs2 would escape as text.
    assume(all(in_dialect(cue.lines, ASS) is None for cue in cues))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert ass_text(cues) == pysubs2_text(cues)


def test_built_cues_are_written_as_the_libraries_write_them() -> None:
    cues = sample_cues() + [Cue(11 * 3_600_000, 11 * 3_600_000 + 1500, ("late", "cue"))]
    assert srt_text(cues) == pysrt_text(cues)
    assert vtt_text(cues) == webvtt_text(cues)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert ass_text(cues) == pysubs2_text(cues)


ASS_BY_ANOTHER_TOOL = """\ufeff[Script Info]
ScriptType: v4.00+
PlayResX: 384
PlayResY: 288

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:03.00,0:00:04.50,Default,,0,0,0,,second {\\b1}bold{\\b0} line
Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,a translator's note
Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\pos(192,20)}你好\\N世界
Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\p1}m 0 0 l 10 0 10 10{\\p0}
"""


def test_read_ass_keeps_dialogue_text_and_times(tmp_path: Path) -> None:
    path = tmp_path / "other tool.ass"
    path.write_text(ASS_BY_ANOTHER_TOOL, encoding="utf-8")
    # Overrides come back as the SRT tags they mean; \\pos is in the script's own coordinates.
    assert read_cues(path) == [Cue(1000, 2000, ("你好", "世界")), Cue(3000, 4500, ("second <b>bold</b> line",))]
