"""Subtitle writers (SRT, WebVTT, ASS, plain text, JSON); the readers are in :mod:`.reading`.

SRT goes through pysrt and WebVTT through webvtt-py, as the design card says; ASS through
pysubs2. Every file is UTF-8 without a BOM (players drop the first SRT cue after a BOM) and
is written atomically through :mod:`pipeline.fileio`, so a crash never leaves half a file.
Failures raise :class:`~pipeline.errors.SubtitleError` with a one-line message naming the file.

Cue lines may hold SRT-style markup (``<i>``, ``<font color=…>``, a leading ``{\\an8}``, as
:mod:`.reading` returns it): SRT keeps it, WebVTT and ASS write their own equivalent (see
:mod:`.markup`) and text drops it. Markup that does not parse cleanly (a stray ``<b>`` in a
transcript) is written as literal text, escaped as before.

Example:
    >>> from pathlib import Path
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "字幕 test.srt"
    >>> _ = write_srt([Cue(0, 1000, ("你好",))], path)
    >>> read_cues(path)
    [Cue(start_ms=0, end_ms=1000, lines=('你好',))]
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, count
from pathlib import Path
from typing import Any, cast

import pysrt
import pysubs2
from pysubs2.formats.substation import MAX_REPRESENTABLE_TIME as ASS_MAX_MS
from pysubs2.formats.substation import SubstationFormat
from webvtt.errors import MalformedCaptionError
from webvtt.models import Caption, Timestamp
from webvtt.vtt import WebVTTCueBlock, _validate_caption

from pipeline.errors import SubtitleError
from pipeline.fileio import write_text_atomic
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.markup import ASS, PLAIN, VTT, in_dialect, shown_text, vtt_settings
from pipeline.subtitles.reading import read_cues, read_subtitle_file

__all__ = ["read_cues", "read_subtitle_file"]  # the readers, where they used to be
from pipeline.subtitles.records import cues_to_dict
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import join_lines
from pipeline.transcript import Transcript

#: ASS style defaults for burn-in at 1920x1080: a CJK-capable font (libass falls back
#: unpredictably for Chinese glyphs otherwise), white text, a dark outline.
DEFAULT_ASS_STYLE: dict[str, Any] = {
    "fontname": "Noto Sans CJK SC",
    "fontsize": 60.0,
    "primarycolor": pysubs2.Color(255, 255, 255, 0),
    "outlinecolor": pysubs2.Color(0, 0, 0, 0),
    "backcolor": pysubs2.Color(0, 0, 0, 128),
    "bold": False,
    "outline": 3.0,
    "shadow": 0.0,
    "alignment": pysubs2.Alignment.BOTTOM_CENTER,
    "marginl": 60,
    "marginr": 60,
    "marginv": 60,
}
DEFAULT_PLAY_RES = (1920, 1080)
# Times from 10**10 hours on do not fit webvtt-py's timestamp pattern (up to 10 hour digits).
_MAX_VTT_MS = 10**10 * 3_600_000

PathLike = str | os.PathLike[str]


def _one_line(text: object, limit: int = 160) -> str:
    """Third-party messages may span lines and quote whole cues: keep one short line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _checked(cues: Iterable[Cue], path: PathLike) -> list[Cue]:
    """Refuse cues no format can represent, naming the file and the cue."""
    checked = list(cues)
    for number, cue in enumerate(checked, start=1):
        if cue.start_ms < 0 or cue.end_ms < cue.start_ms:
            raise SubtitleError(f"cannot write {path}: cue {number} has times {cue.start_ms}-{cue.end_ms} ms")
        if any("\n" in line or "\r" in line for line in cue.lines):
            raise SubtitleError(f"cannot write {path}: cue {number} has a line break inside a line")
    return checked


def _shown_lines(cues: Sequence[Cue]) -> tuple[list[Sequence[str]], str]:
    """Each cue's non-empty lines (a blank line would end an SRT/VTT cue early), and all the
    lines run together.

    The run-together text lets a writer ask once, in C, whether any line holds a character
    that needs care (a line break, markup to escape) instead of asking for every cue.
    """
    lines: list[Sequence[str]] = [cue.lines for cue in cues]
    if not all(map(str.strip, chain.from_iterable(lines))):
        lines = [[line for line in cue_lines if line.strip()] for cue_lines in lines]
    return lines, "".join(chain.from_iterable(lines))


# Clock fields as ready-made strings: looking "07" up is several times cheaper than
# formatting it, and the writers format two times per cue.
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))
_THREE_DIGITS = tuple(f"{n:03d}" for n in range(1000))
_TABLE_LIMIT_MS = 100 * 3_600_000  # the tables cover hours 0 to 99


def _clock_times(values: list[int], mark: str, fallback: Callable[[int], str]) -> list[str]:
    """``HH:MM:SS<mark>mmm`` for every value, through the digit tables.

    Anything the tables cannot format (negative, 100 h or more, not an int) goes to
    ``fallback``, the format's own rules for such times.
    """
    fits = [type(ms) is int and 0 <= ms < _TABLE_LIMIT_MS for ms in values] if _unusual(values, _TABLE_LIMIT_MS) else None
    safe = values if fits is None else [ms if ok else 0 for ms, ok in zip(values, fits, strict=True)]
    two, three = _TWO_DIGITS, _THREE_DIGITS
    texts = [
        f"{two[ms // 3_600_000]}:{two[ms // 60_000 % 60]}:{two[ms // 1000 % 60]}{mark}{three[ms % 1000]}"
        for ms in safe
    ]
    if fits is not None:
        texts = [text if ok else fallback(ms) for text, ms, ok in zip(texts, values, fits, strict=True)]
    return texts


def _unusual(values: list[int], limit_ms: int) -> bool:
    """True when some value is negative, ``limit_ms`` or more, or not an int (all checked in C)."""
    return bool(values) and not (0 <= min(values) and max(values) < limit_ms and set(map(type, values)) == {int})


def _write(path: PathLike, text: str) -> Path:
    try:
        return write_text_atomic(path, text)
    except OSError as exc:
        raise SubtitleError(f"cannot write {path}: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------- SRT


def srt_time(ms: int) -> str:
    """``SubRipTime.from_ordinal(ms)`` as pysrt writes it (negative times as zero), without the object."""
    hours, rest = divmod(max(0, int(ms)), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return pysrt.SubRipTime.TIME_PATTERN % (hours, minutes, seconds, millis)


def srt_text(cues: Sequence[Cue]) -> str:
    """The SRT document for ``cues`` (numbered from 1, ``\\n`` line ends).

    The text ``SubRipFile.write_into`` writes for ``SubRipItem`` objects (pysrt's
    ``ITEM_PATTERN``, times as ``SubRipTime.TIME_PATTERN``, a blank line after each item
    unless the text already ends one), formatted here in one pass: objects per cue made
    SRT the slowest writer on long transcripts. A property test compares it with pysrt's.
    """
    starts = _clock_times([cue.start_ms for cue in cues], ",", srt_time)
    ends = _clock_times([cue.end_ms for cue in cues], ",", srt_time)
    lines, flat = _shown_lines(cues)
    texts = list(map("\n".join, lines))
    if "\n" in flat or not all(lines):  # a text that is empty or ends a line itself gets one line end
        return "".join(
            f"{number}\n{start} --> {end}\n{text}" + ("\n\n" if text and text[-1] != "\n" else "\n")
            for number, start, end, text in zip(count(1), starts, ends, texts)
        )
    items = [f"{number}\n{start} --> {end}\n{text}\n\n" for number, start, end, text in zip(count(1), starts, ends, texts)]
    return "".join(items)


def write_srt(cues: Iterable[Cue], path: PathLike) -> Path:
    """Write an SRT file (UTF-8, no BOM) and return its path.

    Raises:
        SubtitleError: a cue has impossible times, or the file cannot be written.
    """
    return _write(path, srt_text(_checked(cues, path)))


# --------------------------------------------------------------------------- WebVTT


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _vtt_escape(line: str) -> str:
    # WebVTT cue text treats & and < as markup; escaping > too keeps "-->" out of the text.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _CueBlock:
    """What webvtt-py's cue-block writer and validator read from a ``Caption``, precomputed.

    ``webvtt.Caption`` parses or builds two ``Timestamp`` objects and a ``CueSettings`` per
    cue. This duck-typed block carries the formatted times (as ``Timestamp.__str__``
    writes them) and the lines, for webvtt-py's own ``_validate_caption`` and
    ``WebVTTCueBlock.format_lines`` (used for cues with line breaks inside a line).
    """

    __slots__ = ("end", "lines", "start")
    identifier = None
    settings = ""

    def __init__(self, start: str, end: str, lines: list[str]) -> None:
        self.start = start
        self.end = end
        self.lines = lines

    @property
    def raw_text(self) -> str:
        return "\n".join(self.lines)


def _vtt_stamp(ms: int) -> str:
    """``str(Timestamp)`` for ``ms``; out-of-range times fail as webvtt-py's parser makes them fail."""
    if not 0 <= ms < _MAX_VTT_MS:
        return str(Timestamp.from_string(_vtt_time(ms)))
    return _vtt_time(ms)


def vtt_text(cues: Sequence[Cue]) -> str:
    """The WebVTT document for ``cues``: what ``webvtt.WebVTT(captions=...).content`` writes.

    Header and layout as webvtt-py's ``to_str`` (``WEBVTT``, then an empty line, the timings
    and the lines of each cue, and a final line end), formatted here in one pass. A cue
    whose text holds a line break of its own goes through webvtt-py's ``_validate_caption``
    and ``WebVTTCueBlock.format_lines``, which refuse an empty line inside a cue; the other
    lines are non-blank and escaped (no ``-->``), so they pass. A property test compares
    the result with webvtt-py's.
    """
    starts = _clock_times([cue.start_ms for cue in cues], ".", _vtt_stamp)
    ends = _clock_times([cue.end_ms for cue in cues], ".", _vtt_stamp)
    lines, flat = _shown_lines(cues)
    if "\n" in flat or "\r" in flat or not all(lines):
        return _vtt_text_checked(lines, starts, ends)
    texts = list(map("\n".join, lines))
    settings = [""] * len(texts)
    if "&" in flat or "<" in flat or ">" in flat or "{" in flat:
        texts = list(map(_vtt_escape, texts))
        for k, cue_lines in enumerate(lines):
            marked = in_dialect(cue_lines, VTT)
            if marked is not None:
                texts[k] = "\n".join(marked[0])
                settings[k] = " " + vtt_settings(marked[1]) if vtt_settings(marked[1]) else ""
    blocks = [f"\n\n{start} --> {end}{setting}\n{text}"
              for start, end, setting, text in zip(starts, ends, settings, texts, strict=True)]
    return "".join(["WEBVTT", *blocks, "\n"])


def _vtt_text_checked(lines: list[Sequence[str]], starts: list[str], ends: list[str]) -> str:
    """:func:`vtt_text` for cues with nothing to show or with line breaks inside a line."""
    output = ["WEBVTT"]
    for cue_lines, start, end in zip(lines, starts, ends, strict=True):
        text = _vtt_escape("\n".join(cue_lines))
        if not cue_lines:
            output.append(f"\n\n{start} --> {end}")
        elif "\r" in text or text.count("\n") != len(cue_lines) - 1:
            # Duck-typed: the validator and the writer read only what _CueBlock holds.
            block = cast(Caption, _CueBlock(start, end, [_vtt_escape(x) for x in cue_lines]))
            _validate_caption(block)
            output.append("\n" + "\n".join(WebVTTCueBlock.format_lines(block)))
        else:
            output.append(f"\n\n{start} --> {end}\n{text}")
    output.append("\n")
    return "".join(output)


def write_vtt(cues: Iterable[Cue], path: PathLike) -> Path:
    """Write a WebVTT file (``WEBVTT`` header, ``hh:mm:ss.ttt``, escaped text) and return its path.

    Raises:
        SubtitleError: a cue has impossible times, or the file cannot be written.
    """
    checked = _checked(cues, path)
    try:
        text = vtt_text(checked)
    except (ValueError, MalformedCaptionError) as exc:
        raise SubtitleError(f"cannot write {path}: {_one_line(exc)}") from exc
    return _write(path, text)


# --------------------------------------------------------------------------- ASS


def _ass_escape(line: str) -> str:
    # Braces open override blocks in ASS; libass shows "\{" and "\}" as literal braces.
    return line.replace("{", "\\{").replace("}", "\\}")


def ass_text(
    cues: Sequence[Cue],
    style: Mapping[str, Any] | pysubs2.SSAStyle | None = None,
    play_res: tuple[int, int] = DEFAULT_PLAY_RES,
) -> str:
    """The ASS document for ``cues`` with one style named "Default"."""
    if isinstance(style, pysubs2.SSAStyle):
        ass_style = style.copy()
    else:
        try:
            ass_style = pysubs2.SSAStyle(**{**DEFAULT_ASS_STYLE, **(style or {})})
        except TypeError as exc:
            raise SubtitleError(f"unknown ASS style field: {_one_line(exc)}") from exc
    subs = pysubs2.SSAFile()
    subs.info["PlayResX"], subs.info["PlayResY"] = str(play_res[0]), str(play_res[1])
    # WrapStyle 2: no automatic wrapping. libass would break Chinese between any two
    # characters; our lines are already broken where they should be.
    subs.info["WrapStyle"] = "2"
    subs.info["ScaledBorderAndShadow"] = "yes"
    subs.styles["Default"] = ass_style
    # pysubs2 writes the header; the events are formatted as its writer formats them
    # (same field order, timestamps as its ms_to_timestamp writes them) and joined once,
    # instead of an SSAEvent object and a print() per field for every cue. A property test
    # compares the result with pysubs2's.
    header = subs.to_string("ass")
    starts = _ass_times([cue.start_ms for cue in cues])
    ends = _ass_times([cue.end_ms for cue in cues])
    lines, flat = _shown_lines(cues)
    texts = list(map("\\N".join, lines))
    if "{" in flat or "}" in flat or "\n" in flat or "<" in flat:
        texts = [_ass_escape(text).replace("\n", "\\N") for text in texts]
        for k, cue_lines in enumerate(lines):
            marked = in_dialect(cue_lines, ASS)
            if marked is not None:
                texts[k] = "\\N".join(marked[0])
    events = [
        f"Dialogue: 0,{start},{end},Default,,0,0,0,,{text}\n" for start, end, text in zip(starts, ends, texts, strict=True)
    ]
    return header + "".join(events)


def _ass_times(values: list[int]) -> list[str]:
    """``H:MM:SS.cc`` for every value, as pysubs2's ``SubstationFormat.ms_to_timestamp``.

    Rounded to centiseconds as Aegisub does (``(ms + 5) // 10``); times it would clamp or
    coerce (negative, past 10 h, not an int) go through pysubs2 itself, warning included.
    """
    fits = [type(ms) is int and 0 <= ms <= ASS_MAX_MS for ms in values] if _unusual(values, ASS_MAX_MS + 1) else None
    safe = values if fits is None else [ms if ok else 0 for ms, ok in zip(values, fits, strict=True)]
    two = _TWO_DIGITS
    texts = [
        f"{cs // 360_000}:{two[cs // 6000 % 60]}:{two[cs // 100 % 60]}.{two[cs % 100]}"
        for cs in [(ms + 5) // 10 for ms in safe]
    ]
    if fits is not None:
        timestamp = SubstationFormat.ms_to_timestamp
        texts = [text if ok else timestamp(ms) for text, ms, ok in zip(texts, values, fits, strict=True)]
    return texts


def write_ass(
    cues: Iterable[Cue],
    path: PathLike,
    style: Mapping[str, Any] | pysubs2.SSAStyle | None = None,
    play_res: tuple[int, int] = DEFAULT_PLAY_RES,
) -> Path:
    """Write an ASS file for burn-in and return its path.

    Args:
        cues: the cues.
        path: where to write.
        style: a ``pysubs2.SSAStyle``, or field overrides for :data:`DEFAULT_ASS_STYLE`
            such as ``{"fontname": "Noto Sans CJK TC", "fontsize": 48}``.
        play_res: the script resolution the style's sizes refer to.

    Raises:
        SubtitleError: a cue has impossible times, a style field is unknown, or the file
            cannot be written.
    """
    checked = _checked(cues, path)
    return _write(path, ass_text(checked, style, play_res))


# --------------------------------------------------------------------------- text and JSON


def write_txt(cues: Iterable[Cue], path: PathLike) -> Path:
    """Write the cues' text, one cue per line, for reading and searching."""
    checked = _checked(cues, path)
    return _write(path, "".join(join_lines(shown_text(cue.lines, PLAIN)) + "\n" for cue in checked))


def write_json(
    cues: Iterable[Cue], path: PathLike, transcript: Transcript | None = None, rules: CueRules | None = None
) -> Path:
    """Write the JSON document of :func:`cues_to_dict` (UTF-8, readable Chinese) and return its path."""
    checked = _checked(cues, path)
    doc = cues_to_dict(checked, transcript, rules)
    return _write(path, json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
