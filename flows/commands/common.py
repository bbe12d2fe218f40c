"""Arguments every vendor-calling command shares."""

from __future__ import annotations

import argparse
from typing import TypedDict, cast, get_args

from flows.params import Format, Language, Target
from pipeline.errors import InputError
from pipeline.fileio import check_output_dir


def add_target_arguments(p: argparse.ArgumentParser, block_type: str) -> None:
    p.add_argument("--live", action="store_true",
                   help="call the real vendors (default: the embedded sandbox)")
    p.add_argument("--sandbox-url", default=None, metavar="URL",
                   help="root of a standalone sandbox (`subtitle-pipeline sandbox`) instead of an embedded one")
    p.add_argument("--credentials-block", default=None, metavar="NAME",
                   help=f"saved Prefect '{block_type}' block for live runs (default: environment variables)")


class TargetKwargs(TypedDict):
    """The flows' shared ``target``/``sandbox_url``/``credentials_block`` parameters.

    A TypedDict (not ``dict[str, Any]``) so that ``**target_kwargs(args)`` lets mypy pick the flow's plain
    overload (returning the flow's result) rather than the ``return_state=True`` one (returning a State).
    """

    target: Target
    sandbox_url: str | None
    credentials_block: str | None


def add_output_argument(p: argparse.ArgumentParser, what: str = "the subtitle files") -> None:
    p.add_argument("-o", "--output-dir", default="output", metavar="DIR",
                   help=f"folder for {what}, created if missing; checked before anything is submitted (default: output)")


def add_language_argument(p: argparse.ArgumentParser, from_file: bool = False) -> None:
    """``-l``; with ``from_file`` its default is the file's audio language tag (then zh-CN), left as None here."""
    default = "the file's audio language tag if it names one, else zh-CN" if from_file else "zh-CN"
    p.add_argument("-l", "--language", default=None if from_file else "zh-CN", choices=get_args(Language),
                   metavar="LANG", help=f"spoken language, which picks the line rules (default: {default}; "
                                        f"one of {', '.join(get_args(Language))})")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (0 and negatives are refused, not taken as the default)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def add_line_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-chars-per-line", type=positive_int, default=None, metavar="N",
                   help="line width in characters (default: the language's: zh 16, en 42)")
    p.add_argument("--max-lines", type=int, default=2, choices=(1, 2, 3), help="lines per cue (default: 2)")


def add_dialogue_argument(p: argparse.ArgumentParser, source: str) -> None:
    p.add_argument("--dialogue", action="store_true",
                   help=f"speaker turns from {source}: a new speaker starts a new cue, and two short turns may share "
                        "one as a dialogue cue, a line per speaker starting with a dash")


def add_snap_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--snap-frames", action="store_true",
                   help="put every cue time on a frame of the video (gaps are counted in its frames anyway)")


def add_burn_argument(p: argparse.ArgumentParser, review: bool = True) -> None:
    from pipeline.media.presets import PRESETS

    p.add_argument("--burn-preset", default="auto", metavar="NAME",
                   help="also write <name>.burn.ass cut for the video's own frame: auto (default: from the link's "
                        f"platform or the frame's shape), none, or one of {', '.join(PRESETS)}")
    if not review:
        return
    p.add_argument("--review", action="store_true",
                   help="also write a contact sheet (.burn.review.png) and an HTML review page (.burn.review.html) "
                        "of the burn-ready subtitles on the video")


def target_kwargs(args: argparse.Namespace) -> TargetKwargs:
    return {"target": "live" if args.live else "sandbox", "sandbox_url": args.sandbox_url,
            "credentials_block": args.credentials_block}


def parse_formats(text: str) -> list[Format]:
    """``srt,vtt`` → ["srt", "vtt"], refusing unknown names."""
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(get_args(Format)))
    if unknown or not formats:
        raise InputError(f"--formats: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(get_args(Format))}")
    return cast(list[Format], formats)  # every name was checked against Format just above


def check_live_credentials(args: argparse.Namespace, vendor: str, block: str | None) -> None:
    """With ``--live`` and no saved block, refuse missing credentials in one line now.

    They are read from the environment inside the vendor step; without this check their
    absence shows only after the Prefect server started and the audio was extracted (26 s).
    """
    if not getattr(args, "live", False) or block:
        return
    from pipeline.vendors import transcriptgenerate, volcengine, yinzi

    readers = {"volcengine": volcengine.VolcengineCredentials.from_env,
               "transcriptgenerate": transcriptgenerate.TranscriptGenerateCredentials.from_env,
               "yinzi": yinzi.YinziCredentials.from_env}
    readers[vendor]()


def check_output(args: argparse.Namespace) -> None:
    """Refuse an unusable ``-o`` in milliseconds, before probing, the server start or any vendor call."""
    check_output_dir(args.output_dir, "-o/--output-dir")


def add_resubmit_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--resubmit-in-doubt", action="store_true",
                   help="submit again a job whose earlier submit's answer was lost: the vendor may have it and "
                        "charge it, so this may pay twice; check the vendor's console first")


def release_in_doubt_if_asked(args: argparse.Namespace) -> None:
    """With ``--resubmit-in-doubt``, let the output folder's in-doubt submits be sent again."""
    if not args.resubmit_in_doubt:
        return
    from pathlib import Path

    from pipeline.ledger import LEDGER_NAME, JobLedger

    released = JobLedger(Path(args.output_dir) / LEDGER_NAME).release_in_doubt()
    print(f"resubmitting {released} in-doubt job(s) on request; the vendor may charge them twice")
