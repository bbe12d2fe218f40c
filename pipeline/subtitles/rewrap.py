"""Rebuild cues read from an existing SRT/WebVTT file with the cue builder.

Subtitles from other tools often break lines mid-word, run past the line width or flash by
too fast. Rewrapping keeps their text and timing but lets :func:`build_cues` regroup, wrap
and retime them under the given rules, so the result passes ``lint_cues``. Each input cue
is treated as one utterance; a subtitle file has no word times, so the builder spreads the
cue's time over its characters.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.subtitles.cues import Cue
    >>> [cue.lines for cue in rewrap_cues([Cue(0, 2000, ("你好，", "世界。"))], rules_for("zh-CN"))]
    [('你好，世界。',)]
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.subtitles.chain import build_cues
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import join_lines
from pipeline.transcript import Transcript, Utterance


def has_text(cues: Sequence[Cue]) -> bool:
    """True when some cue has a line that is not blank."""
    return any(line.strip() for cue in cues for line in cue.lines)


def transcript_of(cues: Sequence[Cue], language: str) -> Transcript:
    """The cues as a transcript: one utterance per non-empty cue.

    A cue's lines are joined as running text (no space where CJK text meets the break, a
    space between Latin words); blank lines and cues without text are dropped. Utterances
    are in time order, and a cue ending before it starts gets a zero-length utterance.

    Args:
        cues: cues as read from a subtitle file.
        language: the transcript's language (picks the rules ``build_cues`` defaults to).

    Returns:
        The transcript; its ``duration_ms`` is the last cue's end, since the media's end is
        unknown and this keeps the last rebuilt cue from outlasting the input's.
    """
    utterances = []
    for cue in cues:
        text = join_lines([line.strip() for line in cue.lines if line.strip()])
        if text:
            utterances.append(Utterance(text, cue.start_ms, max(cue.start_ms, cue.end_ms)))
    utterances.sort(key=lambda u: (u.start_ms, u.end_ms))
    end = max((u.end_ms for u in utterances), default=None)
    return Transcript(tuple(utterances), language=language, duration_ms=end)


def rewrap_cues(cues: Sequence[Cue], rules: CueRules) -> list[Cue]:
    """Regroup, wrap and retime ``cues`` under ``rules``, keeping their text and timing.

    Args:
        cues: cues as read from a subtitle file.
        rules: the limits to apply; ``rules.language`` is the transcript's language.

    Returns:
        The rebuilt cues in time order (none when ``cues`` have no text).
    """
    return build_cues(transcript_of(cues, rules.language), rules)
