"""The review of a burn: a contact sheet PNG and an HTML page, written beside the output.

The sheet shows the subtitles as burned (from the burned video, or drawn on the source for a
preview); the page plays the source with the cues as a track, lists them with their lint
findings, and seeks to a cue on a click. Line widths are not linted here: burned lines are
measured in pixels of the frame (and checked on the pixels), not in characters.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from pipeline.media.burn import video_filter, written_ass
from pipeline.media.burn_plan import BurnPlan
from pipeline.media.contact_sheet import contact_sheet
from pipeline.media.review_page import write_review_page
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.lint import lint_cues
from pipeline.subtitles.rules import rules_for

PathLike = str | os.PathLike[str]

#: Lint rules about widths in characters, which pixel fitting replaces for burned cues.
CHARACTER_WIDTH_RULES = frozenset({"line_width", "unneeded_break"})


def findings_by_cue(plan: BurnPlan) -> dict[int, list[str]]:
    """Each cue's lint findings (``error: ...``/``warning: ...``), under the plan's language rules.

    A bilingual plan's halves are linted apart, each under its own language (together a cue
    has twice the lines either language allows).
    """
    fps = plan.target.canvas.frame_rate
    if plan.translation is None:
        halves = [("", plan.language, list(enumerate(plan.cues)))]
    else:
        split = plan.translation.halves(plan.cues)
        halves = [(" (source)", plan.language,
                   [(k, Cue(c.start_ms, c.end_ms, c.source)) for k, c in enumerate(split) if c.source]),
                  (" (translation)", plan.translation.language,
                   [(k, Cue(c.start_ms, c.end_ms, c.target)) for k, c in enumerate(split) if c.target])]
    found: dict[int, list[str]] = defaultdict(list)
    for label, language, numbered in halves:
        rules = rules_for(language, max_lines=plan.target.max_lines, fps=fps)
        for issue in lint_cues([cue for _, cue in numbered], rules):
            if issue.rule not in CHARACTER_WIDTH_RULES:
                found[numbered[issue.cue_index][0]].append(f"{issue.severity}: {issue.rule}{label}: {issue.message}")
    return dict(found)


def review_paths(output: PathLike) -> tuple[Path, Path]:
    """``clip.burned.mp4`` → ``clip.burned.review.png`` and ``clip.burned.review.html`` beside it."""
    base = Path(output).with_suffix("")
    return base.with_name(base.name + ".review.png"), base.with_name(base.name + ".review.html")


def write_review(plan: BurnPlan, output: PathLike, burned: PathLike | None = None) -> tuple[Path, Path]:
    """Write the sheet and the page for ``output``; stills from ``burned`` when given, else drawn on the source."""
    sheet_path, page_path = review_paths(output)
    if burned is not None and Path(burned).suffix.lower() not in {".png"}:
        contact_sheet(burned, plan.cues, sheet_path)
    else:
        fonts_dir = plan.target.font.fonts_dir
        with written_ass(plan) as ass:
            contact_sheet(plan.video.path, plan.cues, sheet_path,
                          video_filter_at=lambda seconds: video_filter(ass, fonts_dir, seconds))
    title = f"{plan.video.path.name}: {len(plan.cues)} cues, {plan.target.describe()}"
    write_review_page(page_path, plan.video.path, plan.cues, findings_by_cue(plan), title=title)
    return sheet_path, page_path
