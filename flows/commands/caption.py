"""``subtitle-pipeline caption``: caption a local video or audio file."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, get_args

from flows.commands.common import (
    add_burn_argument,
    add_dialogue_argument,
    add_language_argument,
    add_line_arguments,
    add_output_argument,
    add_resubmit_argument,
    add_snap_argument,
    add_target_arguments,
    check_live_credentials,
    check_output,
    parse_formats,
    release_in_doubt_if_asked,
    target_kwargs,
)
from flows.params import CaptionType, Format

if TYPE_CHECKING:
    from pipeline.media.probe import MediaInfo


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("caption", help="caption a local video or audio file")
    p.add_argument("media", help="video or audio file")
    add_output_argument(p)
    add_language_argument(p, from_file=True)
    p.add_argument("--caption-type", default="speech", choices=get_args(CaptionType),
                   help="speech (default; the only type Volcengine punctuates), singing for lyrics, or auto")
    p.add_argument("--no-punc", action="store_true", help="ask the vendor for no punctuation")
    p.add_argument("--no-itn", action="store_true", help="keep numbers as spoken words")
    p.add_argument("-f", "--formats", default="srt,vtt", help=f"comma-separated: {','.join(get_args(Format))}")
    add_line_arguments(p)
    add_dialogue_argument(p, "the vendor (it is asked who speaks: with_speaker_info)")
    add_snap_argument(p)
    add_resubmit_argument(p)
    add_burn_argument(p)
    add_target_arguments(p, "Volcengine Credentials")
    p.set_defaults(run=run)


def preflight(media: str) -> MediaInfo:
    """Refuse unusable input in milliseconds, before Prefect's server starts (which takes seconds)."""
    from pipeline.media.extract import plan_extraction
    from pipeline.media.probe import probe

    info = probe(media)
    plan_extraction(info)
    return info


def language_of(info: MediaInfo, given: str | None) -> tuple[str, str | None]:
    """The language to use, and a note when it came from the file's audio language tag."""
    from pipeline.language_tags import spoken_language

    if given:
        return given, None
    tag = info.audio.language if info.audio else None
    found = spoken_language(tag)
    if not found:
        return "zh-CN", None
    return found, f"{info.path.name}: language {found}, from its audio track's language tag {tag!r} (-l sets another)"


def run(args: argparse.Namespace) -> int:
    formats = parse_formats(args.formats)
    check_output(args)
    check_live_credentials(args, "volcengine", args.credentials_block)
    args.language, note = language_of(preflight(args.media), args.language)
    if note:
        from flows.logs import QUIET, verbosity

        if verbosity() != QUIET:
            print(note, file=sys.stderr)
    release_in_doubt_if_asked(args)
    from flows.caption import caption_media  # Prefect loads only once the input looks usable
    from flows.logs import configure_console

    configure_console()
    result = caption_media(
        media=args.media, output_dir=args.output_dir, language=args.language, caption_type=args.caption_type,
        use_punc=not args.no_punc, use_itn=not args.no_itn, formats=formats,
        max_chars_per_line=args.max_chars_per_line, max_lines=args.max_lines, snap_to_frames=args.snap_frames, burn_preset=args.burn_preset, review=args.review,
        dialogue=args.dialogue, **target_kwargs(args),
    )
    for path in result.outputs.values():
        print(path)
    return 0
