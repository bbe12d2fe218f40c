"""Bilingual cues: one per source cue, the source's lines on top and the translation's below.

The source cues are the ones the source file got (``build_cues`` under the source's rules). Each
translated token (timed over the source words, :mod:`~pipeline.translation.timing`) goes to the
source cue whose display it falls in, by its middle; so a 1:2 or 2:1 bead's text follows the
speech, and a source sentence without translation (1:0) shows alone. Each side is wrapped under
its own language's rules. When the translation of a cue needs more lines than its rules allow,
the cue is cut in two in time (at the translated token nearest the middle, the source words
cut at the same time) until both sides fit or the halves would be shorter than the minimum
duration.

Example:
    >>> from pipeline.subtitles.cues import Cue
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.transcript import Word
    >>> cues = bilingual_cues([Cue(0, 1200, ("再见",), (Word("再", 0, 500), Word("见", 500, 1000)))],
    ...                       [Word("Goodbye", 0, 1000)], rules_for("zh-CN"), rules_for("en"))
    >>> cues[0].source, cues[0].target
    (('再见',), ('Goodbye',))
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from pipeline.subtitles.bilingual import BilingualCue
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.lines import wrap_text
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.rules import CueRules
from pipeline.transcript import Word

#: How many times a cue whose translation does not fit may be cut in two (so at most 8 parts).
MAX_CUTS = 3


def join_words(words: Sequence[Word], cjk: bool) -> str:
    """Word texts as the language writes them: spaces between words, or none in CJK text
    (but between two Latin words)."""
    if not cjk:
        return " ".join(w.text for w in words)
    out: list[str] = []
    for word in words:
        if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and word.text[:1].isascii() and word.text[:1].isalnum():
            out.append(" ")
        out.append(word.text)
    return "".join(out)


def assign(source: Sequence[Cue], tokens: Sequence[Word]) -> list[list[Word]]:
    """The translated tokens of each source cue, by the middle of each token's time."""
    starts = [cue.start_ms for cue in source]
    parts: list[list[Word]] = [[] for _ in source]
    last = 0
    for token in tokens:
        middle = (token.start_ms + token.end_ms) / 2
        index = max(last, min(len(source) - 1, max(0, bisect_right(starts, middle) - 1)))
        parts[index].append(token)
        last = index  # never back: the translation's order is kept
    return parts


def _fits(lines: Sequence[str], rules: CueRules) -> bool:
    return len(lines) <= rules.max_lines


def _cut(start: int, end: int, source_words: list[Word], tokens: list[Word], source_lines: tuple[str, ...] | None,
         rules: tuple[CueRules, CueRules], measures: tuple[WidthMeasure, WidthMeasure],
         depth: int) -> list[BilingualCue]:
    src_rules, tgt_rules = rules
    target = wrap_text(join_words(tokens, tgt_rules.is_cjk), tgt_rules, measures[1]) if tokens else ()
    if source_lines is None:
        source_lines = (wrap_text(join_words(source_words, src_rules.is_cjk), src_rules, measures[0])
                        if source_words else ())
    long_enough = end - start >= 2 * max(src_rules.min_duration_ms, tgt_rules.min_duration_ms)
    if _fits(target, tgt_rules) or depth >= MAX_CUTS or len(tokens) < 2 or not long_enough:
        return [BilingualCue(start, end, source_lines, target)]
    k = len(tokens) // 2
    at = min(max(tokens[k].start_ms, start + 1), end - 1)
    left_words = [w for w in source_words if (w.start_ms + w.end_ms) / 2 < at]
    right_words = source_words[len(left_words):]
    return (_cut(start, at, left_words, tokens[:k], None, rules, measures, depth + 1)
            + _cut(at, end, right_words, tokens[k:], None, rules, measures, depth + 1))


def bilingual_cues(source: Sequence[Cue], tokens: Sequence[Word], source_rules: CueRules, target_rules: CueRules,
                   measures: tuple[WidthMeasure, WidthMeasure] = (CHARACTERS, CHARACTERS)) -> list[BilingualCue]:
    """One bilingual cue per source cue (or a few, when its translation would not fit).

    ``measures`` are the (source, translation) line widths: characters for delivery files,
    each style's font pixels for burn-in.
    """
    out: list[BilingualCue] = []
    for cue, part in zip(source, assign(source, tokens), strict=True):
        out.extend(_cut(cue.start_ms, cue.end_ms, list(cue.words), part, cue.lines,
                        (source_rules, target_rules), measures, 0))
    return out


__all__ = ["MAX_CUTS", "assign", "bilingual_cues", "join_words"]
