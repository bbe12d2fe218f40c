"""The burn-in flow: burn subtitles into a video from the Prefect UI, with progress and a pixel check.

Thin tasks over :mod:`pipeline.media.burn`: plan (fit the cues to the frame, check the font),
burn (a progress artifact fed by ffmpeg's own progress), check the burned frames on the pixels
(a table artifact), and optionally the review sheet and page. The CLI's ``burn`` runs the same
library calls without a Prefect server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from pipeline.errors import InputError
from pipeline.media.burn import burn, check_burned, pixel_samples
from pipeline.media.burn_plan import BurnPlan, plan_burn
from pipeline.media.ffmpeg_run import Progress
from pipeline.media.pixel_check import FrameCheck, as_rows, summarize
from pipeline.media.review import write_review


@dataclass
class BurnResult:
    """What a burn produced."""

    output: str
    cues: int
    changes: list[str] = field(default_factory=list)
    pixel_check: str = ""
    review: list[str] = field(default_factory=list)


@task(name="plan-burn", cache_policy=NO_CACHE)
def plan_task(video: str, subtitles: str, preset: str, font: str | None, fonts_dir: str | None,
              font_size: float | None, margin: float | None, max_lines: int | None) -> BurnPlan:
    plan = plan_burn(video, subtitles, preset=None if preset == "auto" else preset, font=font, fonts_dir=fonts_dir,
                     layout_overrides={"font_size": font_size, "margin_bottom": margin, "max_lines": max_lines})
    for line in plan.report():
        get_run_logger().info("%s", line)
    return plan


@task(name="burn-video", cache_policy=NO_CACHE)
def burn_task(plan: BurnPlan, output: str) -> str:
    # create_progress_artifact is @async_dispatch'ed (typed "UUID | Coroutine"); in this sync task it is a UUID.
    artifact = cast(UUID, create_progress_artifact(0.0, key="burn-progress", description=f"burning {Path(output).name}"))
    step = [0.0]

    def report(progress: Progress) -> None:
        fraction = progress.fraction or 0.0
        if progress.finished or fraction >= step[0] + 0.05:  # every 5 %: the API need not hear each frame
            step[0] = fraction
            update_progress_artifact(artifact, 100.0 * fraction)

    return str(burn(plan, output, on_progress=report))


@task(name="check-burned-pixels", cache_policy=NO_CACHE)
def pixel_check_task(plan: BurnPlan, output: str) -> list[FrameCheck]:
    checks = check_burned(plan, output, pixel_samples(plan))
    create_table_artifact(as_rows(checks), key="burn-pixel-check", description=summarize(checks))
    return checks


@flow(name="burn-subtitles", log_prints=True)
def burn_subtitles(
    video: str,
    subtitles: str,
    output: str = "",
    preset: str = "auto",
    font: str | None = None,
    fonts_dir: str | None = None,
    font_size: float | None = None,
    margin: float | None = None,
    max_lines: int | None = None,
    review: bool = True,
) -> BurnResult:
    """Burn ``subtitles`` (SRT, WebVTT or ASS) into ``video``, fitted to its frame, and check the result.

    Args:
        video: the video to burn into.
        subtitles: an .srt, .vtt or .ass file (e.g. the caption flow's ``.burn.ass``).
        output: the burned video (default: ``<video stem>.burned.mp4`` beside the video).
        preset: auto (douyin for portrait video, broadcast-16:9 otherwise) or a preset name.
        font: font family (default: an installed Chinese font, else the bundled Noto Sans CJK SC).
        fonts_dir: a folder of fonts for libass.
        font_size: font size as a fraction of the frame's shorter side (default: the preset's).
        margin: bottom clear band as a fraction of the height (default: the preset's).
        max_lines: lines a burned cue may take (default: the preset's).
        review: also write the contact sheet and the HTML review page beside the output.

    Raises:
        InputError: bad input, or a pixel check that failed (the burned video is kept to look at).
    """
    target = output or str(Path(video).with_suffix("").with_name(Path(video).stem + ".burned.mp4"))
    plan = plan_task(video, subtitles, preset, font, fonts_dir, font_size, margin, max_lines)
    burned = burn_task(plan, target)
    checks = pixel_check_task(plan, burned)
    reviewed = [str(p) for p in write_review(plan, burned, burned)] if review else []
    result = BurnResult(burned, len(plan.cues), [c.describe() for c in plan.changes], summarize(checks), reviewed)
    create_markdown_artifact(_summary(plan, result), key="burn-summary", description=f"Burn of {Path(video).name}")
    if not all(check.ok for check in checks):
        raise InputError(f"{burned}: {summarize(checks)}; look at the review sheet, then change --preset or sizes")
    return result


def _summary(plan: BurnPlan, result: BurnResult) -> str:
    changes = "\n".join(f"- {change}" for change in result.changes) or "- none: every cue fitted as written"
    review = "\n".join(f"- `{path}`" for path in result.review)
    return (f"## Burned `{Path(result.output).name}`\n\n- **Target**: {plan.target.describe()}\n"
            f"- **Font**: {plan.target.font.family} ({plan.target.font.why})\n- **Cues**: {result.cues}\n"
            f"- **{result.pixel_check}**\n\n### Cues re-fitted to the frame\n{changes}\n\n### Review\n{review}\n")
