"""``subtitle-pipeline separate``: vocals and accompaniment (or text) from a file, with Yinzi.

With ``--order-type extract-text`` Yinzi's caption file is kept and also written as our subtitles
in ``--formats`` (``<stem>.yinzi.srt`` …), under the same line rules as ``caption``.
"""

from __future__ import annotations

import argparse
from typing import get_args

from flows.commands.common import (
    add_language_argument,
    add_line_arguments,
    add_output_argument,
    add_target_arguments,
    check_live_credentials,
    check_output,
    parse_formats,
    target_kwargs,
)
from flows.params import Format


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("separate", help="split vocals and accompaniment with Yinzi (optionally caption)")
    p.add_argument("media", help="video or audio file")
    p.add_argument("--order-type", default="track-separation",
                   choices=("track-separation", "extract-voice", "extract-music", "extract-text"))
    add_output_argument(p)
    p.add_argument("--caption", default="none", choices=("none", "mix", "vocals"),
                   help="also caption the original mix (speech) or the vocals stem (songs)")
    p.add_argument("--singing", action="store_true", help="caption as lyrics")
    add_language_argument(p)
    p.add_argument("-f", "--formats", default="srt,vtt",
                   help=f"comma-separated: {','.join(get_args(Format))} (captions, and Yinzi's text with extract-text)")
    add_line_arguments(p)
    p.add_argument("--media-host", default="loopback", choices=("loopback", "s3"),
                   help="how Yinzi fetches the audio (s3: MEDIA_HOST_S3_BUCKET etc.; loopback: sandbox only)")
    p.add_argument("--yinzi-block", default=None, metavar="NAME", help="saved Prefect Yinzi Credentials block")
    add_target_arguments(p, "Volcengine Credentials")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from flows.commands.caption import preflight

    formats = parse_formats(args.formats)
    check_output(args)
    check_live_credentials(args, "yinzi", args.credentials_block)
    preflight(args.media)
    from flows.logs import configure_console
    from flows.separate import separate_tracks

    configure_console()
    result = separate_tracks(media=args.media, order_type=args.order_type, output_dir=args.output_dir,
                             caption=args.caption, caption_type="singing" if args.singing else "speech",
                             language=args.language, formats=formats, max_chars_per_line=args.max_chars_per_line,
                             max_lines=args.max_lines, media_host=args.media_host,
                             yinzi_block=args.yinzi_block, **target_kwargs(args))
    for path in [*result.stems.values(), *result.captions.values(), *result.text_subtitles.values()]:
        print(path)
    return 0
