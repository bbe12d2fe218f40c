"""A translation text and a timed source transcript in, timed translated and bilingual cues out.

The steps, each its own module: the source's sentences with their words' times
(:mod:`~pipeline.translation.timing`), the translation's sentences
(:mod:`~pipeline.translation.sentences`), Gale–Church alignment of the two by length
(:mod:`~pipeline.translation.sentence_align`), the translation laid over the source words,
its own cues under the target's rules (:mod:`~pipeline.translation.cues`), and bilingual cues
over the source cues (:mod:`~pipeline.translation.bilingual_cues`). :func:`write_files` writes
``<stem>.<lang>.<fmt>`` and ``<stem>.bilingual.<fmt>`` and the alignment report beside them.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.transcript import Transcript, Utterance, Word
    >>> words = tuple(Word(c, 300 * k, 300 * k + 250) for k, c in enumerate("谢谢观看。"))
    >>> src = Transcript((Utterance("谢谢观看。", 0, 1450, words),), "zh-CN")
    >>> done = translate(src, "Thanks for watching.", "en", rules_for("zh-CN"), rules_for("en"))
    >>> [p.kind for p in done.pairs], done.cues[0].lines, done.bilingual[0].lines
    (['1:1'], ('Thanks for watching.',), ('谢谢观看。', 'Thanks for watching.'))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pipeline.errors import InputError, SubtitleError
from pipeline.fileio import write_text_atomic
from pipeline.subtitles import bilingual as bilingual_files
from pipeline.subtitles.bilingual import BilingualCue
from pipeline.subtitles.chain import build_cues
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.formats import write_ass, write_json, write_srt, write_vtt
from pipeline.subtitles.rules import CueRules
from pipeline.transcript import Transcript
from pipeline.translation import report
from pipeline.translation.bilingual_cues import bilingual_cues
from pipeline.translation.cues import translation_cues
from pipeline.translation.report import REPORT_SUFFIX, Pair
from pipeline.translation.sentence_align import Bead, align_lengths, scales
from pipeline.translation.sentences import Sentence, expected_ratio, split_sentences, text_length
from pipeline.translation.timing import TimedGroup, TimedSentence, source_sentences, timed_translation

#: Formats written for the translation alone and for the bilingual file.
TRANSLATION_FORMATS = ("srt", "vtt", "ass", "json")
BILINGUAL_FORMATS = ("srt", "vtt", "ass")


@dataclass(frozen=True)  # not slotted: ``pairs`` is cached in the instance's __dict__
class TranslatedSubtitles:
    """Everything one translation run produced, for writing and for the report."""

    source_language: str
    target_language: str
    sources: list[TimedSentence]
    targets: list[Sentence]
    beads: list[Bead]
    scale: tuple[float, float]
    groups: list[TimedGroup]
    transcript: Transcript
    cues: list[Cue]
    bilingual: list[BilingualCue]
    target_rules: CueRules

    @cached_property
    def pairs(self) -> list[Pair]:
        """Every bead as a report row (worked out once)."""
        return report.pairs(self.beads, self.sources, self.targets, self.groups, self.scale)

    @property
    def warnings(self) -> list[str]:
        return report.warnings(self.pairs)

    def markdown(self) -> str:
        return report.markdown(self.pairs, self.source_language, self.target_language)


def translate(source: Transcript, translation: str, target_language: str, source_rules: CueRules,
              target_rules: CueRules, source_cues: list[Cue] | None = None) -> TranslatedSubtitles:
    """Align ``translation`` to the timed ``source`` and cut both into cues.

    Args:
        source: the timed transcript of the speech (its words' times drive the translation's).
        translation: the translation's text (TranscriptGenerate's ``textContent``).
        target_language: its language code ("en", "ja" ...).
        source_rules, target_rules: each language's cue rules.
        source_cues: the source's cues when already built (else built under ``source_rules``).

    Raises:
        InputError: the source has no timed speech, or the translation is blank.
    """
    sources = source_sentences(source)
    if not sources:
        raise InputError(f"{source.source or 'transcript'}: no timed speech to lay the {target_language} translation on")
    targets = split_sentences(translation, target_language)
    if not targets:
        raise InputError(f"the {target_language} translation is empty; nothing to time")
    source_lengths = [max(1, text_length(s.text)) for s in sources]
    target_lengths = [max(1, text_length(t.text)) for t in targets]
    expected = expected_ratio(source.language, target_language)
    beads = align_lengths(source_lengths, target_lengths, expected_ratio=expected)
    scale = _final_scale(beads, source_lengths, target_lengths, expected)
    transcript, groups = timed_translation(sources, targets, beads, target_language)
    cues = translation_cues(transcript, groups, target_rules)
    tokens = [w for u in transcript.utterances for w in u.words]
    built = source_cues if source_cues is not None else build_cues(source, source_rules)
    return TranslatedSubtitles(source.language, target_language, sources, targets, beads, scale, groups, transcript,
                               cues, bilingual_cues(built, tokens, source_rules, target_rules), target_rules)


def _final_scale(beads: list[Bead], source: list[int], target: list[int],
                 expected: float | None) -> tuple[float, float]:
    """The scaling the aligner settled on: from its 1:1 pairs when it has any."""
    ones = [b for b in beads if b.kind == "1:1"]
    if ones:
        return scales([b.source_length for b in ones], [b.target_length for b in ones], expected)
    return scales(source, target, expected)


def write_files(result: TranslatedSubtitles, out_dir: str | Path, stem: str, formats: list[str]) -> dict[str, str]:
    """``<stem>.<lang>.<fmt>`` and ``<stem>.bilingual.<fmt>`` for the formats asked (txt is the
    translation text itself, written by the caller), and the alignment report; returns paths by key.

    Raises:
        SubtitleError: a file cannot be written.
    """
    out = Path(out_dir)
    lang = result.target_language
    written: dict[str, str] = {}
    writers = {"srt": write_srt, "vtt": write_vtt, "ass": write_ass}
    for fmt in (f for f in formats if f in TRANSLATION_FORMATS):
        path = out / f"{stem}.{lang}.{fmt}"
        if fmt == "json":
            write_json(result.cues, path, transcript=result.transcript, rules=result.target_rules)
        else:
            writers[fmt](result.cues, path)
        written[f"{lang}.{fmt}"] = str(path)
    for fmt in (f for f in formats if f in BILINGUAL_FORMATS):
        path = out / f"{stem}.bilingual.{fmt}"
        bilingual_files.WRITERS[fmt](result.bilingual, path)
        written[f"bilingual.{fmt}"] = str(path)
    doc = report.report_dict(result.pairs, result.source_language, lang, [len(c.source) for c in result.bilingual])
    try:
        path = write_text_atomic(out / f"{stem}{REPORT_SUFFIX}", json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    except OSError as exc:
        raise SubtitleError(f"cannot write {out / (stem + REPORT_SUFFIX)}: {exc.strerror or exc}") from exc
    written["bilingual.align"] = str(path)
    return written


__all__ = ["BILINGUAL_FORMATS", "REPORT_SUFFIX", "TRANSLATION_FORMATS", "TranslatedSubtitles", "translate",
           "write_files"]
