"""Caption files from a vendor (Yinzi's ``extract-text`` result) as a normalized Transcript.

Yinzi answers ``extract-text`` with a file of business ``caption``. Its format is not
documented and its file name may have no extension, so the format is recognised from the
content, leniently, and nothing in a real file makes the conversion fail:

- **SRT / WebVTT**: a BOM, CRLF or CR line ends, missing index lines or blank lines between
  cues, comma or dot milliseconds, hour-less times (``01:02.500``), WebVTT headers, NOTE /
  STYLE / REGION blocks, cue identifiers and cue settings, overlapping or out-of-order cues,
  empty cues, ends before starts, multi-line cues, HTML-ish tags (``<i>``, ``<font …>``,
  ``<v Speaker>``, ``<00:01.000>``), entities (``&amp;``) and ASS override tags (``{\\an8}``).
- **LRC**: ``[mm:ss.xx]`` lines (several stamps on a line, ``[offset:…]``, metadata tags,
  enhanced ``<mm:ss.xx>`` word stamps); a line lasts until the next stamp.
- **ASS / SSA**: ``Dialogue:`` events, through pysubs2.
- **Plain text** (no times at all): one utterance per line, without times, flagged
  :attr:`~pipeline.transcript.Transcript.needs_alignment` like TranscriptGenerate's text.

A caption file has cue times only, so each cue's time is spread over its words in proportion to
their display width (a CJK character is one word and two cells wide, a Latin word one cell per
letter): an estimate, recorded as ``meta["word_times"] == "estimated"``. Punctuation is not
spoken, so it is not a word and takes no time. A cue without a usable end (LRC, or an end
before its start) lasts until the next cue, at most a reading-speed estimate.

``pipeline.subtitles.read_cues`` is deliberately not used: it reads well-formed ``.srt`` and
``.vtt`` files chosen by extension and refuses anything else, which is right for ``lint`` and
``rewrap`` but not for a vendor file.

Example:
    >>> t = transcript_from_caption_text(
    ...     "1\\r\\n00:00:01,000 --> 00:00:02,000\\r\\n<i>你好，</i>\\r\\n世界。\\r\\n", "zh-CN")
    >>> u = t.utterances[0]
    >>> u.text, u.start_ms, u.end_ms
    ('你好，世界。', 1000, 2000)
    >>> [(w.text, w.start_ms, w.end_ms) for w in u.words]
    [('你', 1000, 1250), ('好', 1250, 1500), ('世', 1500, 1750), ('界', 1750, 2000)]
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pysubs2

from pipeline.errors import SubtitleError
from pipeline.subtitles.encoding import decode_subtitle_bytes
from pipeline.subtitles.text import is_cjk_char, is_halfwidth
from pipeline.transcript import Transcript, Utterance, Word, transcript_from_text

CaptionFormat = Literal["srt", "vtt", "lrc", "ass", "text"]

#: Estimated speaking time per display cell, for cues without a usable end (LRC's last line):
#: 200 ms per CJK character, 100 ms per Latin letter, within the usual cue durations.
MS_PER_CELL = 100
MIN_ESTIMATE_MS = 1000
MAX_ESTIMATE_MS = 7000

_TIME = r"(?:(\d+):)?(\d+):(\d{1,2})(?:[.,](\d+))?"
_TIMING_LINE = re.compile(rf"^\s*{_TIME}\s*(?:-->|->|–>|—>)\s*{_TIME}(?:\s.*)?$")
_LRC_STAMP = re.compile(r"\[(\d+):(\d{1,2})(?:[.:,](\d+))?\]")
_LRC_LINE = re.compile(r"^\s*((?:\[\d+:\d{1,2}(?:[.:,]\d+)?\]\s*)+)(.*)$")
_LRC_TAG = re.compile(r"^\s*\[([A-Za-z#]+)\s*:(.*)\]\s*$")
_VTT_BLOCK = re.compile(r"^(?:WEBVTT|NOTE|STYLE|REGION)(?:\s|$)")
_ASS_MARKERS = re.compile(r"^\s*(?:\[Script Info\]|\[Events\]|Dialogue\s*:)", re.IGNORECASE | re.MULTILINE)
# Markup to drop: ASS override blocks ({\an8}, {\i1}), HTML-ish tags (<i>, </font>, <v Name>,
# <c.yellow>, <ruby>) and inline timestamps (WebVTT karaoke, enhanced LRC).
_ASS_OVERRIDE = re.compile(r"\{[^{}]*\\[^{}]*\}")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.,]*>")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))
# Characters that join the letters around them into one word: it's, e-mail, 3.5, 10:30.
_JOINERS = "'’-‐.,:/&+_@"


@dataclass(frozen=True)
class RawCue:
    """One cue as read from the file: times may be missing (plain text, LRC ends)."""

    start_ms: int | None
    end_ms: int | None
    text: str


# --------------------------------------------------------------------------- reading


def decode_caption_bytes(raw: bytes, path: str | os.PathLike[str] = "caption file") -> str:
    """Text of a caption file, by :func:`pipeline.subtitles.encoding.decode_subtitle_bytes`
    (the one decoder ``read_cues`` uses too): UTF-8 (with or without BOM), UTF-16/32 with
    BOM, GB18030 (GB2312, GBK) or cp1252.

    Raises:
        SubtitleError: the bytes are not text in any of these encodings.
    """
    return decode_subtitle_bytes(raw, path)[0]


def read_caption_file(path: str | os.PathLike[str]) -> str:
    """The decoded text of a caption file (see :func:`decode_caption_bytes`).

    Raises:
        SubtitleError: the file is missing, unreadable or not text.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise SubtitleError(f"caption file not found: {path}") from exc
    except OSError as exc:
        raise SubtitleError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return decode_caption_bytes(raw, path)


# --------------------------------------------------------------------------- parsing


def _ms(hours: str | None, minutes: str, seconds: str, fraction: str | None) -> int:
    ms = (int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)) * 1000
    return ms + (round(int(fraction) * 1000 / 10 ** len(fraction)) if fraction else 0)


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE).split("\n")


def detect_format(text: str) -> CaptionFormat:
    """Which kind of caption text this is, from its content (extensions are not trusted).

    Example:
        >>> detect_format("[00:01.50]歌词"), detect_format("just words"), detect_format("WEBVTT\\n")
        ('lrc', 'text', 'vtt')
    """
    lines = _lines(text)
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("WEBVTT"):
        return "vtt"
    if any(_TIMING_LINE.match(line) for line in lines):
        return "srt"
    if _ASS_MARKERS.search(text):
        return "ass"
    if any(_LRC_LINE.match(line) for line in lines):
        return "lrc"
    return "text"


def _parse_timed_blocks(lines: Sequence[str]) -> list[RawCue]:
    """SRT and WebVTT: cues are timing lines and the text after them, however the blocks look."""
    cues: list[tuple[int | None, int | None, list[str]]] = []
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    for block in blocks:
        timing = [k for k, line in enumerate(block) if _TIMING_LINE.match(line)]
        if not timing:
            if _VTT_BLOCK.match(block[0] if block else "WEBVTT") or not cues:
                continue  # a header, note, style or preamble
            if not (len(block) == 1 and block[0].strip().isdigit()):
                cues[-1][2].extend(block)  # text after a blank line inside a cue
            continue
        for n, k in enumerate(timing):
            match = _TIMING_LINE.match(block[k])
            assert match is not None
            start, end = _ms(*match.groups()[:4]), _ms(*match.groups()[4:])
            body = block[k + 1 : timing[n + 1] if n + 1 < len(timing) else len(block)]
            if n + 1 < len(timing) and body and body[-1].strip().isdigit():
                body = body[:-1]  # the next cue's index, with no blank line before it
            cues.append((start, end if end > start else None, list(body)))
    return [RawCue(start, end, clean_text(body)) for start, end, body in cues]


def _parse_lrc(lines: Sequence[str]) -> list[RawCue]:
    """LRC: each stamp starts a line of lyrics; ``[offset:+ms]`` shows every line earlier."""
    offset = 0
    cues: list[RawCue] = []
    for line in lines:
        tag = _LRC_TAG.match(line)
        if tag:
            if tag.group(1).lower() == "offset":
                try:
                    offset = int(tag.group(2).strip())
                except ValueError:
                    pass
            continue
        match = _LRC_LINE.match(line)
        if not match:
            continue
        text = clean_text([match.group(2)])
        for stamp in _LRC_STAMP.finditer(match.group(1)):
            cues.append(RawCue(max(0, _ms(None, *stamp.groups()) - offset), None, text))
    return cues


def _parse_ass(text: str) -> list[RawCue]:
    try:
        # Without a styles section pysubs2 cannot tell the flavour: ASS reads SSA events too.
        flavour = "ssa" if re.search(r"^\s*\[V4 Styles\]", text, re.IGNORECASE | re.MULTILINE) else "ass"
        events = pysubs2.SSAFile.from_string(text, format_=flavour).events
    except Exception as exc:  # noqa: BLE001 - pysubs2 raises many kinds of errors on bad input
        raise SubtitleError(f"caption file looks like ASS/SSA but cannot be read: {exc}") from exc
    return [RawCue(max(0, e.start), e.end if e.end > e.start else None, clean_text([e.plaintext]))
            for e in events if not e.is_comment]


def parse_caption_text(text: str) -> tuple[CaptionFormat, list[RawCue]]:
    """The format and the cues of caption text, in file order, times not yet repaired.

    Plain text gives one untimed cue per non-blank line.
    """
    fmt = detect_format(text)
    lines = _lines(text)
    if fmt in ("srt", "vtt"):
        return fmt, _parse_timed_blocks(lines)
    if fmt == "lrc":
        return fmt, _parse_lrc(lines)
    if fmt == "ass":
        return fmt, _parse_ass(text)
    return fmt, [RawCue(None, None, cleaned) for line in lines if (cleaned := clean_text([line]))]


# --------------------------------------------------------------------------- text


def _is_wide(ch: str) -> bool:
    return not is_halfwidth(ch)


def _join_lines(lines: Iterable[str]) -> str:
    """Lines of one cue as one text: no space where a CJK (full-width) character meets the break."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (_is_wide(out[-1]) or _is_wide(line[0])):
            out += " "
        out += line
    return out


def clean_text(lines: Iterable[str]) -> str:
    """One cue's lines as display text without markup, entities or stray whitespace.

    Example:
        >>> clean_text(["{\\\\an8}<i>Hello&amp;</i>  ", " <font color='red'>world</font>"])
        'Hello& world'
    """
    pieces: list[str] = []
    for line in lines:
        line = line.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
        line = html.unescape(_TAG.sub("", _ASS_OVERRIDE.sub("", line))).translate(_INVISIBLE)
        pieces.extend(" ".join(part.split()) for part in line.split("\n"))
    return _join_lines(pieces)


def _is_letter(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def spoken_words(text: str) -> list[str]:
    """The words of a cue's text: each CJK character, each run of letters/digits; no punctuation.

    Example:
        >>> spoken_words("“你好”, it's 3.5 e-mails!")
        ['你', '好', "it's", '3.5', 'e-mails']
    """
    words: list[str] = []
    current = ""
    for i, ch in enumerate(text):
        if is_cjk_char(ch) and not unicodedata.category(ch).startswith(("P", "S")):  # not ？ or ＠
            if current:
                words.append(current)
                current = ""
            words.append(ch)
        elif _is_letter(ch):
            current += ch
        elif (ch in _JOINERS and current and i + 1 < len(text) and _is_letter(text[i + 1])
              and not is_cjk_char(text[i + 1])):
            current += ch
        elif current:
            words.append(current)
            current = ""
    if current:
        words.append(current)
    return words


def display_width(text: str) -> int:
    """Screen cells: two for a full-width character, one for any other."""
    return sum(1 if is_halfwidth(ch) else 2 for ch in text)


def spread_words(text: str, start_ms: int, end_ms: int) -> tuple[Word, ...]:
    """The cue's words timed across ``start_ms``–``end_ms`` in proportion to their display width.

    Consecutive, in order, integer milliseconds; the first starts at ``start_ms`` and the last
    ends at ``end_ms``.

    Example:
        >>> [(w.text, w.start_ms, w.end_ms) for w in spread_words("Hi there, 你", 0, 900)]
        [('Hi', 0, 200), ('there', 200, 700), ('你', 700, 900)]
    """
    texts = spoken_words(text)
    widths = [display_width(t) for t in texts]
    total = sum(widths)
    span = max(0, end_ms - start_ms)
    words: list[Word] = []
    done = 0
    for word, width in zip(texts, widths, strict=True):
        a = start_ms + span * done // total
        done += width
        words.append(Word(word, a, start_ms + span * done // total))
    return tuple(words)


def estimated_duration_ms(text: str) -> int:
    """How long a cue of this text is likely spoken, for cues whose file gives no end."""
    width = display_width("".join(spoken_words(text)))
    return min(MAX_ESTIMATE_MS, max(MIN_ESTIMATE_MS, width * MS_PER_CELL))


# --------------------------------------------------------------------------- transcript


def _timed_utterances(cues: Sequence[RawCue]) -> list[Utterance]:
    """Sorted utterances with repaired ends; empty and exactly repeated cues dropped."""
    timed = sorted((c for c in cues if c.start_ms is not None), key=lambda c: (c.start_ms, c.end_ms is None))
    starts = [c.start_ms for c in timed]
    utterances: list[Utterance] = []
    seen: set[tuple[int, int, str]] = set()
    for k, cue in enumerate(timed):
        assert cue.start_ms is not None
        start, end = cue.start_ms, cue.end_ms
        if end is None or end <= start:
            # Until the next cue that starts later (an empty LRC line ends the one before it).
            following = next((s for s in starts[k + 1 :] if s is not None and s > start), None)
            end = start + estimated_duration_ms(cue.text)
            if following is not None:
                end = min(end, following)
        if not cue.text or (start, end, cue.text) in seen:
            continue
        seen.add((start, end, cue.text))
        utterances.append(Utterance(cue.text, start, end, spread_words(cue.text, start, end)))
    utterances.sort(key=lambda u: (u.start_ms, u.end_ms))
    return utterances


def transcript_from_caption_text(text: str, language: str, source: str = "") -> Transcript:
    """Convert caption text (SRT, WebVTT, LRC, ASS or plain) into a Transcript.

    Cues become utterances in time order with words timed by :func:`spread_words`. Plain text
    gives a transcript without times, flagged ``needs_alignment``. ``meta["caption_format"]``
    says what was recognised.
    """
    fmt, cues = parse_caption_text(text)
    if fmt == "text":
        untimed = transcript_from_text("\n".join(c.text for c in cues), language, source=source)
        return Transcript(untimed.utterances, language=language, source=source,
                          meta={**untimed.meta, "caption_format": fmt})
    return Transcript(tuple(_timed_utterances(cues)), language=language, source=source,
                      meta={"caption_format": fmt, "word_times": "estimated"})


def transcript_from_caption_file(path: str | os.PathLike[str], language: str, source: str = "") -> Transcript:
    """Read a vendor's caption file (Yinzi ``caption``) as a Transcript.

    Args:
        path: the downloaded file; its format is recognised from the content.
        language: spoken language of the captions (e.g. ``zh-CN``).
        source: what the transcript is of (recorded in the transcript), default the file's path.

    Raises:
        SubtitleError: the file is missing, unreadable, not text, or broken ASS.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "caption"
        >>> _ = path.write_bytes("\\ufeff一句话\\r\\n".encode())
        >>> t = transcript_from_caption_file(path, "zh-CN")
        >>> t.text, t.needs_alignment
        ('一句话', True)
    """
    return transcript_from_caption_text(read_caption_file(path), language, source=source or str(path))
