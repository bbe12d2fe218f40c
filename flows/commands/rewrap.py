"""``subtitle-pipeline rewrap``: rebuild an existing SRT/WebVTT/ASS file's cues under our rules.

Subtitles from other tools often break lines mid-word, run past the line width or flash by
too fast. Rewrapping keeps their text, markup and timing and re-lays each cue on its own
(:mod:`pipeline.subtitles.rewrap`): wrapped under the rules, cut within its own time when
its text needs more lines, tags balanced on every line and mapped to the output format,
dialogue cues kept one line per speaker, overlong cues shortened rather than split,
zero-length cues dropped. The summary line says what was done and, for a file not in
UTF-8, the encoding it was read in (the output is UTF-8). The output is written atomically (a temporary file renamed into place), so even
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
    write_ass,
    write_json,
    write_srt,
    write_txt,
    write_vtt,
)
from pipeline.subtitles.reading import read_subtitle_file
from pipeline.subtitles.rewrap import has_text, plural, rewrap_with_report, transcript_of

FORMATS = ("srt", "vtt", "ass", "txt", "json")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("rewrap", help="rebuild an SRT/WebVTT/ASS file's cues under the subtitle rules")
    p.add_argument("input", metavar="IN", help=".srt, .vtt or .ass file")
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
    read = read_subtitle_file(Path(args.input))
    source = read.cues
    if not has_text(source):
        raise InputError(f"{args.input}: has no subtitle text to rewrap")
    extra = {"punctuation": args.punctuation} if args.punctuation else {}
    rules = rules_from_args(args, source, **extra, **timing_rules(args))
    cues, report = rewrap_with_report(source, rules)
    path = write(cues, args.output, fmt, source, rules)
    snapped = ", on its frames" if rules.snap_to_frames else ""
    read_as = f", read as {read.encoding}, written as UTF-8" if read.encoding not in ("utf-8", "utf-8-sig") else ""
    done = "".join(f"; {phrase}" for phrase in report.describe())
    print(f"{path}: {plural(len(source), 'cue')} in, {plural(len(cues), 'cue')} out ({rules.language}, "
          f"{rules.max_chars_per_line} chars x {rules.max_lines} lines, {rules.fps:g} fps{snapped}{read_as}){done}")
    return 0
