"""Burn-in-ready subtitles from a :class:`~pipeline.transcript.Transcript`.

``build_cues`` turns a transcript into wrapped, timed cues under per-language
:class:`CueRules` (Netflix limits by default) by a chain of small named rules; the writers
produce SRT, WebVTT, ASS, text and a reproducible JSON record; ``read_cues`` and
``lint_cues`` check files. Line widths are a :class:`WidthMeasure`: characters for
delivery files, anything else (pixels of a font) for burn-in.

Modules, each one concept, importing only from those above it::

    text        characters, punctuation, reading length, sentence ends
    tokens      text cut into tokens (links, grapheme clusters whole)
    words       jieba's Chinese word boundaries
    japanese    Japanese word boundaries from the scripts
    costs       how bad a break is
    measure     widths of tokens and the line limit
    table       the one token store
    align       text <-> word times
    transcript_table  a transcript into one table
    partition   the one dynamic programme that cuts runs into cues
    lines       line breaking
    groups      cues in the making, the Rule protocol
    regroup     the regrouping rules
    timing      the timing rules
    cues        Cue, display modes, rendering
    chain       the default chain, recipe, build_cues
    markup      tags and ASS overrides set beside the plain text, rendered per format
    encoding    a file's text encoding;  reading  the SRT/WebVTT/ASS readers
    formats     SRT/WebVTT/ASS/TXT/JSON writers (records: the JSON record);  lint  the rule checker
    dialogue, retime, rewrap, refit   files others wrote, re-laid cue by cue;  language

Example:
    >>> from pipeline.transcript import Transcript, Utterance
    >>> cues = build_cues(Transcript((Utterance("你好，世界。", 0, 1200),), language="zh-CN"))
    >>> cues[0].lines
    ('你好，世界。',)
"""

from __future__ import annotations

from pipeline.subtitles.chain import build_cues, default_chain, recipe_for
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.formats import (
    DEFAULT_ASS_STYLE,
    read_cues,
    write_ass,
    write_json,
    write_srt,
    write_txt,
    write_vtt,
)
from pipeline.subtitles.groups import Rule
from pipeline.subtitles.lines import wrap_text
from pipeline.subtitles.lint import LintIssue, lint_cues
from pipeline.subtitles.measure import CHARACTERS, CharacterCount, WidthMeasure
from pipeline.subtitles.regroup import (
    JoinSentenceParts,
    MergeShort,
    SplitAtClause,
    SplitAtPause,
    SplitAtSentenceEnd,
    SplitAtSpeakerChange,
    SplitByLength,
)
from pipeline.subtitles.rules import LANGUAGE_DEFAULTS, PUNCTUATION_MODES, CueRules, rules_for
from pipeline.subtitles.timing import (
    ClampDuration,
    CloseGaps,
    ExtendForReadingSpeed,
    LeadIntoSilence,
    SnapToFrames,
)

__all__ = [
    "CHARACTERS",
    "CharacterCount",
    "ClampDuration",
    "CloseGaps",
    "Cue",
    "CueRules",
    "DEFAULT_ASS_STYLE",
    "ExtendForReadingSpeed",
    "JoinSentenceParts",
    "LANGUAGE_DEFAULTS",
    "LeadIntoSilence",
    "LintIssue",
    "MergeShort",
    "PUNCTUATION_MODES",
    "Rule",
    "SnapToFrames",
    "SplitAtClause",
    "SplitAtPause",
    "SplitAtSentenceEnd",
    "SplitAtSpeakerChange",
    "SplitByLength",
    "WidthMeasure",
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
