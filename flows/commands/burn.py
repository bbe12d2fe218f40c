"""``subtitle-pipeline burn``: burn subtitles into a video, or preview the look first.

The subtitles (SRT, WebVTT or ASS) are fitted to the video's own frame before ffmpeg starts:
a platform preset gives the font size and the safe area (``douyin`` for 9:16 video, EBU
broadcast margins for 16:9 and 4:3, or ``--preset``), every line is measured in pixels of the
font libass will draw with, and any cue that would overflow is re-wrapped or split; what
changed and why is printed. A bilingual file (``X.bilingual.ass``, or an SRT/WebVTT whose cues
hold source lines above translation lines) burns in two sizes, the translation smaller. A full
burn re-encodes the whole video (minutes); ``--preview-at`` writes one PNG frame and
``--preview-clip`` a few seconds, to check the look in seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.logs import QUIET, verbosity
from flows.progress import terminal_reporter
from pipeline.errors import InputError
from pipeline.media.burn import STILL_SUFFIXES, burn, check_burned, pixel_samples, preview_clip, preview_still
from pipeline.media.burn_plan import BurnPlan, plan_burn
from pipeline.media.ffmpeg_run import Progress
from pipeline.media.pixel_check import Sample, summarize
from pipeline.media.presets import PRESETS
from pipeline.media.review import write_review


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("burn", help="burn subtitles into a video (or write a preview still/clip)",
                            description=__doc__.splitlines()[0].replace("``", ""))
    p.add_argument("video", metavar="VIDEO", help="the video to burn into")
    p.add_argument("subtitles", metavar="SUBS", help=".srt, .vtt or .ass file")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output video (.mp4, .mkv, .mov), or .png with --preview-at")
    p.add_argument("--preset", default=None, choices=sorted(PRESETS), metavar="NAME",
                   help=f"platform layout: {', '.join(PRESETS)} (default: douyin for portrait video, "
                        "broadcast-16:9 otherwise)")
    p.add_argument("--font", default=None,
                   help="font family to draw with (default: an installed Chinese font, else the bundled "
                        "Noto Sans CJK SC)")
    p.add_argument("--fonts-dir", default=None, metavar="DIR", help="folder of .ttf/.otf/.ttc fonts to load too")
    p.add_argument("--font-size", type=float, default=None, metavar="FRACTION",
                   help="font size as a fraction of the frame's shorter side (default: the preset's, e.g. 0.06)")
    p.add_argument("--margin", type=float, default=None, metavar="FRACTION",
                   help="clear band at the bottom as a fraction of the height (default: the preset's)")
    p.add_argument("--max-lines", type=int, default=None, metavar="N",
                   help="lines a burned cue may take (default: the preset's, 2)")
    p.add_argument("-l", "--language", default=None,
                   help="language whose line-breaking rules apply (default: guessed from the text; for a bilingual "
                        "file, the source's: the translation's comes with the file)")
    p.add_argument("--review", action="store_true",
                   help="also write OUT.review.png (a contact sheet: one still per cue group) and OUT.review.html "
                        "(the video with its cues, clickable, and their lint findings)")
    preview = p.add_mutually_exclusive_group()
    preview.add_argument("--preview-at", type=float, default=None, metavar="SECONDS",
                         help="write one PNG frame at this time instead of burning")
    preview.add_argument("--preview-clip", type=float, nargs=2, default=None, metavar=("START", "DURATION"),
                         help="burn only DURATION seconds from START (seconds)")
    p.set_defaults(run=run)


def plan_from_args(args: argparse.Namespace) -> BurnPlan:
    """The burn plan from the options; each bad value is refused in one line naming its option."""
    _check_output(args)
    overrides = {"font_size": args.font_size, "margin_bottom": args.margin, "max_lines": args.max_lines}
    # Option values are checked against any preset before the video is probed.
    PRESETS[args.preset or "douyin"].with_overrides(**overrides)
    if args.fonts_dir is not None and not Path(args.fonts_dir).is_dir():
        raise InputError(f"{args.fonts_dir}: --fonts-dir is not a folder; give a folder of .ttf/.otf/.ttc files")
    return plan_burn(args.video, args.subtitles, preset=args.preset, layout_overrides=overrides, font=args.font,
                     fonts_dir=args.fonts_dir, language=args.language)


def _check_output(args: argparse.Namespace) -> None:
    """Output mistakes that need no probing, refused before anything is read."""
    suffix = Path(args.output).suffix.lower()
    if args.preview_at is not None:
        if suffix != ".png":
            raise InputError(f"{args.output}: --preview-at writes a PNG still; give an output ending in .png")
        _ms(args.preview_at, "--preview-at")
    elif suffix in STILL_SUFFIXES:
        raise InputError(f"{args.output}: a burn writes a video; give .mp4, .mkv or .mov, or add "
                         "--preview-at SECONDS for a still")
    if args.preview_clip is not None:
        _ms(args.preview_clip[0], "--preview-clip start")
        if args.preview_clip[1] <= 0:
            raise InputError(f"--preview-clip duration {args.preview_clip[1]:g}: give a positive number of seconds")


def _ms(seconds: float, option: str) -> int:
    if seconds < 0:
        raise InputError(f"{option} {seconds:g}: give a time of zero or more seconds")
    return round(seconds * 1000)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[Progress], None] | None]:
    """The terminal's progress display, or none under ``-q``."""
    if verbosity() == QUIET:
        yield None
        return
    with terminal_reporter(label) as report:
        yield report


def run(args: argparse.Namespace) -> int:
    plan = plan_from_args(args)
    loud = verbosity() != QUIET
    for line in plan.report() if loud else plan.report()[2:]:  # -q keeps the changes and warnings
        print(line, file=sys.stderr)
    offset_ms = 0
    if args.preview_at is not None:
        at_ms = _ms(args.preview_at, "--preview-at")
        path = preview_still(plan, args.output, at_ms)
        samples = [Sample(at_ms, "".join(c.lines)) for c in plan.cues if c.start_ms <= at_ms < c.end_ms][:1]
    elif args.preview_clip is not None:
        offset_ms, length_ms = _ms(args.preview_clip[0], "--preview-clip start"), _ms(args.preview_clip[1], "--preview-clip duration")
        with _progress("preview") as report:
            path = preview_clip(plan, args.output, offset_ms, length_ms, on_progress=report)
        samples = pixel_samples(plan, offset_ms, offset_ms + length_ms)
    else:
        with _progress("burn") as report:
            path = burn(plan, args.output, on_progress=report)
        samples = pixel_samples(plan)
    checks = check_burned(plan, path, samples, offset_ms=offset_ms)
    if loud or not all(check.ok for check in checks):
        print(summarize(checks), file=sys.stderr)
    print(path)
    if args.review:
        # A preview clip starts mid-video, so its stills are drawn on the source instead.
        for written in write_review(plan, path, burned=path if args.preview_clip is None else None):
            print(written)
    # The output stays for a look, but a script must not take it for a good burn.
    return 0 if all(check.ok for check in checks) else 1
