"""The pixel check, and burn-in measured on the pixels: real frames of every shape, rendered by libass."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.media import tools
from pipeline.media.burn import burn, check_burned, pixel_samples, preview_still, subtitles_filter
from pipeline.media.burn_plan import plan_burn
from pipeline.media.canvas import Rect
from pipeline.media.fonts import BUNDLED_CJK_FAMILY
from pipeline.media.pixel_check import FrameCheck, Sample, grab_gray, inspect_frame, summarize

SIXTEEN = ("今天我们来聊一聊人工智能的未来", "以及它对普通人的生活有什么影响")
MIXED = "iPhone 15 Pro Max 售价 7999 元起，比上一代贵了 1000 元"


def srt(path: Path, *cues: str, seconds: float = 2) -> Path:
    blocks = [f"{k + 1}\n00:00:0{k * 2},000 --> 00:00:0{k * 2 + 1},900\n{text}\n" for k, text in enumerate(cues)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def still_check(video: Path, subtitle: Path, tmp_path: Path, **plan_options: object) -> FrameCheck:
    plan = plan_burn(video, subtitle, **plan_options)  # type: ignore[arg-type]
    still = preview_still(plan, tmp_path / "still.png", 1000)
    (check,) = check_burned(plan, still, pixel_samples(plan, 0, 1999))
    return check


@pytest.mark.parametrize(("stored", "rotation"), [((1080, 1920), 0), ((1920, 1080), 90), ((1920, 1080), 0),
                                                  ((1440, 1080), 0)],
                         ids=["1080x1920", "phone-rotate-90", "1920x1080", "1440x1080"])
# Descenders and the outline under them reach the lowest rows: they too stay inside.
@pytest.mark.parametrize("text", ["\n".join(SIXTEEN), MIXED, "jumpy gypsy quickly\nyoung puppy gaps"],
                         ids=["2x16-chinese", "mixed", "descenders"])
def test_the_issue_cues_burn_within_two_lines_inside_the_safe_area(frame_clip: Callable[..., Path], tmp_path: Path,
                                                                    stored: tuple[int, int], rotation: int,
                                                                    text: str) -> None:
    video = frame_clip(*stored, rotation=rotation, seconds=2)
    check = still_check(video, srt(tmp_path / "cue.srt", text), tmp_path)
    assert check.ok, check.describe()
    assert 1 <= check.lines <= 2


@pytest.mark.parametrize(("lines", "expected"), [
    (["今天天气很好"], 1), (["今天天气很好", "我们去公园"], 2), (["二三", "一二三", "三二一"], 3),
    (["iPhone 15 Pro", "售价 7999 元"], 2), (["one"], 1), (["one line", "and two", "and three"], 3),
])
def test_lines_are_counted_from_the_ink(frame_clip: Callable[..., Path], tmp_path: Path, lines: list[str],
                                        expected: int) -> None:
    video = frame_clip(1080, 1920, seconds=2)
    check = still_check(video, srt(tmp_path / "c.srt", "\n".join(lines)), tmp_path,
                        layout_overrides={"max_lines": 3})
    assert check.lines == expected, check.describe()


def test_text_outside_the_safe_area_is_caught(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=2)
    plan = plan_burn(video, srt(tmp_path / "c.srt", "今天天气很好"))
    still = preview_still(plan, tmp_path / "s.png", 1000)
    size = plan.target.play_res
    plain, drawn = grab_gray(video, 1000, size), grab_gray(still, 1000, size)
    inside = inspect_frame(plain, drawn, plan.target.safe, plan.target.font_px, "今天天气很好")
    assert inside.ok and inside.box is not None
    higher = Rect(0, 0, 1080, inside.box.top + 5)  # a safe area ending above the text's bottom
    assert not inspect_frame(plain, drawn, higher, plan.target.font_px, "今天天气很好").inside


def render_ass(video: Path, tmp_path: Path, text: str, font: str, fonts_dir: Path | None) -> Path:
    """A still drawn by libass straight from an ASS naming ``font``, bypassing our glyph checks."""
    ass = tmp_path / "raw.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 1080\nPlayResY: 1920\nWrapStyle: 2\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        "MarginR, MarginV, Encoding\n"
        f"Style: Default,{font},65,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,3,0,2,60,170,"
        "422,1\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        f"Dialogue: 0,0:00:00.00,0:00:02.00,Default,,0,0,0,,{text}\n", encoding="utf-8")
    still = tmp_path / "raw.png"
    subprocess.run([tools.ffmpeg(), "-v", "error", "-y", "-ss", "1", "-i", str(video), "-vf",
                    f"setpts=PTS+1/TB,{subtitles_filter(ass, fonts_dir)},setpts=PTS-STARTPTS", "-frames:v", "1",
                    str(still)], check=True)
    return still


def glyph_check(video: Path, still: Path, text: str) -> FrameCheck:
    plain, drawn = grab_gray(video, 1000, (1080, 1920)), grab_gray(still, 1000, (1080, 1920))
    return inspect_frame(plain, drawn, Rect(0, 0, 1080, 1920), 65, text)


def test_boxes_from_a_font_without_chinese_are_caught(no_system_cjk_fonts: Path, frame_clip: Callable[..., Path],
                                                      tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=2)
    text = "你好世界字幕测试"
    tofu = glyph_check(video, render_ass(video, tmp_path, text, "DejaVu Sans", None), text)
    assert tofu.box is not None and not tofu.distinct_glyphs, "boxes were taken for glyphs"
    assert "identical boxes" in tofu.describe()


@pytest.mark.parametrize("text", ["你好世界字幕测试", "哈哈哈哈哈哈", "lll ok Illinois", "iPhone 15 Pro Max 售价 7999 元"])
def test_real_glyphs_are_distinct(frame_clip: Callable[..., Path], tmp_path: Path, text: str) -> None:
    video = frame_clip(1080, 1920, seconds=2)
    plan = plan_burn(video, srt(tmp_path / "c.srt", text))
    still = render_ass(video, tmp_path, text, plan.target.font.family, plan.target.font.fonts_dir)
    assert glyph_check(video, still, text).distinct_glyphs


def test_a_fresh_machine_burns_chinese_with_the_bundled_font(no_system_cjk_fonts: Path,
                                                             frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=2)
    subtitle = srt(tmp_path / "c.srt", "\n".join(SIXTEEN))
    plan = plan_burn(video, subtitle)
    assert plan.target.font.family == BUNDLED_CJK_FAMILY and "no Chinese font is installed" in plan.target.font.why
    check = still_check(video, subtitle, tmp_path)
    assert check.ok and check.distinct_glyphs, check.describe()


def test_a_burned_video_is_checked_at_cue_midpoints(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=4)
    plan = plan_burn(video, srt(tmp_path / "c.srt", "\n".join(SIXTEEN), MIXED))
    out = burn(plan, tmp_path / "burned.mp4", preset="ultrafast")
    samples = pixel_samples(plan)
    assert [s.at_ms for s in samples] == [(c.start_ms + c.end_ms) // 2 for c in plan.cues]
    checks = check_burned(plan, out, samples)
    assert all(check.ok for check in checks), summarize(checks)
    assert summarize(checks).startswith(f"pixel check: {len(checks)} frame(s), all within 2 line(s)")


def test_nothing_drawn_is_reported() -> None:
    frame = np.full((40, 40), 48, dtype=np.uint8)
    check = inspect_frame(frame, frame, Rect(0, 0, 40, 40), 10, "字幕测试")
    assert not check.ok and check.describe() == "0 s: no text drawn"
    assert "1 of 1 frame(s) failed" in summarize([check])


def test_samples_spread_over_many_cues(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(320, 180, seconds=4)
    blocks = [f"{k + 1}\n00:00:00,{k * 20:03} --> 00:00:00,{k * 20 + 15:03}\n第{k}句\n" for k in range(40)]
    (tmp_path / "many.srt").write_text("\n".join(blocks), encoding="utf-8")
    samples = pixel_samples(plan_burn(video, tmp_path / "many.srt"), most=8)
    assert len(samples) == 8 and samples[0].text == "第0句" and samples[-1].text == "第39句"
    assert samples == sorted(samples, key=lambda s: s.at_ms)
    assert isinstance(samples[0], Sample)
