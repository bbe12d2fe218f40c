"""Build subtitle cues from a transcript as a chain of small named rules.

The default chain::

    join_sentence_parts -> split_at_speaker_change -> split_at_sentence_end -> split_at_pause
    -> split_at_clause -> split_by_length -> merge_short -> lead_into_silence
    -> extend_for_reading_speed -> close_gaps -> clamp_duration
    [-> snap_to_frames, when ``rules.snap_to_frames``]

The first seven only regroup tokens (:mod:`~pipeline.subtitles.regroup`), the rest only move
times (:mod:`~pipeline.subtitles.timing`). :func:`recipe_for` records exactly what ran (with
the frame rate the gaps were counted in), so the JSON output can be reproduced.

Example:
    >>> from pipeline.transcript import Transcript, Utterance
    >>> t = Transcript((Utterance("祝您生活愉快再见", 3442, 4877),), language="zh-CN")
    >>> [(c.start_ms, c.end_ms, c.lines) for c in build_cues(t)]
    [(3442, 4877, ('祝您生活愉快再见',))]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.subtitles.cues import Cue, render_cues
from pipeline.subtitles.groups import Rule, describe, transcript_groups
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.regroup import (
    JoinSentenceParts,
    MergeShort,
    SplitAtClause,
    SplitAtPause,
    SplitAtSentenceEnd,
    SplitAtSpeakerChange,
    SplitByLength,
)
from pipeline.subtitles.rules import CueRules, rules_for
from pipeline.subtitles.timing import (
    ClampDuration,
    CloseGaps,
    ExtendForReadingSpeed,
    LeadIntoSilence,
    SnapToFrames,
)
from pipeline.transcript import Transcript


def default_chain(
    rules: CueRules, media_end_ms: int | None = None, measure: WidthMeasure = CHARACTERS
) -> tuple[Rule, ...]:
    """The rules :func:`build_cues` applies, with their arguments taken from ``rules``.

    Line widths are in ``measure``'s unit: its line limit under ``rules``.
    """
    width, lines, longest = measure.line_limit(rules), rules.max_lines, rules.max_duration_ms
    snap: tuple[Rule, ...] = (
        SnapToFrames(fps=rules.fps, min_gap_frames=rules.min_gap_frames, close_gap_ms=rules.close_gap_ms,
                     max_duration_ms=longest),
    ) if rules.snap_to_frames else ()
    # Both reading-speed rules judge a cue by the same limits.
    reading: dict[str, Any] = {"max_cps": rules.max_cps, "min_duration_ms": rules.min_duration_ms,
                               "max_duration_ms": longest, "min_gap_ms": rules.min_gap_ms, "cjk": rules.is_cjk,
                               "media_end_ms": media_end_ms}
    return (
        JoinSentenceParts(max_gap_ms=rules.pause_split_ms),
        SplitAtSpeakerChange(),
        SplitAtSentenceEnd(),
        SplitAtPause(min_pause_ms=rules.pause_split_ms),
        SplitAtClause(max_line_width=width, max_lines=lines, max_duration_ms=longest),
        SplitByLength(max_line_width=width, max_lines=lines, max_duration_ms=longest),
        MergeShort(
            min_duration_ms=rules.min_duration_ms,
            max_gap_ms=rules.close_gap_ms,
            max_pause_ms=rules.pause_split_ms,
            max_line_width=width,
            max_lines=lines,
            max_duration_ms=longest,
            dialogue=rules.dialogue,
            dash_width=measure.widths([rules.dialogue_dash])[0],
        ),
        LeadIntoSilence(**reading),
        ExtendForReadingSpeed(**reading),
        CloseGaps(min_gap_ms=rules.min_gap_ms, close_gap_ms=rules.close_gap_ms, max_duration_ms=longest,
                  fps=rules.fps),
        ClampDuration(max_duration_ms=longest),
        *snap,
    )


def recipe_for(
    rules: CueRules, media_end_ms: int | None = None, measure: WidthMeasure = CHARACTERS
) -> list[dict[str, Any]]:
    """The applied chain as ``[{"name": ..., "args": {...}}, ...]`` (stored in the JSON output)."""
    return [describe(rule) for rule in default_chain(rules, media_end_ms, measure)]


def recipe_string(recipe: Sequence[dict[str, Any]]) -> str:
    """A one-line form for logs: ``split_at_pause(min_pause_ms=600) > ...``."""
    return " > ".join(
        f"{step['name']}({', '.join(f'{k}={v!r}' for k, v in step['args'].items())})" for step in recipe
    )


def build_cues(
    transcript: Transcript,
    rules: CueRules | None = None,
    chain: Sequence[Rule] | None = None,
    measure: WidthMeasure = CHARACTERS,
) -> list[Cue]:
    """Turn a transcript into ordered, non-overlapping, wrapped cues.

    Args:
        transcript: the normalized vendor result.
        rules: limits to apply; ``rules_for(transcript.language)`` when omitted.
        chain: the rules to apply, in order; :func:`default_chain` of ``rules`` when omitted.
        measure: how line widths are measured: characters (the default, for delivery
            files), or e.g. pixels of a font for burn-in.

    Returns:
        Cues in time order; their concatenated text is the transcript's text (apart from
        the chosen punctuation display mode).
    """
    rules = rules or rules_for(transcript.language)
    groups = transcript_groups(transcript, rules, measure)
    for rule in default_chain(rules, transcript.duration_ms, measure) if chain is None else chain:
        groups = rule.apply(groups)
    return render_cues(groups, rules, measure)
