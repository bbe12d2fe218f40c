"""Subtitle readers: SRT (pysrt), WebVTT (webvtt-py) and ASS/SSA (pysubs2), chosen by extension.

Files come from any tool, so the bytes are decoded by
:func:`~pipeline.subtitles.encoding.decode_subtitle_bytes` (UTF-8, UTF-16/32 with a BOM,
GB18030, cp1252) and :class:`SubtitleFile` says which encoding was used. Markup comes back
as SRT-style tags in the lines (``<i>``, ``<font …>``, a leading ``{\\an8}``), whatever the
format: WebVTT's ``<i> <b> <u>`` stay, its voices and classes go, ``line:0`` becomes
``{\\an8}``; ASS override tags become the SRT tags they mean (see :mod:`.markup`). An
invalid SRT names the line that is wrong and what was expected there.

Example:
    >>> from pathlib import Path
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "old.srt"
    >>> _ = path.write_bytes("1\\r\\n00:00:01,000 --> 00:00:02,000\\r\\n<i>Déjà vu</i>\\r\\n".encode("cp1252"))
    >>> read_subtitle_file(path)
    SubtitleFile(cues=[Cue(start_ms=1000, end_ms=2000, lines=('<i>Déjà vu</i>',))], encoding='cp1252')
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pysrt
import pysubs2
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from pipeline.errors import SubtitleError
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.encoding import decode_subtitle_bytes
from pipeline.subtitles.markup import SRT, convert, from_vtt

PathLike = str | os.PathLike[str]
SUFFIXES = (".srt", ".vtt", ".ass", ".ssa")

_SRT_TIME = r"\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}(\s.*)?$")
# Resolution-dependent ASS codes: meaningless once the cue is laid out on another canvas.
_ASS_PLACEMENT = re.compile(r"\\(?:pos|move|org|clip|iclip)\([^)]*\)")


@dataclass(frozen=True)
class SubtitleFile:
    """The cues of a file and the encoding its bytes were read in."""

    cues: list[Cue]
    encoding: str


def _one_line(text: object, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _read_text(path: Path) -> tuple[str, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SubtitleError(f"subtitle file not found: {path}") from exc
    except OSError as exc:
        raise SubtitleError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return decode_subtitle_bytes(raw, path)


def srt_problem(text: str) -> str | None:
    """What makes ``text`` invalid SRT, naming the line (1-based), or None when the layout looks right."""
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        if not lines[n].strip():
            n += 1
            continue
        if lines[n].strip().isdigit():
            n += 1
            if n >= len(lines) or not lines[n].strip():
                return f"line {n}: cue number {lines[n - 1].strip()} is not followed by a timing line"
        if not _SRT_TIMING.match(lines[n]):
            found = _one_line(lines[n], 60)
            what = "timing line" if "-->" in lines[n] else "cue number or timing line"
            return (f"line {n + 1}: expected a {what} like '00:00:01,000 --> 00:00:02,500' "
                    f"(HH:MM:SS,mmm), found {found!r}")
        n += 1
        while n < len(lines) and lines[n].strip():
            n += 1
    return None


def _parse_srt(text: str, path: Path) -> list[Cue]:
    if not text.strip():
        return []
    try:
        items = pysrt.SubRipFile.from_string(text, error_handling=pysrt.ERROR_RAISE)
    except pysrt.Error as exc:
        problem = srt_problem(text) or "a cue is not a number, a timing line and its text"
        raise SubtitleError(f"{path} is not valid SRT: {problem}") from exc
    return [Cue(item.start.ordinal, item.end.ordinal, tuple(item.text.splitlines())) for item in items]


def _parse_vtt(text: str, path: Path) -> list[Cue]:
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise SubtitleError(f"{path} is not valid WebVTT: {_one_line(exc)}") from exc
    return [
        Cue(c.start_time.in_milliseconds(), c.end_time.in_milliseconds(),
            tuple(from_vtt(c.raw_text, c.settings.line or "")))
        for c in captions
    ]


def _parse_ass(text: str, path: Path) -> list[Cue]:
    """Dialogue events as cues: ``\\N`` as line breaks, style overrides as SRT tags, ``\\an``
    kept; placements in the script's own coordinates (``\\pos``, ``\\move``), comments and
    drawings dropped."""
    try:
        subs = pysubs2.SSAFile.from_string(text, format_="ass" if "[V4+ Styles]" in text else None)
    except (pysubs2.exceptions.Pysubs2Error, ValueError) as exc:
        raise SubtitleError(f"{path} is not valid ASS/SSA: {_one_line(exc)}") from exc
    events = sorted((e for e in subs if e.type == "Dialogue" and not e.is_drawing), key=lambda e: (e.start, e.end))
    cues = []
    for event in events:
        raw = _ASS_PLACEMENT.sub("", event.text).replace("{}", "").replace("\\h", " ")
        lines = tuple(line.replace("\\{", "{").replace("\\}", "}")
                      for line in convert(re.split(r"\\[Nn]|\n", raw), SRT))
        if lines:
            cues.append(Cue(event.start, event.end, lines))
    return cues


def read_subtitle_file(path: PathLike) -> SubtitleFile:
    """Read an SRT, WebVTT or ASS/SSA file, chosen by its extension, and say its encoding.

    Raises:
        SubtitleError: the file is missing, not text, malformed, or of another format.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SubtitleError(f"cannot read {path}: only .srt, .vtt and .ass subtitles can be read")
    text, encoding = _read_text(path)
    if suffix in (".ass", ".ssa"):
        cues = _parse_ass(text, path)
    else:
        cues = _parse_srt(text, path) if suffix == ".srt" else _parse_vtt(text, path)
    return SubtitleFile(cues, encoding)


def read_cues(path: PathLike) -> list[Cue]:
    """The cues of an SRT, WebVTT or ASS/SSA file (see :func:`read_subtitle_file`)."""
    return read_subtitle_file(path).cues
