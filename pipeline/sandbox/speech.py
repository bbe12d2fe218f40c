"""Honest speech for the sandbox: registered transcripts, timed by real speech detection.

The sandbox recognises no speech. What it returns for an audio file is either the
transcript someone *registered* for that audio, or a clearly marked placeholder per
detected speech region. Either way every time comes from the uploaded audio itself:
``levels.frame_levels`` measures loudness per 50 ms frame, ``levels.speech_regions``
turns that into regions of sound, and the text is laid over those regions.

Matching an upload to a registered file must survive what the pipeline does to audio
(stream-copy AAC into .m4a, transcode to 16 kHz WAV or MP3), so it compares loudness
envelopes (Pearson correlation over the 50 ms frames, a few frames of lag allowed) and
durations, never byte hashes.

Who speaks is sample data too: ``X.speakers.txt`` beside ``X.txt`` gives a label for each
line of the transcript (:mod:`~pipeline.sandbox.sample_files`), and the utterances of a line
carry its label. Without that file every utterance's speaker is None: the sandbox tells no
voices apart.

Alignment, in order:
  1. split the text into sentences (lines, then sentence punctuation) and tokens
     (a CJK character or a Latin word; punctuation rides on the previous token and weighs 0);
  2. put sentence boundaries on the detected silences nearest to where a proportional
     split by character count would put them, preferring longer silences;
  3. inside a sentence, group regions separated by less than ``max_word_gap_ms`` into
     chunks, hand each token to the chunk its proportional position falls in, and lay the
     chunk's tokens over its sound proportionally. No word therefore spans a silence
     longer than ``max_word_gap_ms``.

Example:
    >>> registry = TranscriptRegistry()
    >>> registry.register_dir("samples")            # doctest: +SKIP
    >>> utterances = transcribe("upload.wav", registry)  # doctest: +SKIP
"""

from __future__ import annotations

import bisect
import math
import os
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.media import levels as media_levels
from pipeline.media.levels import Region
from pipeline.sandbox.sample_files import check_speakers, speakers_beside, translations_beside
from pipeline.transcript import Utterance, Word

FRAME_MS = 50
PLACEHOLDER_TEXT = "[sandbox: no transcript registered for this audio]"
MEDIA_SUFFIXES = frozenset({".mp4", ".m4a", ".mp3", ".wav", ".mov", ".ogg", ".aac", ".flac", ".mkv", ".webm"})
SENTENCE_END = frozenset("。！？!?；;…")
CLOSERS = frozenset("”’\"')）」』】》")
MIN_CORRELATION = 0.9
MAX_DURATION_DIFF = 0.02
MAX_LAG_FRAMES = 4
ENVELOPE_RANGE_DB = 50.0


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class AudioAnalysis:
    """What the sandbox measured on one audio file."""

    duration_ms: int
    levels: tuple[float, ...]
    regions: tuple[Region, ...]

    @property
    def is_silent(self) -> bool:
        return not self.regions


def detect_regions(levels: Sequence[float]) -> list[Region]:
    """Speech regions with the bridging the sandbox uses (gaps under 200 ms are inside words)."""
    return media_levels.speech_regions(list(levels), frame_ms=FRAME_MS, min_silence_ms=200, min_sound_ms=100)


def analyse(path: str | os.PathLike[str]) -> AudioAnalysis:
    """Measure loudness and speech regions of ``path``.

    Raises:
        NotMediaError: when ffmpeg cannot decode the audio.
    """
    levels = tuple(media_levels.frame_levels(path, FRAME_MS))
    return AudioAnalysis(duration_ms=len(levels) * FRAME_MS, levels=levels, regions=tuple(detect_regions(levels)))


def _normalised_envelope(levels: Sequence[float]) -> list[float]:
    """Levels clipped to the loudest ``ENVELOPE_RANGE_DB``: codec noise in silence must not matter."""
    if not levels:
        return []
    floor = max(levels) - ENVELOPE_RANGE_DB
    return [max(level, floor) for level in levels]


def _pearson(a: Sequence[float], b: Sequence[float]) -> float:
    n = min(len(a), len(b))
    if n < 2:
        return 0.0
    a, b = a[:n], b[:n]
    mean_a, mean_b = sum(a) / n, sum(b) / n
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    if var_a <= 0 or var_b <= 0:
        return 0.0
    return cov / math.sqrt(var_a * var_b)


def envelope_similarity(a: Sequence[float], b: Sequence[float], max_lag: int = MAX_LAG_FRAMES) -> float:
    """Best correlation of two loudness envelopes over small shifts (encoder delay, padding)."""
    ea, eb = _normalised_envelope(a), _normalised_envelope(b)
    best = 0.0
    for lag in range(-max_lag, max_lag + 1):
        shifted_a, shifted_b = (ea[lag:], eb) if lag >= 0 else (ea, eb[-lag:])
        best = max(best, _pearson(shifted_a, shifted_b))
    return best


# --------------------------------------------------------------------------- registry


@dataclass
class _Entry:
    media_path: Path
    text: str
    analysis: AudioAnalysis | None = None
    translations: dict[str, str] = field(default_factory=dict)
    speakers: tuple[str, ...] = ()


@dataclass
class TranscriptRegistry:
    """Transcripts known to belong to particular audio, found again by loudness fingerprint.

    Fingerprints of registered media are computed on first use, so registering a folder
    at server start costs nothing.
    """

    min_correlation: float = MIN_CORRELATION
    max_duration_diff: float = MAX_DURATION_DIFF
    _entries: list[_Entry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __len__(self) -> int:
        return len(self._entries)

    def register(self, media_path: str | os.PathLike[str], text: str,
                 translations: Mapping[str, str] | None = None, speakers: Sequence[str] = ()) -> None:
        """Declare that ``text`` is what is said in ``media_path``, ``translations`` (by
        language code) what someone translated it into, and ``speakers`` who says each line.

        Raises:
            ValueError: ``speakers`` do not label the lines of ``text`` one for one.
        """
        path = Path(media_path).resolve()
        labels = check_speakers(text, speakers)
        with self._lock:
            self._entries = [e for e in self._entries if e.media_path != path]
            self._entries.append(_Entry(path, text, translations={k.lower(): v for k, v in (translations or {}).items()},
                                        speakers=labels))

    def register_dir(self, directory: str | os.PathLike[str]) -> int:
        """Register every ``X.txt`` that sits next to a media file ``X.<ext>``, with its
        translations ``X.<lang>.txt`` and speakers ``X.speakers.txt``; returns how many media files."""
        count = 0
        for text_file in sorted(Path(directory).glob("*.txt")):
            media_files = [m for m in sorted(text_file.parent.glob(text_file.stem + ".*"))
                           if m.suffix.lower() in MEDIA_SUFFIXES]
            if not media_files:
                continue
            text, translations, speakers = (text_file.read_text(encoding="utf-8"), translations_beside(text_file),
                                            speakers_beside(text_file))
            for media in media_files:
                self.register(media, text, translations, speakers)
                count += 1
        return count

    def _analysis_of(self, entry: _Entry) -> AudioAnalysis | None:
        if entry.analysis is None:
            try:
                entry.analysis = analyse(entry.media_path)
            except Exception:  # a registered file that vanished or broke must not break uploads
                return None
        return entry.analysis

    def match(self, upload: AudioAnalysis) -> str | None:
        """The registered text whose audio sounds like ``upload``, or None."""
        found = self._find(upload)
        return found.text if found else None

    def lookup(self, upload: AudioAnalysis) -> tuple[str, Mapping[str, str]] | None:
        """The registered text and translations whose audio sounds like ``upload``, or None."""
        found = self._find(upload)
        return (found.text, dict(found.translations)) if found else None

    def _find(self, upload: AudioAnalysis) -> _Entry | None:
        """The registered entry whose audio sounds like ``upload``, or None."""
        with self._lock:
            entries = list(self._entries)
        best: _Entry | None = None
        best_score = self.min_correlation
        for entry in entries:
            known = self._analysis_of(entry)
            if known is None or not known.duration_ms:
                continue
            if abs(known.duration_ms - upload.duration_ms) > self.max_duration_diff * known.duration_ms:
                continue
            score = envelope_similarity(known.levels, upload.levels)
            if score >= best_score:
                best, best_score = entry, score
        return best


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class Token:
    """A CJK character or a Latin word with its attached punctuation; ``weight`` counts spoken characters."""

    text: str
    weight: int


def is_cjk(char: str) -> bool:
    """True for characters written without spaces between words (Han, kana)."""
    code = ord(char)
    return (
        0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x3040 <= code <= 0x30FF
        or 0x20000 <= code <= 0x2FFFF
    )


def is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in {"P", "S"}


def split_sentences(text: str) -> list[str]:
    """Lines, then sentence punctuation (``.`` only before whitespace, so 3.5 stays whole)."""
    return [sentence for _, sentence in sentences_by_line(text)]


def sentences_by_line(text: str) -> list[tuple[int, str]]:
    """:func:`split_sentences` with the index of the line each sentence comes from."""
    sentences: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines()):
        current = ""
        chars = line.strip()
        i = 0
        while i < len(chars):
            current += chars[i]
            ends = chars[i] in SENTENCE_END or (chars[i] == "." and (i + 1 == len(chars) or chars[i + 1].isspace()))
            i += 1
            if ends:
                while i < len(chars) and (chars[i] in SENTENCE_END or chars[i] in CLOSERS or chars[i] == "."):
                    current += chars[i]
                    i += 1
                sentences.append((number, current.strip()))
                current = ""
        if current.strip():
            sentences.append((number, current.strip()))
    return [(n, s) for n, s in sentences if any(not is_punctuation(c) and not c.isspace() for c in s)]


def _inside_word(word: str, char: str, sentence: str, index: int) -> bool:
    """Apostrophes, hyphens and decimal marks between letters or digits belong to the word (it's, 3.5)."""
    following = sentence[index + 1 : index + 2]
    if not word or not following or not following.isalnum() or is_cjk(following):
        return False
    return char in "'’-" or (char in ".," and word[-1].isdigit() and following.isdigit())


def tokenize(sentence: str) -> list[Token]:
    """Tokens of one sentence: CJK per character, Latin per word, punctuation attached."""
    tokens: list[Token] = []
    leading = ""  # punctuation before the first token (an opening quote) joins the next one
    word = ""

    def flush_word() -> None:
        nonlocal word, leading
        if word:
            tokens.append(Token(leading + word, len(word)))
            word, leading = "", ""

    for index, char in enumerate(sentence):
        if char.isspace():
            flush_word()
        elif is_cjk(char):
            flush_word()
            tokens.append(Token(leading + char, 1))
            leading = ""
        elif is_punctuation(char) and not _inside_word(word, char, sentence, index):
            flush_word()
            if unicodedata.category(char) in {"Ps", "Pi"}:
                leading += char
                continue
            if tokens:
                last = tokens[-1]
                tokens[-1] = Token(last.text + char, last.weight)
            else:
                leading += char
        else:
            word += char
    flush_word()
    return tokens


def join_tokens(texts: Iterable[str]) -> str:
    """Join word texts the way the script writes them: no space next to CJK, one between Latin words."""
    out = ""
    for text in texts:
        if not text:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk_punct(out[-1]) or is_cjk(text[0])):
            out += " "
        out += text
    return out


def is_cjk_punct(char: str) -> bool:
    """Full-width punctuation (，。！ ...) needs no space after it."""
    return 0x3000 <= ord(char) <= 0x303F or 0xFF00 <= ord(char) <= 0xFFEF


# --------------------------------------------------------------------------- timing


class SpeechAxis:
    """Speech-only time: the detected regions laid end to end, mapped back to real time."""

    def __init__(self, regions: Sequence[Region]) -> None:
        self.regions = list(regions)
        self.starts: list[float] = []
        self.ends: list[float] = []
        total = 0.0
        for region in self.regions:
            self.starts.append(total)
            total += region.end_ms - region.start_ms
            self.ends.append(total)
        self.total = total

    def region_index(self, position: float, prefer_next: bool) -> int:
        """The region holding a speech-time position; at an edge, the later one if ``prefer_next``."""
        find = bisect.bisect_right if prefer_next else bisect.bisect_left
        return min(find(self.ends, position), len(self.regions) - 1)

    def to_real(self, position: float, prefer_next: bool) -> float:
        """Real time of a speech-time position; at a region edge, the next region's start if ``prefer_next``."""
        i = self.region_index(position, prefer_next)
        region = self.regions[i]
        return region.start_ms + min(max(position - self.starts[i], 0.0), region.end_ms - region.start_ms)


def _sentence_cuts(axis: SpeechAxis, weights: Sequence[int], gap_bonus: float = 4.0) -> list[float]:
    """Speech-time positions where sentences meet, moved onto silences where one is near.

    Characters are a poor clock (a TTS voice or a speaker lingers on some syllables), while
    pauses between sentences are reliably longer than pauses inside them. So a cut may move
    to a silence up to half the shorter neighbouring sentence away, and each millisecond of
    silence (up to 1.5 s) outweighs ``gap_bonus`` milliseconds of displacement.
    """
    total_weight = sum(weights)
    gaps = [
        (axis.starts[i + 1], axis.regions[i + 1].start_ms - axis.regions[i].end_ms)
        for i in range(len(axis.regions) - 1)
    ]
    ideal, running = [], 0
    for weight in weights[:-1]:
        running += weight
        ideal.append(axis.total * running / total_weight)
    cuts: list[float] = []
    previous = 0.0
    positions = [pos for pos, _ in gaps]
    for j, target in enumerate(ideal):
        lengths = [axis.total * weights[j] / total_weight, axis.total * weights[j + 1] / total_weight]
        tolerance = 0.5 * min(lengths)
        first = bisect.bisect_left(positions, target - tolerance)
        last = bisect.bisect_right(positions, target + tolerance)
        candidates = [
            (abs(pos - target) - gap_bonus * min(gap, 1500), pos)
            for pos, gap in gaps[first:last]
            if pos > previous
        ]
        cut = min(candidates)[1] if candidates else max(target, previous)
        cuts.append(cut)
        previous = cut
    return cuts


def _chunks(axis: SpeechAxis, start: float, end: float, max_gap_ms: int) -> list[tuple[float, float]]:
    """Speech-time spans inside [start, end) separated by silences longer than ``max_gap_ms``."""
    spans: list[tuple[float, float]] = []
    for i in range(axis.region_index(start, True), len(axis.regions)):
        region = axis.regions[i]
        if axis.starts[i] >= end:
            break
        a = max(axis.starts[i], start)
        b = min(axis.starts[i] + region.end_ms - region.start_ms, end)
        if b <= a:
            continue
        gap = region.start_ms - axis.regions[i - 1].end_ms if i else 0
        if spans and axis.starts[i] >= a and gap <= max_gap_ms and spans[-1][1] == axis.starts[i]:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def _time_tokens(axis: SpeechAxis, tokens: Sequence[Token], start: float, end: float, max_gap_ms: int) -> list[Word]:
    """Lay tokens over the speech between ``start`` and ``end`` (speech time)."""
    chunks = _chunks(axis, start, end, max_gap_ms)
    if not chunks:
        return []
    total_weight = sum(t.weight for t in tokens)
    assigned: list[list[Token]] = [[] for _ in chunks]
    running = 0
    for token in tokens:
        middle = start + (end - start) * (running + token.weight / 2) / total_weight
        running += token.weight
        index = next((k for k, (_, b) in enumerate(chunks) if middle < b), len(chunks) - 1)
        assigned[index].append(token)
    words: list[Word] = []
    for (a, b), chunk_tokens in zip(chunks, assigned, strict=True):
        weight = sum(t.weight for t in chunk_tokens)
        running = 0
        for token in chunk_tokens:
            s = a + (b - a) * running / weight
            running += token.weight
            e = a + (b - a) * running / weight
            words.append(Word(token.text, round(axis.to_real(s, True)), round(axis.to_real(e, False))))
    return words


def align(text: str, regions: Sequence[Region], max_word_gap_ms: int = 300,
          speakers: Sequence[str] = ()) -> list[Utterance]:
    """Time ``text`` over the detected ``regions``: one utterance per sentence, one word per token.

    ``speakers`` labels the lines of ``text`` (see :func:`check_speakers`): each utterance
    carries its line's label, or None without labels.

    Returns an empty list when there is no speech or no text to time.
    """
    sentences = [(n, tokenize(s)) for n, s in sentences_by_line(text)]
    sentences = [(n, toks) for n, toks in sentences if sum(t.weight for t in toks) > 0]
    if not regions or not sentences:
        return []
    axis = SpeechAxis(regions)
    weights = [sum(t.weight for t in toks) for _, toks in sentences]
    bounds = [0.0, *_sentence_cuts(axis, weights), axis.total]
    utterances: list[Utterance] = []
    for k, (line, tokens) in enumerate(sentences):
        words = _time_tokens(axis, tokens, bounds[k], bounds[k + 1], max_word_gap_ms)
        if not words:
            continue
        speaker = speakers[line] if line < len(speakers) else None
        utterances.append(Utterance(join_tokens(w.text for w in words), words[0].start_ms, words[-1].end_ms,
                                    tuple(words), speaker))
    return utterances


def merge_regions(regions: Sequence[Region], max_gap_ms: int) -> list[Region]:
    """Regions joined across silences of at most ``max_gap_ms`` (sentence-sized stretches)."""
    merged: list[Region] = []
    for region in regions:
        if merged and region.start_ms - merged[-1].end_ms <= max_gap_ms:
            merged[-1] = Region(merged[-1].start_ms, region.end_ms)
        else:
            merged.append(region)
    return merged


def placeholder(regions: Sequence[Region], max_gap_ms: int = 500) -> list[Utterance]:
    """One clearly marked utterance per sentence-sized stretch of sound: nothing pretends to be recognised."""
    return [
        Utterance(PLACEHOLDER_TEXT, r.start_ms, r.end_ms, (Word(PLACEHOLDER_TEXT, r.start_ms, r.end_ms),))
        for r in merge_regions(regions, max_gap_ms)
    ]


def transcribe(analysis: AudioAnalysis, registry: TranscriptRegistry) -> tuple[list[Utterance], bool]:
    """Utterances for an analysed upload and whether they came from a registered transcript."""
    found = registry._find(analysis)
    if found is not None:
        utterances = align(found.text, analysis.regions, speakers=found.speakers)
        if utterances:
            return utterances, True
    return placeholder(analysis.regions), False
