"""Burn-in: command building (no ffmpeg run) and real burns of planned subtitles checked pixel by pixel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.errors import InputError, MediaError
from pipeline.media import burn as burn_module
from pipeline.media import tools
from pipeline.media.burn import (
    burn,
    burn_command,
    preview_clip,
    preview_still,
    require_subtitles_filter,
    still_command,
)
from pipeline.media.burn_plan import BurnPlan, plan_burn
from pipeline.media.fonts import BUNDLED_CJK_FAMILY, bundled_cjk_font
from pipeline.media.probe import probe

WIDTH, HEIGHT = 320, 240
SRT_TEXT = "1\n00:00:00,000 --> 00:00:03,000\n字幕测试 Subtitle\n"
NASTY_NAMES = [
    "plain.srt",
    "with space.srt",
    "-leading dash.srt",
    "colon:equals=.srt",
    "it's a quote.srt",
    "comma,semi;colon.srt",
    "[brackets] and ]reverse[.srt",
    "back\\slash.srt",
    "字幕 测试’s, [v1]; 'final':cut.srt",
    "  padded  .srt",
]


# --------------------------------------------------------------------------- a model of ffmpeg's unescaping


def av_get_token(text: str, pos: int, terms: str) -> tuple[str, int]:
    """Python port of libavutil's av_get_token: one level of quote/backslash removal."""
    out: list[str] = []
    while pos < len(text) and text[pos] in " \n\t\r":
        pos += 1
    end = 0
    while pos < len(text) and text[pos] not in terms:
        ch = text[pos]
        pos += 1
        if ch == "\\" and pos < len(text):
            out.append(text[pos])
            pos += 1
            end = len(out)
        elif ch == "'":
            while pos < len(text) and text[pos] != "'":
                out.append(text[pos])
                pos += 1
            if pos < len(text):
                pos += 1
                end = len(out)
        else:
            out.append(ch)
    while len(out) > end and out[-1] in " \n\t\r":
        out.pop()
    return "".join(out), pos


def parse_filter_chain(graph: str) -> list[tuple[str, dict[str, str]]]:
    """Parse ``-vf`` the way libavfilter does (graph level, then key=value option level)."""
    filters = []
    pos = 0
    while pos < len(graph):
        name, pos = av_get_token(graph, pos, "=,;[")
        args = ""
        if pos < len(graph) and graph[pos] == "=":
            args, pos = av_get_token(graph, pos + 1, "[],;")
        options: dict[str, str] = {}
        apos = 0
        while apos < len(args):
            keyed = re.match(r"[\w\-./]+=", args[apos:])  # like av_opt_get_key_value's key
            key = keyed.group()[:-1] if keyed else f"#{len(options)}"  # else a shorthand value
            value, apos = av_get_token(args, apos + (keyed.end() if keyed else 0), ":")
            options[key] = value
            apos += 1  # the ':' separator
        filters.append((name, options))
        pos += 1  # the ',' separator
    return filters


def vf_of(command: list[str]) -> str:
    return command[command.index("-vf") + 1]


def subtitles_options(command: list[str]) -> dict[str, str]:
    return next(opts for name, opts in parse_filter_chain(vf_of(command)) if name == "subtitles")


# --------------------------------------------------------------------------- pure command building


@pytest.mark.parametrize("name", NASTY_NAMES)
def test_nasty_paths_survive_both_unescaping_levels(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "dir: with [odd], 'chars'"
    subtitle, fonts = folder / name, folder / "fonts, mine"
    command = burn_command(folder / "-in put.mp4", subtitle, folder / "-out:1.mp4", fonts, ffmpeg="ffmpeg",
                           start=2.5)
    chain = parse_filter_chain(vf_of(command))
    assert [n for n, _ in chain] == ["setpts", "subtitles", "setpts"]
    options = chain[1][1]
    assert options["filename"] == os.path.abspath(subtitle)
    assert options["fontsdir"] == os.path.abspath(fonts)
    assert command[command.index("-i") + 1] == os.path.abspath(folder / "-in put.mp4")
    assert command[-1] == os.path.abspath(folder / "-out:1.mp4")


def test_without_a_fonts_folder_libass_uses_installed_fonts() -> None:
    command = burn_command("in.mp4", "cues.ass", "out.mkv", None, ffmpeg="ffmpeg")
    assert set(subtitles_options(command)) == {"filename"}
    assert "-movflags" not in command


def test_command_copies_audio_and_uses_absolute_paths() -> None:
    command = burn_command("-clip.mp4", "cues.ass", "-out.mp4", "/fonts", ffmpeg="/x/ffmpeg", crf=20, preset="fast")
    assert command[0] == "/x/ffmpeg"
    assert command[command.index("-i") + 1] == os.path.abspath("-clip.mp4")
    assert command[-1] == os.path.abspath("-out.mp4")
    assert command[command.index("-c:a") + 1] == "copy"
    assert "0:a?" in command and command[command.index("-crf") + 1] == "20"
    assert subtitles_options(command)["fontsdir"] == "/fonts"
    assert "-ss" not in command and "-t" not in command


def test_section_seeks_fast_and_keeps_cue_timing() -> None:
    command = burn_command("in.mp4", "c.ass", "o.mp4", ffmpeg="ffmpeg", start=12.5, duration=3)
    assert command.index("-ss") < command.index("-i") and command[command.index("-ss") + 1] == "12.500"
    assert command[command.index("-t") + 1] == "3.000"
    assert command[command.index("-copypriorss") + 1] == "0"
    assert vf_of(command).startswith("setpts=PTS+12.500/TB,subtitles=")
    assert vf_of(command).endswith(",setpts=PTS-STARTPTS")


def test_still_command_takes_name_literally() -> None:
    command = still_command("in.mp4", "c.ass", "frame 100%d.png", 1.0, ffmpeg="ffmpeg")
    assert command[command.index("-update") + 1] == "1" and command[command.index("-frames:v") + 1] == "1"
    assert command[-1] == os.path.abspath("frame 100%d.png")


def test_unsupported_subtitle_format(tmp_path: Path) -> None:
    cues = tmp_path / "cues.txt"
    cues.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"cues\.txt.*\.srt, \.vtt or \.ass"):
        plan_burn("in.mp4", cues)


# --------------------------------------------------------------------------- real runs


def run_ffmpeg(exe: str, *args: str) -> bytes:
    return subprocess.run([exe, "-nostdin", "-v", "error", "-y", *args], check=True, capture_output=True).stdout


def gray_pixels(path: Path, at: float | None = None) -> bytes:
    """One frame as 8-bit luma, read by ffmpeg itself so no image library is needed."""
    seek = ["-ss", f"{at:.3f}"] if at is not None else []
    data = run_ffmpeg(tools.ffmpeg(), *seek, "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                      "-pix_fmt", "gray", "pipe:1")
    assert len(data) == WIDTH * HEIGHT
    return data


def bright_in(data: bytes, top: float, bottom: float = 1.0, left: float = 0.0, right: float = 1.0) -> int:
    """Count near-white pixels in a box given as fractions of the frame."""
    rows = range(int(top * HEIGHT), int(bottom * HEIGHT))
    cols = slice(int(left * WIDTH), int(right * WIDTH))
    return sum(1 for y in rows for v in data[y * WIDTH : (y + 1) * WIDTH][cols] if v > 160)


def split_at_widest_gap(data: bytes, top: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """Column spans of the text left and right of its widest blank gap (the word space)."""
    inked = [x for x in range(WIDTH) if any(data[y * WIDTH + x] > 160 for y in range(int(top * HEIGHT), HEIGHT))]
    assert inked, "no text drawn"
    gaps = [(b - a, i) for i, (a, b) in enumerate(zip(inked, inked[1:], strict=False))]
    _, at = max(gaps, default=(0, len(inked) - 1))
    return (inked[0], inked[at] + 1), (inked[at + 1] if at + 1 < len(inked) else inked[-1], inked[-1] + 1)


@pytest.fixture(scope="module")
def black_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("burn") / "black.mp4"
    run_ffmpeg(tools.ffmpeg(), "-f", "lavfi", "-i", f"color=c=black:s={WIDTH}x{HEIGHT}:r=10:d=3",
               "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "libx264", "-preset", "ultrafast",
               "-c:a", "aac", "-b:a", "48k", "-shortest", str(target))
    return target


@pytest.fixture(scope="module")
def srt_file(black_video: Path) -> Path:
    path = black_video.parent / "cues.srt"
    path.write_text(SRT_TEXT, encoding="utf-8")
    return path


@pytest.fixture(params=["path", "imageio-ffmpeg"])
def ffmpeg_exe(request: pytest.FixtureRequest) -> str:
    try:
        exe = tools.locate("ffmpeg", search_path=None if request.param == "path" else "").path
    except MediaError as exc:
        pytest.skip(str(exc))
    if not burn_module.has_subtitles_filter(exe):
        pytest.skip(f"{exe} has no subtitles filter")
    return exe


def test_still_draws_text_only_where_subtitles_are(ffmpeg_exe: str, black_video: Path, srt_file: Path,
                                                 tmp_path: Path) -> None:
    plan = plan_burn(black_video, srt_file, layout_overrides={"font_size": 0.1})
    still = preview_still(plan, tmp_path / "still.png", 1500, ffmpeg=ffmpeg_exe)
    drawn, plain = gray_pixels(still), gray_pixels(black_video, at=1.5)
    assert bright_in(plain, 0.0) == 0
    assert bright_in(drawn, 0.7) > 100, "no text in the bottom subtitle area"
    assert bright_in(drawn, 0.0, 0.6) == 0, "text drawn outside the bottom area"
    # The line is centred and "Subtitle" comes second, so Latin glyphs sit right of the centre.
    assert bright_in(drawn, 0.7, left=0.52) > 50, "Latin text missing"
    (cjk_left, cjk_right), (latin_left, latin_right) = split_at_widest_gap(drawn, top=0.7)
    # Four ideographs are about as wide as "Subtitle"; missing glyphs would leave little or nothing.
    assert cjk_right <= WIDTH // 2 < latin_left
    assert cjk_right - cjk_left >= 0.8 * (latin_right - latin_left), "Chinese text missing"
    assert bright_in(drawn, 0.7, left=cjk_left / WIDTH, right=cjk_right / WIDTH) > 100
    assert not list(tmp_path.glob(".*part*"))


def test_burned_video_has_text_and_original_audio(ffmpeg_exe: str, black_video: Path, srt_file: Path,
                                                 tmp_path: Path) -> None:
    plan = plan_burn(black_video, srt_file, layout_overrides={"font_size": 0.08})
    out = burn(plan, tmp_path / "out.mp4", ffmpeg=ffmpeg_exe, preset="ultrafast")
    info = probe(out)
    assert info.audio is not None and info.audio.codec_name == "aac"
    assert (info.video_streams[0].width, info.video_streams[0].height) == (WIDTH, HEIGHT)
    assert info.duration_s == pytest.approx(3.0, abs=0.2)
    assert bright_in(gray_pixels(out, at=1.0), 0.7) > 50
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


def test_clip_keeps_cues_at_their_original_times(black_video: Path, tmp_path: Path) -> None:
    late = tmp_path / "late.srt"
    late.write_text("1\n00:00:01,500 --> 00:00:03,000\nLate cue\n", encoding="utf-8")
    clip = preview_clip(plan_burn(black_video, late), tmp_path / "clip.mkv", 1000, 1500, preset="ultrafast")
    assert probe(clip).duration_s == pytest.approx(1.5, abs=0.2)
    assert bright_in(gray_pixels(clip, at=0.1), 0.0) == 0
    assert bright_in(gray_pixels(clip, at=1.0), 0.7) > 20


def test_ass_input_is_drawn_with_the_target_font_and_layout(black_video: Path, tmp_path: Path) -> None:
    # An ASS naming a font this machine lacks, placed at the top, at another PlayRes: it is re-laid
    # on the frame with a font that has the glyphs instead of being handed to libass as it is.
    ass = tmp_path / "cues.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        "MarginR, MarginV, Encoding\n"
        "Style: Default,No Such Font 123,30,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,8,"
        "10,10,10,1\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:00.00,0:00:03.00,Default,,0,0,0,,字幕 Text\n",
        encoding="utf-8",
    )
    plan = plan_burn(black_video, ass)
    assert plan.target.font.family != "No Such Font 123"
    assert "cues.ass: its text and times are laid out with preset broadcast-16:9" in "\n".join(plan.report())
    drawn = gray_pixels(preview_still(plan, tmp_path / "a.png", 1000))
    assert bright_in(drawn, 0.7) > 20 and bright_in(drawn, 0.0, 0.5) == 0


def test_nasty_file_names_burn(ffmpeg_exe: str, black_video: Path, tmp_path: Path) -> None:
    folder = tmp_path / "-my clips: [v1], it's"
    folder.mkdir()
    video = folder / "素材 it's, [1].mp4"
    shutil.copy(black_video, video)
    subtitle = folder / "字幕 测试 it's; a,b [x].srt"
    subtitle.write_text(SRT_TEXT, encoding="utf-8")
    out = burn(plan_burn(video, subtitle), folder / "成片 it's 100%.mp4", ffmpeg=ffmpeg_exe, preset="ultrafast")
    assert out.name == "成片 it's 100%.mp4"
    assert bright_in(gray_pixels(out, at=1.0), 0.7) > 50


def test_every_nasty_fonts_folder_name_reaches_libass(ffmpeg_exe: str, black_video: Path, srt_file: Path,
                                                      tmp_path: Path) -> None:
    bundled = bundled_cjk_font()
    assert bundled is not None
    for i, name in enumerate(NASTY_NAMES):
        fonts = tmp_path / f"{i} {name}"
        fonts.mkdir()
        os.symlink(bundled, fonts / bundled.name)
        plan = plan_burn(black_video, srt_file, font=BUNDLED_CJK_FAMILY, fonts_dir=fonts)
        still = preview_still(plan, tmp_path / f"{i}.png", 1000, ffmpeg=ffmpeg_exe)
        assert bright_in(gray_pixels(still), 0.7) > 50, name


def test_missing_subtitle_file_is_a_one_line_input_error(black_video: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope 字幕.srt"
    with pytest.raises(InputError) as info:
        plan_burn(black_video, missing)
    assert str(missing) in str(info.value) and "\n" not in str(info.value)
    assert not list(tmp_path.iterdir())


def test_time_outside_the_video_names_the_option_in_seconds(black_video: Path, srt_file: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"--preview-at 9: outside black\.mp4, which is 3\.0 s long"):
        preview_still(plan_burn(black_video, srt_file), tmp_path / "x.png", 9000)


@pytest.mark.parametrize(("name", "call", "match"), [
    ("x.png", lambda plan, out: burn(plan, out), "a burn writes a video.*--preview-at"),
    ("x.mp4", lambda plan, out: preview_still(plan, out, 1000), "--preview-at writes a PNG"),
    ("folder", lambda plan, out: burn(plan, out), "-o is a folder"),
])
def test_output_mistakes_are_one_line(black_video: Path, srt_file: Path, tmp_path: Path, name: str,
                                      call: object, match: str) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match=match) as info:
        call(plan_burn(black_video, srt_file), tmp_path / name)  # type: ignore[operator]
    assert "\n" not in str(info.value)


def test_ffmpeg_without_libass_gets_a_clear_error(black_video: Path, srt_file: Path, tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg-no-libass"
    fake.write_text("#!/bin/sh\necho ' ... scale  V->V  Scale the input video size.'\n", encoding="utf-8")
    fake.chmod(0o755)
    with pytest.raises(MediaError, match="no 'subtitles' filter.*imageio-ffmpeg.*SUBTITLE_PIPELINE_FFMPEG") as info:
        burn(plan_burn(black_video, srt_file), tmp_path / "o.mp4", ffmpeg=str(fake))
    assert "\n" not in str(info.value)
    assert require_subtitles_filter(tools.ffmpeg()) == tools.ffmpeg()


def bundled_plan(video: Path, subtitle: Path) -> BurnPlan:
    bundled = bundled_cjk_font()
    assert bundled is not None
    return plan_burn(video, subtitle, font=BUNDLED_CJK_FAMILY, fonts_dir=bundled.parent)


def test_the_bundled_font_draws_distinct_chinese_glyphs(ffmpeg_exe: str, black_video: Path, tmp_path: Path) -> None:
    # Boxes (tofu) look the same whatever the character: two different texts must draw differently.
    frames = []
    for i, text in enumerate(["你好世界", "字幕测试"]):
        subtitle = tmp_path / f"{i}.srt"
        subtitle.write_text(f"1\n00:00:00,000 --> 00:00:03,000\n{text}\n", encoding="utf-8")
        plan = bundled_plan(black_video, subtitle)
        frames.append(gray_pixels(preview_still(plan, tmp_path / f"{i}.png", 1000, ffmpeg=ffmpeg_exe)))
    assert all(bright_in(frame, 0.6) > 20 for frame in frames)
    differing = sum(1 for a, b in zip(frames[0], frames[1], strict=True) if (a > 160) != (b > 160))
    assert differing > 0.3 * bright_in(frames[0], 0.6)
