"""Dialogue cues: two speakers in one cue, each line starting with a dash.

Subtitle files put two short turns into one cue as ``- Ta en kopp varmt te.`` /
``- Det är inte varmt.`` (the Netflix guides' dialogue cue), sometimes on one line
(``- Déjala. - Tú no te metas.``), and some styles dash only the second speaker. A rewrap
must keep such a cue one cue, with one line per speaker: :func:`dialogue_turns` finds the
turns in a cue's plain text.

Example:
    >>> text = "- Déjala. - Tú no te metas."
    >>> [text[a:b] for a, b in dialogue_turns(text, ((0, len(text)),))]
    ['- Déjala.', '- Tú no te metas.']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Characters that start a speaker's turn.
DASHES = "-‐‑–—"
# A dash after a sentence end starts another speaker's turn on the same line.
_INLINE_TURN = re.compile(r"(?<=[.!?…。！？»\"”'’)])\s+(?=[-‐‑–—]\s*\S)")


def starts_turn(text: str) -> bool:
    """True when ``text`` starts with a speaker's dash (``- Yes``, ``–Yes``), not a negative number."""
    stripped = text.lstrip()
    return len(stripped) > 1 and stripped[0] in DASHES and not stripped[1].isdigit()


def dialogue_turns(text: str, lines: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The speakers' turns of a cue as ``(start, end)`` ranges of ``text``, or one range for all of it.

    A source line starting with a dash starts a turn, and so does a dash after a sentence end
    inside a line (``Te llamé. - Ya lo sé.``: some styles dash only the second speaker). It
    is a dialogue (several turns) only when some turn after the first starts with a dash;
    otherwise the whole text is one range.

    Args:
        text: the cue's plain running text.
        lines: ``(start, end)`` of each source line in ``text``.
    """
    starts = [a for k, (a, b) in enumerate(lines) if k == 0 or starts_turn(text[a:b])]
    if not lines:
        return [(0, len(text))]
    bounds = [*starts[1:], len(text)]
    turns: list[tuple[int, int]] = []
    for a, b in zip(starts, bounds, strict=True):
        piece_start = a
        for match in _INLINE_TURN.finditer(text, a, b):
            turns.append((piece_start, match.start()))
            piece_start = match.end()
        turns.append((piece_start, b))
    turns = [(a, a + len(text[a:b].rstrip())) for a, b in turns if text[a:b].strip()]
    if len(turns) < 2 or not any(starts_turn(text[a:b]) for a, b in turns[1:]):
        return [(0, len(text))]
    return turns
