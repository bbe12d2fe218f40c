"""Dialogue cues: two speakers in one cue, each line starting with a dash.

Subtitle files put two short turns into one cue as ``- Ta en kopp varmt te.`` /
``- Det är inte varmt.`` (the Netflix guides' dialogue cue), sometimes on one line
(``- Déjala. - Tú no te metas.``), and some styles dash only the second speaker. A rewrap
must keep such a cue one cue, with one line per speaker: :func:`dialogue_turns` finds the
turns in a cue's plain text. A script to align may be written so too: :func:`script_turns`
reads its turns and :func:`transcript_with_turns` gives the aligned transcript their speakers.

Example:
    >>> text = "- Déjala. - Tú no te metas."
    >>> [text[a:b] for a, b in dialogue_turns(text, ((0, len(text)),))]
    ['- Déjala.', '- Tú no te metas.']
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from itertools import accumulate

from pipeline.transcript import Transcript, Utterance, Word

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


def script_turns(script: str) -> list[str]:
    """The speakers' turns of a script to align, each without its dash; ``[script]`` when it has none.

    A script written as dialogue marks each new speaker with a dash, as subtitle files do
    (:func:`dialogue_turns` finds them). The dashes are not spoken, so the text sent for
    alignment is the turns without them.

    Example:
        >>> script_turns("- 你吃饭了吗？\\n- 还没有。\\n一起去吧。")
        ['你吃饭了吗？', '还没有。\\n一起去吧。']
    """
    text = script.strip()
    lines, at = [], 0
    for line in text.split("\n"):
        lines.append((at, at + len(line)))
        at += len(line) + 1
    turns = [_undashed(text[a:b]) for a, b in dialogue_turns(text, lines)]
    return [turn for turn in turns if turn] or [text]


def _undashed(turn: str) -> str:
    """A turn's text without the dash that opens it."""
    turn = turn.strip()
    return turn.lstrip(DASHES).lstrip() if starts_turn(turn) else turn


def _spoken(text: str) -> int:
    """How many letters and digits ``text`` has: what alignment keeps of it, punctuation aside."""
    return sum(ch.isalnum() for ch in text)


def transcript_with_turns(transcript: Transcript, turns: Sequence[str]) -> Transcript:
    """An aligned transcript whose utterances say which of the script's ``turns`` they are.

    Each turn is its own speaker label ("1", "2" ... in script order): a dash says where the
    speaker changes, not who speaks. Words are traced to turns by their letters and digits,
    which alignment keeps (its punctuation modes change only the marks); an utterance that
    crosses a turn's end is cut there, its text after the turn's last letter or digit and the
    marks that follow it. With fewer than two turns the transcript is returned as it is.
    """
    if len(turns) < 2:
        return transcript
    ends = list(accumulate(map(_spoken, turns)))
    utterances: list[Utterance] = []
    seen = 0
    for utterance in transcript.utterances:
        pieces: list[tuple[int, list[Word]]] = []
        for word in utterance.words or (Word(utterance.text, utterance.start_ms, utterance.end_ms),):
            turn = min(bisect_right(ends, seen), len(turns) - 1)
            seen += _spoken(word.text)
            if pieces and pieces[-1][0] == turn:
                pieces[-1][1].append(word)
            else:
                pieces.append((turn, [word]))
        utterances.extend(_cut(utterance, pieces))
    return replace(transcript, utterances=tuple(utterances))


def _cut(utterance: Utterance, pieces: Sequence[tuple[int, Sequence[Word]]]) -> list[Utterance]:
    """``utterance`` cut into its turns' ``pieces`` (turn index, its words), each labelled with its turn."""
    if len(pieces) == 1:
        return [replace(utterance, speaker=str(pieces[0][0] + 1))]
    text, out, at = utterance.text, [], 0
    for k, (turn, words) in enumerate(pieces):
        end = len(text) if k + 1 == len(pieces) else _after_spoken(text, at, sum(_spoken(w.text) for w in words))
        shown = text[at:end].strip() or "".join(w.text for w in words)
        out.append(Utterance(shown, words[0].start_ms, max(w.end_ms for w in words), tuple(words), str(turn + 1)))
        at = end
    return out


def _after_spoken(text: str, start: int, count: int) -> int:
    """Where, from ``start``, ``count`` letters or digits and the marks after them end in ``text``."""
    k = start
    while k < len(text) and (count > 0 or not text[k].isalnum()):
        count -= text[k].isalnum()
        k += 1
    return k
