"""``subtitle-pipeline burn``: burn subtitles into a video, or preview the look first.

A full burn re-encodes the whole video (minutes); ``--preview-at`` writes one PNG frame and
``--preview-clip`` a few seconds, so font, size and margin can be checked in seconds before
committing to the encode. Sizes are fractions of the video height, so one setting reads the
same on a proxy and on the master.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.errors import InputError
from pipeline.media.burn import burn, preview_clip, preview_still
from pipeline.media.burn_style import BurnStyle

DEFAULT_STYLE = BurnStyle()


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("burn", help="burn subtitles into a video (or write a preview still/clip)")
    p.add_argument("video", metavar="VIDEO", help="the video to burn into")
    p.add_argument("subtitles", metavar="SUBS", help=".srt, .vtt or .ass file")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output video (.mp4, .mkv, .mov), or .png with --preview-at")
    p.add_argument("--font", default=DEFAULT_STYLE.font_name,
                   help=f"font family with Chinese glyphs (default {DEFAULT_STYLE.font_name}; "
                        "an installed CJK font is used if it is missing)")
    p.add_argument("--fonts-dir", default=None, metavar="DIR", help="folder of .ttf/.otf/.ttc fonts to load too")
    p.add_argument("--font-size", type=float, default=DEFAULT_STYLE.font_size, metavar="FRACTION",
                   help=f"font size as a fraction of the video height (default {DEFAULT_STYLE.font_size})")
    p.add_argument("--margin", type=float, default=DEFAULT_STYLE.margin_v, metavar="FRACTION",
                   help=f"bottom margin as a fraction of the video height (default {DEFAULT_STYLE.margin_v})")
    preview = p.add_mutually_exclusive_group()
    preview.add_argument("--preview-at", type=float, default=None, metavar="SECONDS",
                         help="write one PNG frame at this time instead of burning")
    preview.add_argument("--preview-clip", type=float, nargs=2, default=None, metavar=("START", "DURATION"),
                         help="burn only DURATION seconds from START (seconds)")
    p.set_defaults(run=run)


def style_from_args(args: argparse.Namespace) -> BurnStyle:
    """The burn style from the options; BurnStyle itself refuses out-of-range values in one line."""
    if args.fonts_dir is not None and not Path(args.fonts_dir).is_dir():
        raise InputError(f"{args.fonts_dir}: --fonts-dir is not a folder; give a folder of .ttf/.otf/.ttc files")
    return BurnStyle(font_name=args.font, font_size=args.font_size, margin_v=args.margin, fonts_dir=args.fonts_dir)


def _ms(seconds: float, option: str) -> int:
    if seconds < 0:
        raise InputError(f"{option} {seconds:g}: give a time of zero or more seconds")
    return round(seconds * 1000)


def run(args: argparse.Namespace) -> int:
    style = style_from_args(args)
    if args.preview_at is not None:
        if Path(args.output).suffix.lower() != ".png":
            raise InputError(f"{args.output}: --preview-at writes a PNG still; give an output ending in .png")
        path = preview_still(args.video, args.subtitles, args.output, _ms(args.preview_at, "--preview-at"), style)
    elif args.preview_clip is not None:
        start, duration = args.preview_clip
        if duration <= 0:
            raise InputError(f"--preview-clip duration {duration:g}: give a positive number of seconds")
        path = preview_clip(args.video, args.subtitles, args.output, _ms(start, "--preview-clip start"),
                            _ms(duration, "--preview-clip duration"), style)
    else:
        path = burn(args.video, args.subtitles, args.output, style)
    print(path)
    return 0
