"""A burn-ready bilingual ASS: source and translation inside the frame's safe area, in two sizes.

The frame, preset and font come from :func:`pipeline.media.burn_plan.target_for`, as for the
single-language ``<name>.burn.ass``. The source is cut for the frame in the primary style's
pixels, the translation wrapped in the pixels of the secondary style
(:data:`~pipeline.subtitles.bilingual.SECONDARY_SCALE` of the size), each under its own
language's rules, each within the preset's lines; a cue's source and translation lines
together must fit the safe area's height, which :func:`plan_bilingual_burn` checks.

Example:
    >>> plan = plan_bilingual_burn(info, source, done, rules_for("zh-CN"), rules_for("en"))  # doctest: +SKIP
    >>> write_bilingual_burn_ass(plan, "clip.bilingual.burn.ass")                            # doctest: +SKIP
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import InputError, MediaError, SubtitleError
from pipeline.fileio import write_text_atomic
from pipeline.media import tools
from pipeline.media.burn import require_subtitles_filter, still_command
from pipeline.media.burn_plan import require_glyphs, target_for
from pipeline.media.burn_target import (
    LINE_HEIGHT,
    BurnTarget,
    bilingual_height_px,
    secondary_target,
    two_style_ass,
)
from pipeline.media.probe import MediaInfo
from pipeline.subtitles.bilingual import BilingualCue, as_cues
from pipeline.subtitles.chain import build_cues
from pipeline.subtitles.rules import CueRules
from pipeline.transcript import Transcript
from pipeline.translation.bilingual_cues import bilingual_cues
from pipeline.translation.build import TranslatedSubtitles


@dataclass(frozen=True)
class BilingualBurnPlan:
    """The primary (source) and secondary (translation) targets and the cues drawn with them."""

    primary: BurnTarget
    secondary: BurnTarget
    cues: tuple[BilingualCue, ...]

    def ass(self) -> str:
        return two_style_ass(self.primary, self.secondary, self.cues)

    def tallest_px(self) -> float:
        """The height of the tallest cue, in frame pixels."""
        return max((bilingual_height_px(self.primary, self.secondary, c) for c in self.cues), default=0.0)

    def describe(self) -> str:
        return (f"{self.primary.describe()}; translation {self.secondary.font_px} px; "
                f"tallest cue {self.tallest_px():.0f} of {self.primary.safe.height} px")


def plan_bilingual_burn(video: MediaInfo, source: Transcript, translated: TranslatedSubtitles, source_rules: CueRules,
                        target_rules: CueRules, *, preset: str | None = None, platform: str | None = None,
                        font: str | None = None) -> BilingualBurnPlan:
    """Bilingual cues cut for ``video``'s frame.

    Each half may take the preset's lines; the cue as a whole must fit the safe area's height.

    Raises:
        InputError: no picture, characters no font can draw, or cues taller than the safe area.
    """
    primary = target_for(video, preset=preset, platform=platform, font=font)
    secondary = secondary_target(primary)
    lines = primary.max_lines
    src_rules = replace(source_rules, max_lines=lines, fps=primary.canvas.frame_rate)
    tgt_rules = replace(target_rules, max_lines=lines, fps=primary.canvas.frame_rate)
    source_cues = build_cues(source, src_rules, measure=primary.measure(src_rules))
    tokens = [w for u in translated.transcript.utterances for w in u.words]
    cues = bilingual_cues(source_cues, tokens, src_rules, tgt_rules,
                          (primary.measure(src_rules), secondary.measure(tgt_rules)))
    require_glyphs(as_cues(cues), primary.font, video.path)
    plan = BilingualBurnPlan(primary, secondary, tuple(cues))
    if plan.tallest_px() > primary.safe.height:
        raise InputError(f"{video.path}: bilingual cues need {plan.tallest_px():.0f} px of height but the safe area "
                         f"has {primary.safe.height}; use a smaller font size or fewer lines")
    return plan


def write_bilingual_burn_ass(plan: BilingualBurnPlan, path: str | os.PathLike[str]) -> Path:
    """Write the plan's two-style ASS atomically and return its path."""
    try:
        return write_text_atomic(path, plan.ass())
    except OSError as exc:
        raise SubtitleError(f"cannot write {path}: {exc.strerror or exc}") from exc


def preview_still(plan: BilingualBurnPlan, video: str | os.PathLike[str], ass_file: str | os.PathLike[str],
                  output_png: str | os.PathLike[str], at_ms: int, *, ffmpeg: str | None = None) -> Path:
    """One PNG frame of ``video`` at ``at_ms`` with the bilingual ASS drawn as it is (both styles).

    Raises:
        MediaError: no ffmpeg with libass, or ffmpeg failed.
    """
    exe = require_subtitles_filter(ffmpeg or tools.ffmpeg())
    command = still_command(video, ass_file, output_png, at_ms / 1000, plan.primary.font.fonts_dir, ffmpeg=exe)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not Path(output_png).is_file():
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise MediaError(f"{output_png}: ffmpeg could not draw the preview: {last}")
    return Path(output_png)


__all__ = ["LINE_HEIGHT", "BilingualBurnPlan", "plan_bilingual_burn", "preview_still", "write_bilingual_burn_ass"]
