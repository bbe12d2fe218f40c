"""Burn-in-ready subtitles from a :class:`~pipeline.transcript.Transcript`.

``build_cues`` turns a transcript into wrapped, timed cues under per-language
:class:`CueRules` (Netflix limits by default); the writers produce SRT, WebVTT, ASS, text
and a reproducible JSON record; ``read_cues`` and ``lint_cues`` check files.

Example:
    >>> from pipeline.transcript import Transcript, Utterance
    >>> cues = build_cues(Transcript((Utterance("你好，世界。", 0, 1200),), language="zh-CN"))
    >>> cues[0].lines
    ('你好，世界。',)
"""

from __future__ import annotations

from pipeline.subtitles.formats import (
    DEFAULT_ASS_STYLE,
    read_cues,
    write_ass,
    write_json,
    write_srt,
    write_txt,
    write_vtt,
)
from pipeline.subtitles.lint import LintIssue, lint_cues
from pipeline.subtitles.rules import LANGUAGE_DEFAULTS, PUNCTUATION_MODES, CueRules, rules_for
from pipeline.subtitles.segment import (
    ClampDuration,
    CloseGaps,
    Cue,
    ExtendForReadingSpeed,
    JoinSentenceParts,
    MergeShort,
    Rule,
    SplitAtClause,
    SplitAtPause,
    SplitAtSentenceEnd,
    SplitByLength,
    build_cues,
    default_chain,
    recipe_for,
)
from pipeline.subtitles.wrap import wrap_text

__all__ = [
    "ClampDuration",
    "CloseGaps",
    "Cue",
    "CueRules",
    "DEFAULT_ASS_STYLE",
    "ExtendForReadingSpeed",
    "JoinSentenceParts",
    "LANGUAGE_DEFAULTS",
    "LintIssue",
    "MergeShort",
    "PUNCTUATION_MODES",
    "Rule",
    "SplitAtClause",
    "SplitAtPause",
    "SplitAtSentenceEnd",
    "SplitByLength",
    "build_cues",
    "default_chain",
    "lint_cues",
    "read_cues",
    "recipe_for",
    "rules_for",
    "wrap_text",
    "write_ass",
    "write_json",
    "write_srt",
    "write_txt",
    "write_vtt",
]
