"""Vendor caption files (Yinzi extract-text) → Transcript, over the mess real files contain."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import subtitles
from pipeline.caption_import import (
    decode_caption_bytes,
    detect_format,
    spoken_words,
    spread_words,
    transcript_from_caption_file,
    transcript_from_caption_text,
)
from pipeline.errors import SubtitleError
from pipeline.subtitles import Cue
from pipeline.subtitles.formats import srt_text, vtt_text
from pipeline.transcript import Transcript


def spans(t: Transcript) -> list[tuple[str, int, int]]:
    return [(u.text, u.start_ms, u.end_ms) for u in t.utterances]


def assert_well_formed(t: Transcript) -> None:
    """Utterances in time order; each one's words in order, inside it, integer ms, spelling its text."""
    assert [u.start_ms for u in t.utterances] == sorted(u.start_ms for u in t.utterances)
    for u in t.utterances:
        assert u.text == u.text.strip() and u.text
        assert 0 <= u.start_ms <= u.end_ms
        previous_end = u.start_ms
        for w in u.words:
            assert isinstance(w.start_ms, int) and isinstance(w.end_ms, int)
            assert previous_end == w.start_ms <= w.end_ms <= u.end_ms
            assert w.text and w.text in u.text
            previous_end = w.end_ms
        if u.words:
            assert u.words[-1].end_ms == u.end_ms


# --------------------------------------------------------------------------- SRT


def test_sandbox_style_srt() -> None:
    text = srt_text([Cue(0, 1500, ("欢迎使用字幕流水线。",)), Cue(1600, 4000, ("这是一段中文示例，", "用来测试。"))])
    t = transcript_from_caption_text(text, "zh-CN", source="clip.mp4")
    assert spans(t) == [("欢迎使用字幕流水线。", 0, 1500), ("这是一段中文示例，用来测试。", 1600, 4000)]
    assert [w.text for w in t.utterances[0].words] == list("欢迎使用字幕流水线")
    assert t.language == "zh-CN" and t.source == "clip.mp4" and not t.needs_alignment
    assert t.meta == {"caption_format": "srt", "word_times": "estimated"}
    assert_well_formed(t)


def test_bom_crlf_and_dot_milliseconds() -> None:
    text = "\ufeff1\r\n00:00:01.250 --> 00:00:02.000\r\nHello there\r\n\r\n2\r\n00:00:02,500 --> 00:00:03,000\r\nBye\r\n"
    t = transcript_from_caption_text(text, "en-US")
    assert spans(t) == [("Hello there", 1250, 2000), ("Bye", 2500, 3000)]


def test_lone_carriage_returns_and_no_final_newline() -> None:
    t = transcript_from_caption_text("1\r00:00:01,000 --> 00:00:02,000\rOne\r\r2\r00:00:03,000 --> 00:00:04,000\rTwo", "en")
    assert spans(t) == [("One", 1000, 2000), ("Two", 3000, 4000)]


def test_missing_index_lines_and_missing_blank_lines() -> None:
    text = (
        "00:00:01,000 --> 00:00:02,000\n第一句\n"
        "2\n00:00:02,000 --> 00:00:03,000\n2020\n"  # a cue whose text is a number
        "3\n00:00:03,000 --> 00:00:04,000\n第三句\n"
    )
    t = transcript_from_caption_text(text, "zh-CN")
    assert spans(t) == [("第一句", 1000, 2000), ("2020", 2000, 3000), ("第三句", 3000, 4000)]


def test_hourless_and_short_fraction_times() -> None:
    text = "01:02.5 --> 01:03.25\nA\n\n1:02:03,4 --> 1:02:04\nB\n"
    t = transcript_from_caption_text(text, "en")
    assert spans(t) == [("A", 62_500, 63_250), ("B", 3_723_400, 3_724_000)]


def test_long_fractions_are_rounded_to_milliseconds() -> None:
    t = transcript_from_caption_text("00:00:01.23456 --> 00:00:02.0004\nA\n", "en")
    assert spans(t) == [("A", 1235, 2000)]


def test_overlapping_and_out_of_order_cues_are_sorted_not_lost() -> None:
    text = (
        "2\n00:00:05,000 --> 00:00:06,000\nsign\n\n"
        "1\n00:00:01,000 --> 00:00:07,000\nlong speech\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nmiddle\n"
    )
    t = transcript_from_caption_text(text, "en")
    assert spans(t) == [("long speech", 1000, 7000), ("middle", 3000, 4000), ("sign", 5000, 6000)]
    assert_well_formed(t)
    cues = subtitles.build_cues(t)
    assert all(a.end_ms <= b.start_ms for a, b in zip(cues, cues[1:], strict=False))


def test_empty_and_whitespace_cues_are_dropped() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\n   \n\n"
        "2\n00:00:02,000 --> 00:00:03,000\n<i></i>\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\n  kept  \n\n"
        "4\n00:00:05,000 --> 00:00:06,000\n"
    )
    assert spans(transcript_from_caption_text(text, "en")) == [("kept", 3000, 4000)]


def test_exact_duplicate_cues_are_kept_once() -> None:
    cue = "00:00:01,000 --> 00:00:02,000\n你好\n\n"
    assert spans(transcript_from_caption_text(cue * 3, "zh")) == [("你好", 1000, 2000)]


def test_end_before_start_lasts_until_the_next_cue() -> None:
    text = "00:00:05,000 --> 00:00:01,000\nbackwards\n\n00:00:05,600 --> 00:00:07,000\nnext\n\n00:00:09,000 --> 00:00:09,000\nlast"
    t = transcript_from_caption_text(text, "en")
    assert spans(t) == [("backwards", 5000, 5600), ("next", 5600, 7000), ("last", 9000, 10_000)]


def test_html_tags_entities_and_ass_overrides_are_removed() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:03,000\n"
        "{\\an8}<font color=\"#ffff00\"><b>Tom &amp; Jerry</b></font>\n"
        "<i>{\\i1}run!{\\i0}</i>&nbsp;&lt;3\n"
    )
    assert transcript_from_caption_text(text, "en").utterances[0].text == "Tom & Jerry run! <3"


def test_ass_line_breaks_inside_srt_text() -> None:
    text = "00:00:01,000 --> 00:00:03,000\n{\\pos(10,20)}第一行\\N第二行\\hend\n"
    assert transcript_from_caption_text(text, "zh").utterances[0].text == "第一行第二行 end"


def test_multiline_cues_join_with_a_space_only_between_latin_lines() -> None:
    text = (
        "00:00:01,000 --> 00:00:02,000\n这是一段，\n中文示例\n\n"
        "00:00:03,000 --> 00:00:04,000\n- Are you\n- ready?\n\n"
        "00:00:05,000 --> 00:00:06,000\n用 iPhone\nOK 吗\n"
    )
    t = transcript_from_caption_text(text, "zh-CN")
    assert [u.text for u in t.utterances] == ["这是一段，中文示例", "- Are you - ready?", "用 iPhone OK 吗"]


def test_text_after_a_blank_line_inside_a_cue_is_kept() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n\n第一句\n\n2\n00:00:03,000 --> 00:00:04,000\n第二句\n"
    assert spans(transcript_from_caption_text(text, "zh")) == [("第一句", 1000, 2000), ("第二句", 3000, 4000)]


def test_loose_arrows() -> None:
    t = transcript_from_caption_text("00:00:01,000->00:00:02,000\nA\n\n00:00:03,000  —>  00:00:04,000\nB\n", "en")
    assert spans(t) == [("A", 1000, 2000), ("B", 3000, 4000)]


# --------------------------------------------------------------------------- WebVTT


def test_webvtt_headers_notes_styles_identifiers_and_settings() -> None:
    text = (
        "WEBVTT - Yinzi\nKind: captions\nLanguage: zh\n\n"
        "NOTE made by a vendor\nspanning lines\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "REGION\nid:fred width:40%\n\n"
        "intro\n00:01.000 --> 00:02.500 align:start position:10% line:0\n<v Bob>你好</v><c.yellow>世界</c>\n\n"
        "00:00:03.000 --> 00:00:04.000\n<00:00:03.000>Hello <00:00:03.500>world &amp; co\n"
    )
    t = transcript_from_caption_text(text, "zh-CN")
    assert t.meta["caption_format"] == "vtt"
    assert spans(t) == [("你好世界", 1000, 2500), ("Hello world & co", 3000, 4000)]


def test_our_own_webvtt_reads_back() -> None:
    cues = [Cue(0, 1200, ("Hello, world.",)), Cue(1300, 2600, ("Two lines", "of <text> & more"))]
    t = transcript_from_caption_text(vtt_text(cues), "en-US")
    assert spans(t) == [("Hello, world.", 0, 1200), ("Two lines of <text> & more", 1300, 2600)]


# --------------------------------------------------------------------------- LRC


def test_lrc_lines_last_until_the_next_stamp() -> None:
    text = (
        "[ti:歌名]\n[ar:歌手]\n[al:专辑]\n[by:someone]\n[length: 03:20]\n"
        "[00:01.00]第一行歌词\n"
        "[00:02.50][00:20.00]副歌\n"
        "[00:04.00]\n"  # an empty line ends the one before it
        "[00:30.5]最后一行\n"
    )
    t = transcript_from_caption_text(text, "zh-CN")
    assert t.meta["caption_format"] == "lrc" and not t.needs_alignment
    assert spans(t) == [
        ("第一行歌词", 1000, 2000),  # 5 characters: estimated 1 s, before the next stamp
        ("副歌", 2500, 3500),
        ("副歌", 20_000, 21_000),
        ("最后一行", 30_500, 31_500),
    ]
    assert_well_formed(t)


def test_lrc_next_stamp_cuts_a_long_line_short() -> None:
    t = transcript_from_caption_text("[00:01.00]这一行歌词很长很长很长很长\n[00:02.00]下一行\n", "zh")
    assert spans(t)[0] == ("这一行歌词很长很长很长很长", 1000, 2000)


def test_lrc_offset_colon_fraction_and_enhanced_word_stamps() -> None:
    text = "[offset:+500]\n[00:01:50]<00:01.50>Hello <00:02.00>world\n[00:10.00]Next\n"
    t = transcript_from_caption_text(text, "en")
    assert spans(t)[0][:2] == ("Hello world", 1000)
    assert t.utterances[1].start_ms == 9500


# --------------------------------------------------------------------------- ASS


def test_ass_dialogue_events() -> None:
    text = (
        "[Script Info]\nScriptType: v4.00+\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,第二句\n"
        "Comment: 0,0:00:00.00,0:00:09.00,Default,,0,0,0,,not shown\n"
        "Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\i1}你好\\N世界\n"
    )
    t = transcript_from_caption_text(text, "zh")
    assert t.meta["caption_format"] == "ass"
    assert spans(t) == [("你好世界", 1000, 2500), ("第二句", 3000, 4000)]


# --------------------------------------------------------------------------- plain text


def test_plain_text_needs_alignment() -> None:
    text = "\ufeff  欢迎使用字幕流水线。 \r\n\r\n<i>这是一段中文示例</i>，  用来测试。\r\n   \r\n"
    t = transcript_from_caption_text(text, "zh-CN", source="clip.mp4")
    assert t.needs_alignment and t.meta["caption_format"] == "text"
    assert [u.text for u in t.utterances] == ["欢迎使用字幕流水线。", "这是一段中文示例， 用来测试。"]
    assert all(u.start_ms == u.end_ms == 0 and u.words == () for u in t.utterances)
    assert t.source == "clip.mp4"


def test_empty_file() -> None:
    t = transcript_from_caption_text("\ufeff\r\n  \r\n", "zh")
    assert t.utterances == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("1\n00:00:01,000 --> 00:00:02,000\nA\n", "srt"),
    ("\ufeffWEBVTT\n\n00:01.000 --> 00:02.000\nA\n", "vtt"),
    ("[ar:x]\n[00:01.00]A\n", "lrc"),
    ("[Script Info]\n[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,A\n", "ass"),
    ("第一句\n[注] not a stamp\n", "text"),
    ("", "text"),
])
def test_detect_format(text: str, expected: str) -> None:
    assert detect_format(text) == expected


# --------------------------------------------------------------------------- words


def test_words_are_cjk_characters_and_latin_words_without_punctuation() -> None:
    assert spoken_words("“你好”，it's 3.5 e-mails… 好吗？") == ["你", "好", "it's", "3.5", "e-mails", "好", "吗"]
    assert spoken_words("안녕하세요 세계") == ["안녕하세요", "세계"]
    assert spoken_words("♪ …") == []


def test_word_times_follow_display_width() -> None:
    words = spread_words("Hi there, 你好", 1000, 2100)
    # widths 2, 5, 2, 2 of 11 cells over 1100 ms
    assert [(w.text, w.start_ms, w.end_ms) for w in words] == [
        ("Hi", 1000, 1200), ("there", 1200, 1700), ("你", 1700, 1900), ("好", 1900, 2100)]


def test_word_times_of_a_zero_length_cue() -> None:
    assert [(w.start_ms, w.end_ms) for w in spread_words("你好", 500, 500)] == [(500, 500), (500, 500)]


def test_a_cue_of_only_symbols_keeps_its_text_without_words() -> None:
    t = transcript_from_caption_text("00:00:01,000 --> 00:00:02,000\n♪♪\n", "zh")
    assert spans(t) == [("♪♪", 1000, 2000)] and t.utterances[0].words == ()
    assert [c.lines for c in subtitles.build_cues(t)] == [("♪♪",)]


# --------------------------------------------------------------------------- files and encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030"])
def test_file_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "caption"  # Yinzi's file name may have no extension
    path.write_bytes("1\r\n00:00:01,000 --> 00:00:02,000\r\n中文字幕\r\n".encode(encoding))
    t = transcript_from_caption_file(path, "zh-CN")
    assert spans(t) == [("中文字幕", 1000, 2000)] and t.source == str(path)


def test_extension_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "caption.srt"
    path.write_text("[00:01.00]其实是LRC\n", encoding="utf-8")
    assert transcript_from_caption_file(path, "zh", source="song.mp3").meta["caption_format"] == "lrc"


def test_missing_and_binary_files_raise_subtitle_error(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match="not found"):
        transcript_from_caption_file(tmp_path / "nope.srt", "zh")
    binary = tmp_path / "caption.srt"
    binary.write_bytes(b"\x00\x01\x02\xff\xfe\x00")
    with pytest.raises(SubtitleError, match="not text in a known encoding"):
        transcript_from_caption_file(binary, "zh")


def test_decode_prefers_a_bom() -> None:
    assert decode_caption_bytes(codecs.BOM_UTF16_LE + "字".encode("utf-16-le")) == "字"


# --------------------------------------------------------------------------- properties

_LINE = st.text(
    alphabet=st.sampled_from(list("你好世界中文字幕测试，。！abcXYZ019 '.-,?")), min_size=1, max_size=20
).map(lambda s: " ".join(s.split())).filter(lambda s: any(c.isalnum() for c in s))
_CUE = st.tuples(st.integers(0, 10**7), st.integers(1, 60_000), st.lists(_LINE, min_size=1, max_size=3))


@settings(max_examples=150, deadline=None)
@given(st.lists(_CUE, max_size=8, unique_by=lambda c: c[0]), st.booleans(), st.booleans(), st.sampled_from(["srt", "vtt"]))
def test_written_cues_read_back_in_time_order(raw: list[tuple[int, int, list[str]]], bom: bool, crlf: bool,
                                             fmt: str) -> None:
    cues = [Cue(start, start + length, tuple(lines)) for start, length, lines in raw]
    text = (srt_text if fmt == "srt" else vtt_text)(cues)
    if crlf:
        text = text.replace("\n", "\r\n")
    t = transcript_from_caption_text(("\ufeff" if bom else "") + text, "zh-CN")
    assert_well_formed(t)
    expected = sorted((c.start_ms, c.end_ms, "".join(c.lines).replace(" ", "")) for c in cues)
    assert [(u.start_ms, u.end_ms, u.text.replace(" ", "")) for u in t.utterances] == expected


def test_transcript_from_text_is_the_text_only_shape() -> None:
    from pipeline.transcript import NEEDS_ALIGNMENT, transcript_from_text

    t = transcript_from_text("第一句\n\n  第二 \t 句  \n", "zh-CN", source="tg")
    assert [(u.text, u.start_ms, u.end_ms, u.words) for u in t.utterances] == [("第一句", 0, 0, ()), ("第二 句", 0, 0, ())]
    assert t.needs_alignment and t.meta == {NEEDS_ALIGNMENT: True} and t.source == "tg"
    assert not transcript_from_caption_text("00:00:01,000 --> 00:00:02,000\nA\n", "en").needs_alignment
