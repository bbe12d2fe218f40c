"""``subtitle-pipeline align``: time a known script against a video or audio file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import get_args

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
from flows.params import Format


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("align", help="time a known script (text file) against a video or audio file")
    p.add_argument("media", help="video or audio file")
    p.add_argument("script_file", help="UTF-8 text file with the spoken words")
    add_output_argument(p)
    add_language_argument(p)
    p.add_argument("--singing", action="store_true", help="the text is lyrics")
    p.add_argument("--punctuation", type=int, default=1, choices=(1, 2, 3),
                   help="vendor punctuation mode: 1 drop sentence-final, 2 as spaces, 3 keep all")
    p.add_argument("--translate", default="auto", metavar="LANG",
                   help="also time a translation of the script in LANG (en, ja, ko, zh, fr, de, es): "
                        "<name>.<LANG>.* and <name>.bilingual.* files, as with link --align-text --translate")
    p.add_argument("--translation", default=None, metavar="FILE",
                   help="UTF-8 text file with the translation (default with --translate: SCRIPT_FILE's "
                        "<stem>.<LANG>.txt beside it, the name link --translate writes)")
    p.add_argument("-f", "--formats", default="srt,vtt", help=f"comma-separated: {','.join(get_args(Format))}")
    add_line_arguments(p)
    add_dialogue_argument(p, "the script, each turn's line starting with a dash (- 你好 / - 再见)")
    add_snap_argument(p)
    add_resubmit_argument(p)
    add_burn_argument(p, review=False)
    add_target_arguments(p, "Volcengine Credentials")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from flows.align import read_script
    from flows.commands.caption import preflight

    formats = parse_formats(args.formats)
    check_output(args)
    check_live_credentials(args, "volcengine", args.credentials_block)
    read_script(None, args.script_file)
    translation = translation_file(args)
    preflight(args.media)
    release_in_doubt_if_asked(args)
    from flows.align import align_script
    from flows.logs import configure_console

    configure_console()
    result = align_script(media=args.media, script_file=args.script_file, output_dir=args.output_dir,
                          language=args.language, caption_type="singing" if args.singing else "speech",
                          sta_punc_mode=args.punctuation, formats=formats, max_chars_per_line=args.max_chars_per_line,
                          max_lines=args.max_lines, snap_to_frames=args.snap_frames, burn_preset=args.burn_preset,
                          translation_file=translation, translation_language=args.translate if translation else None,
                          dialogue=args.dialogue, **target_kwargs(args))
    for path in result.outputs.values():
        print(path)
    return 0


def translation_file(args: argparse.Namespace) -> str | None:
    """The translation file to time beside the script, checked before Prefect starts (None: no translation).

    Raises:
        InputError: ``--translation`` without ``--translate``, a bad language code, or an unreadable file.
    """
    from flows.align import read_translation
    from pipeline.errors import InputError
    from pipeline.vendors.transcriptgenerate import TaskOptions

    if args.translate == "auto":
        if args.translation:
            raise InputError(f"{args.translation}: --translation needs --translate LANG, the translation's language")
        return None
    try:
        TaskOptions(target_language=args.translate)
    except InputError as exc:
        raise InputError(str(exc).replace("target_language=", "--translate ", 1)) from exc
    script = Path(args.script_file)
    path = Path(args.translation) if args.translation else script.with_name(f"{script.stem}.{args.translate}.txt")
    if not args.translation and not path.is_file():
        raise InputError(f"{path}: no translation beside the script; put the {args.translate} text there "
                         "or give --translation FILE")
    read_translation(None, str(path), args.translate)
    return str(path)
