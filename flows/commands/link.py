"""``subtitle-pipeline link``: caption a short video from its share link or pasted share text."""

from __future__ import annotations

import argparse
from typing import get_args

from flows.commands.common import (
    add_burn_argument,
    add_snap_argument,
    add_target_arguments,
    check_live_credentials,
    parse_formats,
    target_kwargs,
)
from flows.params import Format, Language


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("link", help="caption a Douyin/Xiaohongshu/Kuaishou/... share link or share text")
    p.add_argument("share_text", help="the link, or the whole text the app's share button copied (quote it)")
    p.add_argument("-o", "--output-dir", default="output")
    p.add_argument("--resolver", default="transcriptgenerate", choices=("transcriptgenerate", "yinzi"))
    p.add_argument("--align-text", action="store_true",
                   help="time TranscriptGenerate's text by alignment instead of recognising the speech again")
    p.add_argument("--translate", default="auto", metavar="LANG", help="TranscriptGenerate translation (en, ja, ...)")
    p.add_argument("-l", "--language", default="zh-CN", choices=get_args(Language))
    p.add_argument("-f", "--formats", default="srt,vtt", help=f"comma-separated: {','.join(get_args(Format))}")
    p.add_argument("--max-download-mb", type=int, default=2048)
    p.add_argument("--resolver-block", default=None, metavar="NAME",
                   help="saved Prefect TranscriptGenerate/Yinzi Credentials block for live runs")
    add_snap_argument(p)
    add_burn_argument(p)
    add_target_arguments(p, "Volcengine Credentials")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.vendors import transcriptgenerate, yinzi
    from pipeline.vendors.share import parse_share_text

    formats = parse_formats(args.formats)
    supported = (transcriptgenerate if args.resolver == "transcriptgenerate" else yinzi).PLATFORMS
    parse_share_text(args.share_text, supported, vendor=args.resolver)  # refuse a bad paste before Prefect starts
    check_live_credentials(args, args.resolver, args.resolver_block)
    check_live_credentials(args, "volcengine", args.credentials_block)
    from flows.links import caption_link
    from flows.logs import configure_console

    configure_console()
    result = caption_link(share_text=args.share_text, output_dir=args.output_dir, resolver=args.resolver,
                          mode="align_text" if args.align_text else "caption", target_language=args.translate,
                          language=args.language, formats=formats, max_download_mb=args.max_download_mb,
                          resolver_block=args.resolver_block, snap_to_frames=args.snap_frames, burn_preset=args.burn_preset, review=args.review, **target_kwargs(args))
    for path in result.outputs.values():
        print(path)
    return 0
