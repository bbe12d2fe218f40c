"""``subtitle-pipeline rewrap``: rebuild an existing SRT/WebVTT file's cues with our engine.

Subtitles from other tools often break lines mid-word, run past the line width or flash by
too fast. Rewrapping keeps their text and timing but lets the cue builder regroup, wrap and
retime them under our rules, so the result passes ``lint``. Each input cue is treated as
one utterance; its time is spread over its characters, since a subtitle file has no word
times. The output is written atomically (a temporary file renamed into place), so even
``-o`` naming the input itself never leaves a half-written file. ``--video`` names the video
the subtitles are for: gaps are then counted in its frames (else 25 fps), and ``--snap-frames``
puts every time on one of its frames.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.commands.common import add_snap_argument
from flows.commands.lint import add_rule_options, rules_from_args
from pipeline.errors import InputError, PipelineError
from pipeline.media.probe import probe
from pipeline.subtitles import (
    PUNCTUATION_MODES,
    Cue,
    CueRules,
    read_cues,
    write_ass,
    write_json,
    write_srt,
    write_txt,
    write_vtt,
)
from pipeline.subtitles.rewrap import has_text, rewrap_cues, transcript_of

FORMATS = ("srt", "vtt", "ass", "txt", "json")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("rewrap", help="rebuild an SRT/WebVTT file's cues under the subtitle rules")
    p.add_argument("input", metavar="IN", help=".srt or .vtt file")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write (may equal IN, written atomically)")
    add_rule_options(p)
    p.add_argument("--punctuation", default=None, choices=PUNCTUATION_MODES,
                   help="Chinese punctuation display: keep (default), space, drop_final")
    p.add_argument("-f", "--format", default=None, choices=FORMATS, help="default: from OUT's extension")
    p.add_argument("--video", default=None, metavar="VIDEO",
                   help="the video the subtitles are for: gaps are counted in its frames (default 25 fps)")
    add_snap_argument(p)
    p.set_defaults(run=run)


def video_frame_rate(path: str) -> float | None:
    """The frame rate of ``--video`` (None when it has no usable one: the rules keep 25 fps).

    Raises:
        InputError: missing, unreadable, not media, or no picture in it (named as ``--video``).
    """
    try:
        info = probe(path)
    except PipelineError as exc:  # its message starts with the file: say which option named it
        raise InputError(f"--video {exc}") from exc
    if not info.video_streams:
        raise InputError(f"--video {path}: has no video stream; give the video these subtitles are for")
    return info.frame_rate


def timing_rules(args: argparse.Namespace) -> dict[str, object]:
    """The rule overrides ``--video`` and ``--snap-frames`` ask for."""
    if args.snap_frames and not args.video:
        raise InputError("--snap-frames needs the video's frame rate; add --video VIDEO")
    fps = video_frame_rate(args.video) if args.video else None
    return {**({"fps": fps} if fps else {}), **({"snap_to_frames": True} if args.snap_frames else {})}


def output_format(output: str, given: str | None) -> str:
    """The format asked for, else the one OUT's extension names; refuse to guess beyond that."""
    if given:
        return given
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InputError(f"{output}: cannot tell the format from the extension; add --format {'|'.join(FORMATS)}")


def write(cues: list[Cue], path: str, fmt: str, source: list[Cue], rules: CueRules) -> Path:
    """Write in ``fmt``; every writer replaces the target atomically.

    The JSON record also holds the transcript the cues were built from (``source`` as one
    utterance per cue), so ``build_cues`` can reproduce them from it.
    """
    if fmt == "json":
        return write_json(cues, path, transcript_of(source, rules.language), rules)
    writer = {"srt": write_srt, "vtt": write_vtt, "ass": write_ass, "txt": write_txt}[fmt]
    return writer(cues, path)


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args.output, args.format)
    source = read_cues(Path(args.input))
    if not has_text(source):
        raise InputError(f"{args.input}: has no subtitle text to rewrap")
    extra = {"punctuation": args.punctuation} if args.punctuation else {}
    rules = rules_from_args(args, source, **extra, **timing_rules(args))
    cues = rewrap_cues(source, rules)
    path = write(cues, args.output, fmt, source, rules)
    snapped = ", on its frames" if rules.snap_to_frames else ""
    print(f"{path}: {len(source)} cues in, {len(cues)} cues out ({rules.language}, "
          f"{rules.max_chars_per_line} chars x {rules.max_lines} lines, {rules.fps:g} fps{snapped})")
    return 0
