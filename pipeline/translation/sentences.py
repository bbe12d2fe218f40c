"""Sentences of a translation text, for zh, en, ja, ko, fr, de and es, as spans of the text.

A sentence ends at 。！？!? (and their closing quotes or brackets), at a full stop that
:func:`pipeline.subtitles.text.ends_sentence` takes for one (not "Mr.", "e.g.", "3.5"), at a
line break, and at the end of the text. A few abbreviations per language are added to the
shared list ("z.B.", "M.", "Sra."); neither a German ordinal ("am 1. Mai") nor a full stop
before a lower-case word ("3 p.m. in") ends one.
Sentences are spans of the text: every character other than the whitespace between two
sentences lands in exactly one sentence, in order, so nothing of the text is lost.

Example:
    >>> [s.text for s in split_sentences("谢谢观看。再见！", "zh")]
    ['谢谢观看。', '再见！']
    >>> [s.text for s in split_sentences("Mr. Li said hi. Bye!", "en")]
    ['Mr. Li said hi.', 'Bye!']
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.subtitles.text import ends_sentence
from pipeline.subtitles.tokens import span_bounds

#: Languages the splitter knows (TranscriptGenerate's translation targets); others use the shared rules.
LANGUAGES = ("zh", "en", "ja", "ko", "fr", "de", "es")

#: Abbreviations beyond the shared English list that end in a full stop but not a sentence.
EXTRA_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "de": frozenset({"z.b.", "usw.", "bzw.", "nr.", "ca.", "evtl.", "ggf.", "d.h.", "u.a.", "dr.", "str."}),
    "fr": frozenset({"m.", "mme.", "mlle.", "p.ex.", "env.", "etc.", "n°."}),
    "es": frozenset({"sr.", "sra.", "srta.", "ud.", "uds.", "p.ej.", "etc.", "dra."}),
    "en": frozenset({"mt.", "ft.", "approx.", "inc.", "ltd.", "co."}),
}


#: Rough non-space characters per unit of meaning, Chinese = 1 (from parallel subtitles: an English
#: line holds about three times the characters of its Chinese one). Their quotient is the usual
#: length ratio of a language pair, which the aligner trusts as a few sentences' worth of evidence.
DENSITY: dict[str, float] = {"zh": 1.0, "ja": 1.4, "ko": 1.3, "en": 3.0, "fr": 3.4, "de": 3.4, "es": 3.3}


def expected_ratio(source_language: str, target_language: str) -> float | None:
    """The usual length ratio translation/source for the pair, or None when a language is unknown."""
    s, t = DENSITY.get(primary(source_language)), DENSITY.get(primary(target_language))
    return t / s if s and t else None


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text and where it sits in the text it was cut from (``text[start:end]``)."""

    text: str
    start: int
    end: int


def primary(language: str) -> str:
    """ "zh-CN" -> "zh"."""
    return language.replace("_", "-").split("-")[0].lower()


def _is_end(token: str, following: str | None, space: bool, lang: str) -> bool:
    core = token.lower()
    if following is not None and core in EXTRA_ABBREVIATIONS.get(lang, frozenset()):
        return False
    if lang == "de" and following is not None and core[:-1].isdigit() and core.endswith("."):
        return False  # "am 1. Mai": an ordinal
    if following and core.endswith(".") and following[:1].islower():
        return False  # "3 p.m. in the": a full stop before a lower-case word ends no sentence
    return ends_sentence(token, following, space)


def split_sentences(text: str, language: str) -> list[Sentence]:
    """The sentences of ``text`` in order; blank text has none.

    Args:
        text: the translation (or any text), one or more lines.
        language: its language ("en", "zh-CN" ...); decides the extra abbreviations.
    """
    lang = primary(language)
    spans = span_bounds(text)
    sentences: list[Sentence] = []
    first = 0  # index of the first token of the sentence being collected
    for k, (a, b, _space) in enumerate(spans):
        nxt = spans[k + 1] if k + 1 < len(spans) else None
        if nxt is not None:
            line_break = "\n" in text[b:nxt[0]] or "\r" in text[b:nxt[0]]
            end = line_break or _is_end(text[a:b], text[nxt[0]:nxt[1]], nxt[2], lang)
        else:
            end = True
        if end:
            start = spans[first][0]
            sentences.append(Sentence(text[start:b], start, b))
            first = k + 1
    return sentences


def text_length(text: str) -> int:
    """The length the aligner compares: characters other than whitespace."""
    return len(text) - sum(1 for ch in text if ch.isspace())


__all__ = ["DENSITY", "EXTRA_ABBREVIATIONS", "LANGUAGES", "Sentence", "expected_ratio", "primary", "split_sentences", "text_length"]
