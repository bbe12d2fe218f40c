"""Burning a bilingual file: source and translation in two sizes, each half fitted under its own rules."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pysubs2
import pytest
from PIL import Image

from pipeline.media.burn import check_burned, pixel_samples, preview_still
from pipeline.media.burn_bilingual import fit_bilingual, split_by_script
from pipeline.media.burn_plan import plan_burn
from pipeline.media.review import findings_by_cue
from pipeline.subtitles.bilingual import (
    SECONDARY_STYLE,
    BilingualCue,
    write_bilingual_ass,
    write_bilingual_srt,
)
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.measure import CHARACTERS
from pipeline.subtitles.rules import rules_for

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
VERTICAL = SAMPLES / "zh_demo.vertical-rotated.mp4"
CUES = [
    BilingualCue(1100, 6000, ("欢迎使用字幕流水线。",), ("Welcome to the subtitle pipeline.",)),
    # Wider than the frame at the primary size: fitted at the secondary size, under English rules.
    BilingualCue(6700, 11200, ("这是一段中文示例，",),
                 ("This is a Chinese sample that somebody wrote, used to test how subtitles are generated",)),
    BilingualCue(11300, 18100, ("用来测试字幕的生成和时间轴。",), ("test subtitle generation and the timeline.",)),
    BilingualCue(18700, 22900, ("谢谢观看，再见！",), ("Thank you for watching. Goodbye!",)),
]


def words(lines: list[str]) -> list[str]:
    return " ".join(lines).split()


def test_script_changes_tell_the_halves_apart_only_when_most_cues_have_one() -> None:
    bilingual = [Cue(c.start_ms, c.end_ms, c.lines) for c in CUES]
    halves = split_by_script(bilingual)
    assert halves is not None and halves.languages == ("zh-CN", "en-US")
    assert [c.source for c in halves.cues] == [c.source for c in CUES]
    assert [c.target for c in halves.cues] == [c.target for c in CUES]
    english_over_chinese = [Cue(c.start_ms, c.end_ms, c.target + c.source) for c in CUES]
    assert split_by_script(english_over_chinese).languages == ("en-US", "zh-CN")  # type: ignore[union-attr]
    # A Chinese file in which one cue ends on an English word is not bilingual.
    chinese = [Cue(0, 900, ("我买了一台",)), Cue(900, 1800, ("新手机",)), Cue(1800, 2700, ("型号是", "iPhone")),
               Cue(2700, 3600, ("很好用",)), Cue(3600, 4500, ("谢谢",))]
    assert split_by_script(chinese) is None


def test_a_half_that_needs_more_lines_splits_the_cue_in_time_keeping_both_texts_in_order() -> None:
    zh, en = rules_for("zh-CN", max_lines=2), rules_for("en", max_lines=1)
    cue = BilingualCue(1000, 9000, ("这是一段很长的中文示例",), ("This is a very long English sentence that needs several lines here",))
    fitted, changes = fit_bilingual([cue], (zh, en), (CHARACTERS, CHARACTERS))  # 16 and 42 characters a line
    assert len(fitted) > 1 and changes and "translation line 1" in changes[0].reason
    assert all(len(c.target) <= 1 and len(c.source) <= 2 for c in fitted)
    assert "".join("".join(c.source) for c in fitted) == "这是一段很长的中文示例"
    assert words([line for c in fitted for line in c.target]) == cue.target[0].split()
    assert fitted[0].start_ms == 1000 and fitted[-1].end_ms == 9000
    assert all(a.end_ms == b.start_ms and a.start_ms < a.end_ms for a, b in zip(fitted, fitted[1:], strict=False))


@pytest.mark.parametrize("writer", [write_bilingual_srt, write_bilingual_ass])
def test_a_bilingual_file_burns_in_two_sizes_inside_the_safe_area(tmp_path: Path, writer: object) -> None:
    path = writer(CUES, tmp_path / ("clip.srt" if writer is write_bilingual_srt else "clip.ass"))  # type: ignore[operator]
    plan = plan_burn(VERTICAL, path)
    assert plan.translation is not None and plan.translation.language.startswith("en")
    secondary = plan.translation.target
    assert abs(secondary.font_px - 0.75 * plan.target.font_px) <= 1
    halves = plan.translation.halves(plan.cues)
    assert all(len(c.source) <= plan.target.max_lines and len(c.target) <= plan.target.max_lines for c in halves)
    assert words([line for c in halves for line in c.target]) == words([line for c in CUES for line in c.target])
    assert "".join(line for c in halves for line in c.source) == "".join(line for c in CUES for line in c.source)
    zh, en = plan.target.measure(rules_for("zh-CN")), secondary.measure(rules_for("en"))
    assert all(max(zh.widths(list(c.source)), default=0) <= zh.max_width + 1 for c in halves)
    assert all(max(en.widths(list(c.target)), default=0) <= en.max_width + 1 for c in halves)
    assert any("translation line 1" in change.reason for change in plan.changes)  # the long English line, refitted
    subs = pysubs2.SSAFile.from_string(plan.ass())
    assert subs.styles["Default"].fontsize == plan.target.font_px
    assert subs.styles[SECONDARY_STYLE].fontsize == secondary.font_px
    assert all("{\\r" + SECONDARY_STYLE + "}" in event.text for event in subs)
    assert any("bilingual" in line and "px" in line for line in plan.report())
    # The review page lints each half under its own language: a cue of 1 + 2 lines is no "3 lines" error.
    assert any(len(cue.lines) > plan.target.max_lines for cue in plan.cues)
    assert not any("max_lines" in finding for found in findings_by_cue(plan).values() for finding in found)


def test_a_preview_still_of_a_bilingual_srt_shows_the_translation_smaller_below(tmp_path: Path) -> None:
    srt = write_bilingual_srt(CUES, tmp_path / "clip.bilingual.srt")
    plan = plan_burn(VERTICAL, srt)
    cue = plan.cues[0]
    at = (cue.start_ms + cue.end_ms) // 2
    still = preview_still(plan, tmp_path / "still.png", at)
    checks = check_burned(plan, still, [s for s in pixel_samples(plan) if s.at_ms == at] or pixel_samples(plan)[:1])
    assert checks and all(check.ok for check in checks), [c.describe() for c in checks]

    assert plan.translation is not None
    nothing = replace(plan, cues=(), translation=replace(plan.translation, source_lines=()))
    bare = preview_still(nothing, tmp_path / "bare.png", at)
    drawn = np.abs(np.asarray(Image.open(still).convert("L"), dtype=int)
                   - np.asarray(Image.open(bare).convert("L"), dtype=int)) > 60
    rows = np.flatnonzero(drawn.any(axis=1))
    safe = plan.target.safe
    assert rows.size and safe.top <= rows.min() and rows.max() <= safe.bottom + plan.target.outline_px + 2
    gaps = np.flatnonzero(np.diff(rows) > 3)
    assert gaps.size >= 1  # two bands: the Chinese line, and the English line below it
    top_band, bottom_band = rows[: gaps[0] + 1], rows[gaps[-1] + 1:]
    assert bottom_band.size < top_band.size  # the translation is drawn smaller
    assert bottom_band.size >= 0.5 * plan.translation.target.font_px  # and legibly large


def test_the_alignment_report_beside_an_srt_says_where_the_translation_starts(tmp_path: Path) -> None:
    # Line 2 of cue 1 is English but the source's: a script change alone would take it for the translation.
    cues = [BilingualCue(1100, 6000, ("新手机的型号是", "iPhone 15"), ("The new phone is an iPhone 15",)),
            *CUES[1:]]
    srt = write_bilingual_srt(cues, tmp_path / "clip.bilingual.srt")
    report = {"format": "pipeline.translation/1", "source_language": "zh-CN", "target_language": "en",
              "pairs": [], "bilingual_source_lines": [len(c.source) for c in cues]}
    (tmp_path / "clip.bilingual.align.json").write_text(json.dumps(report), encoding="utf-8")
    plan = plan_burn(VERTICAL, srt)
    assert plan.translation is not None and plan.translation.language == "en"
    first = plan.translation.halves(plan.cues)[0]
    assert first.source == ("新手机的型号是", "iPhone 15") and first.target == ("The new phone is an iPhone 15",)


def test_emoji_are_left_out_of_both_halves(tmp_path: Path) -> None:
    cues = [BilingualCue(1100, 6000, ("欢迎使用字幕流水线🎉",), ("🎉",)), *CUES[1:]]
    plan = plan_burn(VERTICAL, write_bilingual_ass(cues, tmp_path / "clip.ass"))
    assert plan.translation is not None and plan.dropped_emoji == ("🎉",)
    assert plan.translation.halves(plan.cues)[0] == BilingualCue(1100, 6000, ("欢迎使用字幕流水线",), ())
    assert "🎉" not in plan.ass()
