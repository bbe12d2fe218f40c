"""The normalized transcript every vendor result is converted into.

Times are integer milliseconds from the start of the audio. Words carry their own times;
an utterance's times span its words. Converters tolerate what real vendor output contains:
``-1`` or zero-length word times (Volcengine marks spaces that way), words out of order,
empty utterances and stray whitespace.

An utterance may carry the ``speaker`` who said it (Volcengine's caption API returns one per
utterance with ``with_speaker_info``); None where the vendor said nothing about speakers. The cue
builder never puts two speakers' words on one line.

Text without times (TranscriptGenerate's text, a plain-text caption file) is a transcript too:
one utterance per line, every time 0, no words, and ``meta[NEEDS_ALIGNMENT]`` set, so that
:attr:`Transcript.needs_alignment` tells a flow to time it by alignment (Volcengine ATA) before
it can become subtitles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: ``Transcript.meta`` key: True when the transcript has no times yet (see :func:`transcript_from_text`).
NEEDS_ALIGNMENT = "needs_alignment"


@dataclass(frozen=True)
class Word:
    """One recognised token: a CJK character or a Latin word (with attached punctuation)."""

    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Utterance:
    """A sentence-like unit as the vendor returned it, and who said it when the vendor says so.

    ``speaker`` is the vendor's label ("1", "2" ...), the same label for the same voice within
    one transcript; None when unknown.
    """

    text: str
    start_ms: int
    end_ms: int
    words: tuple[Word, ...] = ()
    speaker: str | None = None


@dataclass(frozen=True)
class Transcript:
    """All utterances of one audio file, in time order."""

    utterances: tuple[Utterance, ...]
    language: str = "zh-CN"
    duration_ms: int | None = None
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The utterance texts joined the way the language writes them."""
        sep = "" if is_cjk_language(self.language) else " "
        return sep.join(u.text for u in self.utterances if u.text)

    @property
    def needs_alignment(self) -> bool:
        """True for text without times: align it against the audio before building cues."""
        return bool(self.meta.get(NEEDS_ALIGNMENT))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (used for the JSON output and for caching)."""
        return asdict(self)


def is_cjk_language(language: str) -> bool:
    """True for languages written without spaces between words (zh, ja, yue, wuu, nan)."""
    return language.split("-")[0].lower() in {"zh", "ja", "yue", "wuu", "nan", "cmn"}


def _as_int(value: Any) -> int | None:
    try:
        return int(round(float(value)))
    except (TypeError, ValueError):
        return None


#: Plain ints up to this size pass through :func:`_as_int` unchanged (every one is exact as a float).
_EXACT_INT = 2**53


def _clean_words(raw_words: Iterable[Mapping[str, Any]]) -> tuple[Word, ...]:
    """The timed words of one utterance, in time order.

    Why the shape: a 10-hour answer holds ~150,000 words, so this loop is the conversion.
    Times that are plain ints (what the vendor's JSON decodes to) skip ``_as_int``, text that
    is a ``str`` skips ``str()``, and the sort is skipped when the words already come in
    order (they do): the same words and the same errors as converting every field the long
    way and always sorting, which ``test_transcript.py`` checks on random answers.
    """
    words: list[Word] = []
    append = words.append
    exact = _EXACT_INT
    in_order = True
    last_start = last_end = -1
    for raw in raw_words:
        get = raw.get
        text = get("text", "")
        text = (text if type(text) is str else str(text)).strip()
        start = get("start_time")
        if type(start) is not int or not -exact <= start <= exact:
            start = _as_int(start)
        end = get("end_time")
        if type(end) is not int or not -exact <= end <= exact:
            end = _as_int(end)
        # Volcengine's newer models emit spaces as words timed -1..-1: they carry nothing.
        if not text or start is None or end is None or start < 0 or end < 0:
            continue
        if end < start:
            end = start
        if in_order and (start < last_start or (start == last_start and end < last_end)):
            in_order = False
        last_start, last_end = start, end
        append(Word(text, start, end))
    if not in_order:
        words.sort(key=lambda w: (w.start_ms, w.end_ms))
    return tuple(words)


def _speaker_in(raw: Mapping[str, Any]) -> str | None:
    """``raw["attribute"]["speaker"]`` as a label, or None when there is none."""
    attribute = raw.get("attribute")
    if not isinstance(attribute, Mapping):
        return None
    speaker = attribute.get("speaker")
    label = "" if speaker is None else str(speaker).strip()
    return label or None


def volcengine_speaker(raw: Mapping[str, Any]) -> str | None:
    """Who said a Volcengine utterance: ``attribute.speaker``, or its first word's when it has none.

    With ``with_speaker_info=True`` the caption API adds ``"attribute": {"speaker": "1"}`` to
    every utterance and every word (the parameter notes of the caption API, 音视频字幕生成 -
    提交任务; ``vendor-docs/`` do not list the field). Looking at the first word only keeps
    answers without speakers as fast to convert as before.
    """
    speaker = _speaker_in(raw)
    if speaker is None:
        words = raw.get("words")
        if words and isinstance(words, list | tuple) and isinstance(words[0], Mapping):
            speaker = _speaker_in(words[0])
    return speaker


def utterance_from_volcengine(raw: Mapping[str, Any]) -> Utterance | None:
    """One Volcengine (caption or ATA) utterance, or None when it holds no text."""
    words = _clean_words(raw.get("words") or ())
    text = str(raw.get("text", "")).strip()
    if not text and words:
        text = "".join(w.text for w in words)
    if not text:
        return None
    start, end = _as_int(raw.get("start_time")), _as_int(raw.get("end_time"))
    if words:
        start = words[0].start_ms if start is None or start < 0 else min(start, words[0].start_ms)
        end = words[-1].end_ms if end is None or end < 0 else max(end, words[-1].end_ms)
    if start is None or end is None or start < 0 or end < 0:
        return None
    return Utterance(text=text, start_ms=start, end_ms=max(start, end), words=words, speaker=volcengine_speaker(raw))


def transcript_from_volcengine(response: Mapping[str, Any], language: str, source: str = "") -> Transcript:
    """Convert a finished Volcengine caption/ATA query response into a Transcript.

    Example:
        >>> t = transcript_from_volcengine({"code": 0, "duration": 1.0, "utterances": [
        ...     {"text": "你好", "start_time": 0, "end_time": 500, "words": []}]}, "zh-CN")
        >>> t.utterances[0].text
        '你好'
    """
    utterances = [u for u in (utterance_from_volcengine(r) for r in response.get("utterances") or ()) if u]
    utterances.sort(key=lambda u: (u.start_ms, u.end_ms))
    duration = response.get("duration")
    duration_ms = _as_int(float(duration) * 1000) if isinstance(duration, int | float | str) and duration != "" else None
    return Transcript(tuple(utterances), language=language, duration_ms=duration_ms, source=source)


def transcript_from_text(text: str, language: str, source: str = "") -> Transcript:
    """Text without times (TranscriptGenerate's result, a plain-text caption file) as a Transcript.

    Each non-blank line becomes an utterance at time 0 without words; the transcript is
    flagged :attr:`Transcript.needs_alignment`. Whitespace runs inside a line become one space.

    Example:
        >>> t = transcript_from_text("\\ufeff 你好 \\r\\n\\r\\n世界\\n", "zh-CN")
        >>> [u.text for u in t.utterances], t.text, t.needs_alignment
        (['你好', '世界'], '你好世界', True)
    """
    lines = (" ".join(line.replace("\ufeff", "").split()) for line in text.splitlines())
    utterances = tuple(Utterance(line, 0, 0) for line in lines if line)
    return Transcript(utterances, language=language, source=source, meta={NEEDS_ALIGNMENT: True})
