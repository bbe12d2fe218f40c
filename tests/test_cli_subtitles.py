"""The subtitle commands (lint, rewrap, burn) end to end through ``flows.cli.main``.

These check what an editor sees: exit statuses, rule names with cue numbers and times in the
report, one-line errors for unusable input, files that lint clean after a rewrap, and a
preview still that is a real PNG.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.cli import EXIT_USER_ERROR, main
from pipeline.media import tools
from pipeline.media.burn import has_subtitles_filter
from pipeline.subtitles import read_cues

CLEAN_ZH = """1
00:00:00,000 --> 00:00:01,500
你好，世界。

2
00:00:03,000 --> 00:00:05,000
今天我们来聊一聊字幕。
"""

# Cue 1: 20 characters on one line (limit 16); cue 2 overlaps cue 3; cue 3 is too short (warning).
BAD_ZH = """1
00:00:00,000 --> 00:00:04,000
如果您没有其他需要举报的话这边就先挂

2
00:00:05,000 --> 00:00:07,000
断了祝您生活愉快

3
00:00:06,500 --> 00:00:06,900
再见
"""

WARN_ONLY_ZH = """1
00:00:00,000 --> 00:00:00,500
好的

2
00:00:03,000 --> 00:00:05,000
今天我们来聊一聊字幕。
"""

# Broken mid-word, lines far too long and a three-line cue: what a careless export looks like.
BADLY_WRAPPED_ZH = """1
00:00:00,000 --> 00:00:06,000
如果您没有其他需要举报的话这边就先挂断了祝您生
活愉快再见

2
00:00:06,500 --> 00:00:13,000
今天我们来聊一聊视频字幕的制
作方法，首先要注意每一行的长度不能太长，
其次要注意阅读速度

3
00:00:14,000 --> 00:00:20,000
最后，字幕的时间要和说话的节奏保持一致，这样观众看起来才舒服。
"""

CLEAN_EN = """WEBVTT

00:00:00.000 --> 00:00:02.000
Hello there, and welcome.

00:00:04.000 --> 00:00:06.500
Today we talk about subtitles.
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_line_error(code: int, err: str, expected: str) -> None:
    assert code == EXIT_USER_ERROR
    assert err.startswith("error: ") and expected in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# --------------------------------------------------------------------------- lint


def test_clean_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lint", str(write(tmp_path / "clean.srt", CLEAN_ZH)))
    assert code == 0, out
    assert "clean" in out and "zh-CN (guessed)" in out and err == ""


def test_bad_file_exits_1_naming_rule_cue_and_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", str(write(tmp_path / "bad.srt", BAD_ZH)))
    assert code == 1
    assert "cue 1 (00:00:00,000 --> 00:00:04,000) error line_width: line 1 is 18 characters; limit 16" in out
    assert "cue 2 (00:00:05,000 --> 00:00:07,000) error overlap" in out
    assert "cue 3 (00:00:06,500 --> 00:00:06,900) warning min_duration" in out
    assert "2 error(s), 1 warning(s)" in out


def test_warnings_alone_exit_0_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path / "warn.srt", WARN_ONLY_ZH))
    code, out, _ = run(capsys, "lint", path)
    assert code == 0 and "warning min_duration" in out
    code, _, _ = run(capsys, "lint", path, "--strict")
    assert code == 1


def test_limits_from_the_command_line_apply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path / "clean.srt", CLEAN_ZH))
    code, out, _ = run(capsys, "lint", path, "--max-chars-per-line", "5", "--max-cps", "2", "--fps", "24")
    assert code == 1
    assert "line_width: line 1 is 6 characters; limit 5" in out and "reading_speed" in out
    assert "5 chars x 2 lines, 2 cps, 24 fps" in out


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", str(write(tmp_path / "bad.srt", BAD_ZH)), "--language", "zh-CN", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["exit_status"] == 1
    (report,) = doc["files"]
    assert report["language"] == "zh-CN" and not report["language_guessed"] and report["errors"] == 2
    first = report["issues"][0]
    assert first == {"cue": 1, "cue_index": 0, "start_ms": 0, "end_ms": 4000, "rule": "line_width",
                     "severity": "error", "message": "line 1 is 18 characters; limit 16"}


def test_several_files_and_language_guess(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zh, en = write(tmp_path / "a.srt", CLEAN_ZH), write(tmp_path / "b.vtt", CLEAN_EN)
    code, out, _ = run(capsys, "lint", str(zh), str(en))
    assert code == 0
    assert "a.srt: 2 cues, clean [zh-CN (guessed), 16 chars" in out
    assert "b.vtt: 2 cues, clean [en-US (guessed), 42 chars" in out


@pytest.mark.parametrize("make_input, expected", [
    (lambda d: d / "missing.srt", "subtitle file not found"),
    (lambda d: d / "binary.srt", "not text in a known encoding"),
    (lambda d: write(d / "broken.srt", "1\nnot a time line\nhello\n"), "is not valid SRT"),
    (lambda d: write(d / "notes.docx", "x"), "only .srt, .vtt and .ass"),
])
def test_unreadable_input_exits_2_in_one_line(make_input: Callable[[Path], Path], expected: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "binary.srt").write_bytes(b"\x00\x01\x02\xff\xfe\x00")
    clean = write(tmp_path / "clean.srt", CLEAN_ZH)
    code, out, err = run(capsys, "lint", str(clean), str(make_input(tmp_path)))
    assert_one_line_error(code, err, expected)
    assert out == "", "nothing is reported when any input is unreadable"


def test_impossible_limits_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "lint", str(write(tmp_path / "a.srt", CLEAN_ZH)), "--max-chars-per-line", "0")
    assert_one_line_error(code, err, "max_chars_per_line must be positive")


# --------------------------------------------------------------------------- rewrap


def test_rewrap_badly_wrapped_chinese_lints_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "bad.srt", BADLY_WRAPPED_ZH)
    assert run(capsys, "lint", str(source))[0] == 1
    target = tmp_path / "fixed.srt"
    code, out, _ = run(capsys, "rewrap", str(source), "-o", str(target))
    assert code == 0 and str(target) in out
    code, out, _ = run(capsys, "lint", str(target), "--strict")
    assert code == 0, out
    before = "".join(line for cue in read_cues(source) for line in cue.lines)
    after = "".join(line for cue in read_cues(target) for line in cue.lines)
    assert after == before, "rewrapping keeps every character"
    assert source.read_text(encoding="utf-8") == BADLY_WRAPPED_ZH


def test_rewrap_options_and_format_from_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "bad.srt", BADLY_WRAPPED_ZH)
    target = tmp_path / "fixed.vtt"
    code, _, _ = run(capsys, "rewrap", str(source), "-o", str(target), "--max-lines", "1",
                     "--max-chars-per-line", "12", "--punctuation", "drop_final")
    assert code == 0 and target.read_text(encoding="utf-8").startswith("WEBVTT")
    cues = read_cues(target)
    assert all(len(cue.lines) == 1 and len(cue.lines[0]) <= 12 for cue in cues)
    assert not any(cue.lines[0].endswith(("，", "。")) for cue in cues)
    code, _, _ = run(capsys, "lint", str(target), "--max-lines", "1", "--max-chars-per-line", "12")
    assert code == 0


@pytest.mark.parametrize("fmt, marker", [("ass", "[Events]"), ("txt", "再见"), ("json", '"format"')])
def test_rewrap_other_formats(fmt: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "bad.srt", BADLY_WRAPPED_ZH)
    target = tmp_path / "out.data"
    code, _, _ = run(capsys, "rewrap", str(source), "-o", str(target), "--format", fmt)
    assert code == 0 and marker in target.read_text(encoding="utf-8")


def test_rewrap_onto_the_input_is_atomic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "subs.srt", BADLY_WRAPPED_ZH)
    code, _, _ = run(capsys, "rewrap", str(source), "-o", str(source))
    assert code == 0 and source.read_text(encoding="utf-8") != BADLY_WRAPPED_ZH
    assert run(capsys, "lint", str(source))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subs.srt"], "no temporary file left behind"


def test_rewrap_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "bad.srt", BADLY_WRAPPED_ZH)
    code, _, err = run(capsys, "rewrap", str(source), "-o", str(tmp_path / "out.sub"))
    assert_one_line_error(code, err, "cannot tell the format")
    code, _, err = run(capsys, "rewrap", str(tmp_path / "nope.srt"), "-o", str(tmp_path / "out.srt"))
    assert_one_line_error(code, err, "subtitle file not found")
    code, _, err = run(capsys, "rewrap", str(write(tmp_path / "empty.srt", "")), "-o", str(tmp_path / "out.srt"))
    assert_one_line_error(code, err, "no subtitle text")
    assert not (tmp_path / "out.srt").exists() and not (tmp_path / "out.sub").exists()


# --------------------------------------------------------------------------- burn


@pytest.fixture(scope="module")
def burn_ffmpeg() -> str:
    try:
        exe = tools.ffmpeg()
    except Exception as exc:  # noqa: BLE001 - any reason not to have one skips
        pytest.skip(str(exc))
    if not has_subtitles_filter(exe):
        pytest.skip(f"{exe} has no subtitles filter")
    return exe


@pytest.fixture(scope="module")
def small_video(burn_ffmpeg: str, make_media: Callable[..., Path]) -> Path:
    return make_media("small_320x240.mp4", "-f", "lavfi", "-i", "color=c=black:s=320x240:r=10:d=2",
                      "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")


def test_burn_preview_still_writes_png(small_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subs = write(tmp_path / "subs.srt", CLEAN_ZH)
    still = tmp_path / "still.png"
    code, out, err = run(capsys, "burn", str(small_video), str(subs), "-o", str(still), "--preview-at", "0.5",
                         "--font-size", "0.1", "--margin", "0.08")
    assert code == 0, err
    assert out.strip() == str(still)
    assert still.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*part*"))


def test_burn_preview_clip_writes_video(small_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subs = write(tmp_path / "subs.srt", CLEAN_ZH)
    clip = tmp_path / "clip.mp4"
    code, _, err = run(capsys, "burn", str(small_video), str(subs), "-o", str(clip), "--preview-clip", "0.5", "1")
    assert code == 0, err
    assert clip.stat().st_size > 0


@pytest.mark.parametrize("extra, expected", [
    (["--preview-at", "1"], "give an output ending in .png"),
    (["--font-size", "3"], "font-size 3.0: give a fraction"),
    (["--max-lines", "9"], "max-lines 9: give 1 to 4"),
    (["--preview-at", "-1", "-o", "x.png"], "--preview-at -1: give a time of zero or more"),
    (["--fonts-dir", "/no/such/dir"], "--fonts-dir is not a folder"),
    (["--preview-clip", "0", "0"], "give a positive number of seconds"),
])
def test_burn_bad_options_exit_2(extra: list[str], expected: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    subs = write(tmp_path / "subs.srt", CLEAN_ZH)
    code, _, err = run(capsys, "burn", str(tmp_path / "video.mp4"), str(subs), "-o", str(tmp_path / "out.mp4"), *extra)
    assert_one_line_error(code, err, expected)


def test_burn_missing_video_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subs = write(tmp_path / "subs.srt", CLEAN_ZH)
    code, _, err = run(capsys, "burn", str(tmp_path / "missing.mp4"), str(subs), "-o", str(tmp_path / "out.mp4"))
    assert_one_line_error(code, err, "missing.mp4")


# --------------------------------------------------------------------------- files others wrote (issue 11)


def test_an_unknown_language_is_refused_listing_the_valid_ones(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "a.srt", CLEAN_ZH)
    for command in (["lint", str(source)], ["rewrap", str(source), "-o", str(tmp_path / "b.srt")]):
        code, _, err = run(capsys, *command, "-l", "klingon")
        assert_one_line_error(code, err, "unknown language 'klingon'")
        assert "zh, " in err and "en, " in err


def test_one_cue_is_one_cue_and_another_encoding_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "old.srt"
    source.write_bytes("1\r\n00:00:01,000 --> 00:00:03,000\r\nCafé crème, s'il vous plaît.\r\n".encode("cp1252"))
    code, out, _ = run(capsys, "lint", str(source))
    assert code == 0 and ": 1 cue, clean" in out and "read as cp1252" in out
    target = tmp_path / "new.srt"
    code, out, _ = run(capsys, "rewrap", str(source), "-o", str(target))
    assert code == 0 and "1 cue in, 1 cue out" in out and "read as cp1252, written as UTF-8" in out
    assert "Café crème" in target.read_text(encoding="utf-8")


def test_lint_reads_ass_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "a.srt", CLEAN_ZH)
    ass = tmp_path / "a.ass"
    assert run(capsys, "rewrap", str(source), "-o", str(ass))[0] == 0
    code, out, _ = run(capsys, "lint", str(ass))
    assert code == 0 and f"{ass}: 2 cues, clean" in out


def test_rewrap_of_a_file_with_markup_dialogue_and_hidden_cues(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "others.srt", (
        "1\n00:00:00,000 --> 00:00:00,000\nSynced by someone\n\n"
        "2\n00:00:01,000 --> 00:00:11,000\n- Hello world.\n\n"
        '3\n00:00:12,000 --> 00:00:15,000\n<font color="#000000"><i>- Déjala. - Tú no te metas.</i></font>\n\n'
    ))
    target = tmp_path / "out.vtt"
    code, out, _ = run(capsys, "rewrap", str(source), "-o", str(target), "-l", "es")
    assert code == 0 and "3 cues in, 2 cues out" in out and "1 zero-length cue dropped" in out
    assert "1 overlong cue shortened in time" in out and "1 dialogue cue kept" in out
    text = target.read_text(encoding="utf-8")
    assert "00:00:01.000 --> 00:00:08.000\n- Hello world.\n" in text
    assert "<i>- Déjala.</i>\n<i>- Tú no te metas.</i>" in text and "&lt;" not in text and "font" not in text
