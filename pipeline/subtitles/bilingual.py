"""Bilingual subtitle files: each cue shows the source line(s) on top and the translation below.

SRT and WebVTT cannot style lines, so a bilingual cue is written through the public writers of
:mod:`~pipeline.subtitles.formats` as one cue whose lines are the source's then the
translation's. ASS gets two styles, the way editors style bilingual burn-in: ``Default`` (the
primary, for the source) and ``Secondary`` (the translation, a smaller size of the same font),
switched inside one event with ``{\\rSecondary}``, so players and libass keep the two parts of a
cue together and in order, and a reader (``read_cues``) gets the lines back in that order.

Example:
    >>> cue = BilingualCue(0, 1500, ("谢谢观看",), ("Thank you for watching",))
    >>> as_cues([cue])[0].lines
    ('谢谢观看', 'Thank you for watching')
    >>> event_text(cue)
    '谢谢观看\\\\N{\\\\rSecondary}Thank you for watching'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pysubs2

from pipeline.errors import SubtitleError
from pipeline.fileio import write_text_atomic
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.formats import DEFAULT_ASS_STYLE, DEFAULT_PLAY_RES, write_srt, write_vtt

#: The translation's size relative to the primary style's.
SECONDARY_SCALE = 0.75
SECONDARY_STYLE = "Secondary"

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class BilingualCue:
    """One bilingual cue: times in milliseconds, the source's lines and the translation's lines."""

    start_ms: int
    end_ms: int
    source: tuple[str, ...]
    target: tuple[str, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """Source lines, then translation lines."""
        return self.source + self.target


def as_cues(cues: Iterable[BilingualCue]) -> list[Cue]:
    """Plain cues with the source lines above the translation lines (for SRT and WebVTT)."""
    return [Cue(c.start_ms, c.end_ms, c.lines) for c in cues]


def write_bilingual_srt(cues: Iterable[BilingualCue], path: PathLike) -> Path:
    """``formats.write_srt`` of :func:`as_cues`."""
    return write_srt(as_cues(cues), path)


def write_bilingual_vtt(cues: Iterable[BilingualCue], path: PathLike) -> Path:
    """``formats.write_vtt`` of :func:`as_cues`."""
    return write_vtt(as_cues(cues), path)


def _escape(line: str) -> str:
    # Braces open override blocks in ASS; libass shows "\{" and "\}" as literal braces.
    return line.replace("{", "\\{").replace("}", "\\}")


def event_text(cue: BilingualCue) -> str:
    """The ASS event text: source lines, then ``{\\rSecondary}`` and the translation lines."""
    source = "\\N".join(_escape(line) for line in cue.source if line.strip())
    target = "\\N".join(_escape(line) for line in cue.target if line.strip())
    if not target:
        return source
    if not source:
        return "{\\r" + SECONDARY_STYLE + "}" + target
    return source + "\\N{\\r" + SECONDARY_STYLE + "}" + target


def bilingual_styles(primary: Mapping[str, Any] | None = None,
                     secondary_scale: float = SECONDARY_SCALE) -> tuple[pysubs2.SSAStyle, pysubs2.SSAStyle]:
    """The primary style (``DEFAULT_ASS_STYLE`` with ``primary`` overrides) and the smaller secondary one.

    Raises:
        SubtitleError: a style field is unknown.
    """
    try:
        main = pysubs2.SSAStyle(**{**DEFAULT_ASS_STYLE, **(primary or {})})
    except TypeError as exc:
        raise SubtitleError(f"unknown ASS style field: {' '.join(str(exc).split())}") from exc
    second = main.copy()
    second.fontsize = round(main.fontsize * secondary_scale, 1)
    second.outline = round(main.outline * secondary_scale, 1)
    return main, second


def bilingual_ass_text(cues: Sequence[BilingualCue], primary: Mapping[str, Any] | None = None,
                       play_res: tuple[int, int] = DEFAULT_PLAY_RES, secondary_scale: float = SECONDARY_SCALE,
                       styles: tuple[pysubs2.SSAStyle, pysubs2.SSAStyle] | None = None) -> str:
    """The ASS document: two styles, one event per cue (``WrapStyle 2``: our line breaks only)."""
    main, second = styles or bilingual_styles(primary, secondary_scale)
    subs = pysubs2.SSAFile()
    subs.info["PlayResX"], subs.info["PlayResY"] = str(play_res[0]), str(play_res[1])
    subs.info["WrapStyle"] = "2"
    subs.info["ScaledBorderAndShadow"] = "yes"
    subs.styles["Default"] = main
    subs.styles[SECONDARY_STYLE] = second
    for number, cue in enumerate(cues, start=1):
        if cue.start_ms < 0 or cue.end_ms < cue.start_ms:
            raise SubtitleError(f"bilingual cue {number} has times {cue.start_ms}-{cue.end_ms} ms")
        text = event_text(cue)
        if text:
            subs.append(pysubs2.SSAEvent(start=cue.start_ms, end=cue.end_ms, text=text, style="Default"))
    return str(subs.to_string("ass"))


def write_bilingual_ass(cues: Iterable[BilingualCue], path: PathLike, primary: Mapping[str, Any] | None = None,
                        play_res: tuple[int, int] = DEFAULT_PLAY_RES,
                        secondary_scale: float = SECONDARY_SCALE) -> Path:
    """Write the two-style ASS file of :func:`bilingual_ass_text` atomically and return its path.

    Raises:
        SubtitleError: a cue has impossible times, a style field is unknown, or the file cannot be written.
    """
    text = bilingual_ass_text(list(cues), primary, play_res, secondary_scale)
    try:
        return write_text_atomic(path, text)
    except OSError as exc:
        raise SubtitleError(f"cannot write {path}: {exc.strerror or exc}") from exc


WRITERS = {"srt": write_bilingual_srt, "vtt": write_bilingual_vtt, "ass": write_bilingual_ass}


#: The alignment report written beside a bilingual file (``<stem>.bilingual.align.json``,
#: ``pipeline.translation.report``): how many lines of each cue are the source's, and the two
#: languages. Lint and burn-in read it to treat each half under its own language.
BILINGUAL_MARK = ".bilingual"
REPORT_SUFFIX = ".bilingual.align.json"
REPORT_FORMAT = "pipeline.translation/1"


def report_path(subtitle_path: str | Path) -> Path | None:
    """``X.bilingual.align.json`` for ``X.bilingual.srt`` (``.vtt``, ``.ass``); None for other names."""
    path = Path(subtitle_path)
    if not path.stem.endswith(BILINGUAL_MARK):
        return None
    return path.with_name(path.stem[: -len(BILINGUAL_MARK)] + REPORT_SUFFIX)


def load_report(subtitle_path: str | Path) -> dict[str, Any] | None:
    """The alignment report beside a bilingual file, or None when there is none (or it is not ours)."""
    path = report_path(subtitle_path)
    if path is None or not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == REPORT_FORMAT else None


__all__ = ["BILINGUAL_MARK", "REPORT_FORMAT", "REPORT_SUFFIX", "SECONDARY_SCALE", "SECONDARY_STYLE", "WRITERS", "BilingualCue", "as_cues", "bilingual_ass_text",
           "bilingual_styles", "event_text", "load_report", "report_path", "write_bilingual_ass", "write_bilingual_srt", "write_bilingual_vtt"]
