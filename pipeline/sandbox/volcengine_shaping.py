"""How the caption and ATA APIs shape timed sentences for their parameters.

The sandbox returns registered text as is; this is where the caption options (punctuation,
capitalisation, line length, silent gaps with ``use_ddc``, speaker info) and ATA's
``sta_punc_mode`` change its form, as the parameter notes in ``pipeline.sandbox.volcengine`` say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pipeline.sandbox import speech
from pipeline.sandbox.state import SandboxState
from pipeline.sandbox.volcengine_params import AtaParams, CaptionParams
from pipeline.transcript import Utterance, Word

MIN_SILENT_UTTERANCE_MS = 300


def strip_punctuation(text: str, chars: str | None = None) -> str:
    """``text`` without punctuation (all of it, or only ``chars``)."""
    if chars is None:
        return "".join(c for c in text if not speech.is_punctuation(c))
    return "".join(c for c in text if c not in chars)


def _rebuild(utterance: Utterance, words: Sequence[Word], text: str | None = None) -> Utterance | None:
    words = [w for w in words if w.text]
    if not words:
        return None
    return Utterance(text if text is not None else speech.join_tokens(w.text for w in words),
                     words[0].start_ms, words[-1].end_ms, tuple(words), utterance.speaker)


def without_punctuation(utterance: Utterance) -> Utterance | None:
    return _rebuild(utterance, [replace(w, text=strip_punctuation(w.text)) for w in utterance.words])


def capitalised(utterance: Utterance) -> Utterance:
    """First letter of the utterance in upper case (English sentences start that way)."""
    if not utterance.words or not utterance.words[0].text[:1].islower():
        return utterance
    first = utterance.words[0]
    words = (replace(first, text=first.text[0].upper() + first.text[1:]), *utterance.words[1:])
    return _rebuild(utterance, words) or utterance


def split_long(utterance: Utterance, max_chars: int) -> list[Utterance]:
    """Split an utterance longer than ``max_chars`` at word boundaries, preferring punctuation."""
    pieces: list[Utterance] = []
    words = list(utterance.words)
    while words:
        count = 0
        while count < len(words) and len(speech.join_tokens(w.text for w in words[: count + 1])) <= max_chars:
            count += 1
        count = max(count, 1)
        if count < len(words):
            for k in range(count, max(count // 2, 1) - 1, -1):
                if speech.is_punctuation(words[k - 1].text[-1]):
                    count = k
                    break
        piece = _rebuild(utterance, words[:count])
        if piece is not None:
            pieces.append(piece)
        words = words[count:]
    return pieces


def ata_punctuation(utterance: Utterance, mode: int) -> Utterance | None:
    """``sta_punc_mode``: 1 drops a final comma/period, 2 turns clause punctuation into spaces, 3 keeps all."""
    if mode == 3:
        return utterance
    words = list(utterance.words)
    if mode == 1:
        last = words[-1]
        words[-1] = replace(last, text=last.text.rstrip("，。,."))
        return _rebuild(utterance, words)
    clause = "，。、；：,.;:"
    cores = [replace(w, text=strip_punctuation(w.text, clause)) for w in words]
    text = ""
    for k, (word, core) in enumerate(zip(words, cores, strict=True)):
        text = speech.join_tokens([text, core.text]) if core.text else text
        if core.text != word.text and k < len(words) - 1 and not text.endswith(" "):
            text += " "
    return _rebuild(utterance, cores, " ".join(text.split()))


def utterance_json(utterance: Utterance, attribute: Mapping[str, str] | None = None,
                   word_attribute: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One utterance as the API writes it; ``attribute`` on it and ``word_attribute`` on each word, if any."""
    words: list[dict[str, Any]] = [{"text": w.text, "start_time": w.start_ms, "end_time": w.end_ms} for w in utterance.words]
    if word_attribute:
        for word in words:
            word["attribute"] = dict(word_attribute)
    data: dict[str, Any] = {"text": utterance.text, "start_time": utterance.start_ms, "end_time": utterance.end_ms,
                            "words": words}
    if attribute:
        data["attribute"] = dict(attribute)
    return data


def speaker_attribute(utterance: Utterance, params: CaptionParams) -> dict[str, str] | None:
    """``{"speaker": label}`` with ``with_speaker_info`` for an utterance whose sample data says who speaks.

    The caption API's parameter notes: with ``with_speaker_info=True`` the utterances' and the
    words' ``attribute`` gain the speaker, e.g. ``"attribute": {"speaker": "1"}``. The sandbox
    tells no voices apart, so only a transcript registered with speakers (``X.speakers.txt``)
    has them; other utterances carry no speaker rather than an invented one.
    """
    if not params.with_speaker_info or utterance.speaker is None:
        return None
    return {"speaker": utterance.speaker}


def caption_utterances(utterances: Sequence[Utterance], params: CaptionParams) -> list[dict[str, Any]]:
    """Shape timed sentences the way the caption API returns them for these parameters."""
    shaped: list[Utterance] = []
    for utterance in utterances:
        if utterance.text == speech.PLACEHOLDER_TEXT:  # the marker stays readable whatever the options
            shaped.append(utterance)
            continue
        current: Utterance | None = utterance
        if not (params.use_punc and params.caption_type == "speech"):
            current = without_punctuation(utterance)
        if current is None:
            continue
        if params.use_capitalize:
            current = capitalised(current)
        shaped.extend(split_long(current, params.words_per_line * params.max_lines))
    out: list[dict[str, Any]] = []
    for k, utterance in enumerate(shaped):
        if params.use_ddc and k and utterance.start_ms - shaped[k - 1].end_ms >= MIN_SILENT_UTTERANCE_MS:
            gap = Utterance("", shaped[k - 1].end_ms, utterance.start_ms)
            out.append(utterance_json(gap, {"event": "silent"}))
        speaker = speaker_attribute(utterance, params)
        out.append(utterance_json(utterance, speaker, speaker))
    return out


def caption_shaper(state: SandboxState, params: CaptionParams) -> Callable[[speech.AudioAnalysis], list[dict[str, Any]]]:
    def shape(analysis: speech.AudioAnalysis) -> list[dict[str, Any]]:
        utterances, _ = speech.transcribe(analysis, state.registry)
        return caption_utterances(utterances, params)

    return shape


def ata_shaper(text: str, params: AtaParams) -> Callable[[speech.AudioAnalysis], list[dict[str, Any]]]:
    def shape(analysis: speech.AudioAnalysis) -> list[dict[str, Any]]:
        shaped = (ata_punctuation(u, params.sta_punc_mode) for u in speech.align(text, analysis.regions))
        return [utterance_json(u) for u in shaped if u is not None]

    return shape
