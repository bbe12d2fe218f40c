"""The bilingual burn-ready ASS: both languages in two sizes inside the frame's safe area, drawn by libass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysubs2
import pytest
from PIL import Image

from pipeline.media.probe import probe
from pipeline.sandbox import speech
from pipeline.subtitles.bilingual import SECONDARY_STYLE
from pipeline.subtitles.rules import rules_for
from pipeline.transcript import Transcript
from pipeline.translation.build import translate
from pipeline.translation.burn import plan_bilingual_burn, preview_still, write_bilingual_burn_ass

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def sample_transcript(media: Path, language: str) -> Transcript:
    """What the sandbox's Volcengine answers for a sample: its registered text over its own speech."""
    registry = speech.TranscriptRegistry()
    registry.register_dir(SAMPLES)
    utterances, _ = speech.transcribe(speech.analyse(media), registry)
    return Transcript(tuple(utterances), language=language)


@pytest.mark.parametrize("video", ["zh_demo.vertical-rotated.mp4", "zh_demo.mp4"])
def test_bilingual_burn_fits_the_safe_area_in_two_sizes(video: str, tmp_path: Path) -> None:
    info = probe(SAMPLES / video)
    source = sample_transcript(SAMPLES / "zh_demo.mp4", "zh-CN")
    done = translate(source, (SAMPLES / "zh_demo.en.txt").read_text(encoding="utf-8"), "en",
                     rules_for("zh-CN"), rules_for("en"))
    plan = plan_bilingual_burn(info, source, done, rules_for("zh-CN"), rules_for("en"))
    assert plan.secondary.font_px < plan.primary.font_px
    safe = plan.primary.safe
    assert plan.tallest_px() <= safe.height
    src_measure = plan.primary.measure(rules_for("zh-CN"))
    tgt_measure = plan.secondary.measure(rules_for("en"))
    for cue in plan.cues:
        assert cue.source and cue.target
        assert all(sum(src_measure.widths([line])) <= src_measure.max_width + 1 for line in cue.source)
        assert all(sum(tgt_measure.widths([line])) <= tgt_measure.max_width + 1 for line in cue.target)
    path = write_bilingual_burn_ass(plan, tmp_path / "clip.bilingual.burn.ass")
    subs = pysubs2.load(str(path))
    assert (subs.info["PlayResX"], subs.info["PlayResY"]) == tuple(map(str, plan.primary.play_res))
    assert subs.styles[SECONDARY_STYLE].fontsize == plan.secondary.font_px
    assert subs.styles["Default"].fontsize == plan.primary.font_px


def test_a_preview_still_shows_both_languages_inside_the_safe_area(tmp_path: Path) -> None:
    video = SAMPLES / "zh_demo.vertical-rotated.mp4"
    info = probe(video)
    source = sample_transcript(SAMPLES / "zh_demo.mp4", "zh-CN")
    done = translate(source, (SAMPLES / "zh_demo.en.txt").read_text(encoding="utf-8"), "en",
                     rules_for("zh-CN"), rules_for("en"))
    plan = plan_bilingual_burn(info, source, done, rules_for("zh-CN"), rules_for("en"))
    ass = write_bilingual_burn_ass(plan, tmp_path / "b.ass")
    cue = plan.cues[0]
    still = preview_still(plan, video, ass, tmp_path / "still.png", (cue.start_ms + cue.end_ms) // 2)
    bare = preview_still(plan, video, write_bilingual_burn_ass(type(plan)(plan.primary, plan.secondary, ()),
                                                               tmp_path / "none.ass"),
                         tmp_path / "bare.png", (cue.start_ms + cue.end_ms) // 2)
    drawn = np.abs(np.asarray(Image.open(still).convert("L"), dtype=int) - np.asarray(Image.open(bare).convert("L"),
                                                                                       dtype=int)) > 60
    rows = np.flatnonzero(drawn.any(axis=1))
    cols = np.flatnonzero(drawn.any(axis=0))
    safe = plan.primary.safe
    assert rows.size and safe.top <= rows.min() and rows.max() <= safe.bottom + plan.primary.outline_px + 2
    assert safe.left - plan.primary.outline_px - 2 <= cols.min() and cols.max() <= safe.right + plan.primary.outline_px + 2
    # Two bands of text separated by a gap: the Chinese line above, the smaller English line below.
    gaps = np.flatnonzero(np.diff(rows) > 3)
    assert gaps.size >= 1
    top_band = rows[: gaps[0] + 1]
    bottom_band = rows[gaps[-1] + 1:]
    assert top_band.size > bottom_band.size * 0.9  # the primary (source) line is the taller
    assert bottom_band.size >= 0.5 * plan.secondary.font_px  # the translation is drawn, legibly large
