"""Cues: what a subtitle file holds, and how built groups become them.

A group becomes a cue once its punctuation is shown in the chosen display mode and its
tokens are wrapped into lines. Chinese display modes mirror Volcengine's ``sta_punc_mode``:
``keep`` all marks, ``space`` (clause marks shown as spaces), ``drop_final`` (commas and
full stops that end a cue left out). A dialogue cue (two speakers' turns, see
:class:`~pipeline.subtitles.regroup.MergeShort`) gets a line per turn, each starting with
``rules.dialogue_dash``.

Example:
    >>> Cue(0, 1000, ("你好", "世界")).text
    '你好\n世界'
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from pipeline.subtitles.groups import Group
from pipeline.subtitles.lines import wrap_range
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.table import TokenTable
from pipeline.transcript import Word

# Punctuation-mode character sets (full-width: the modes mirror Volcengine's Chinese modes).
SPACE_MODE_MARKS = frozenset("，、；：。")
DROP_FINAL_MARKS = frozenset("，。、；：,.")


class CueWords(Sequence[Word]):
    """A cue's words, made into :class:`Word` objects only when someone reads them.

    Why: a cue builder run on a 10-hour Chinese transcript makes ~150 000 words, and only the
    JSON writer (and tests) look at them. This behaves like the tuple it stands for
    (indexing, iteration, ``len``, equality with tuples, hashing, ``repr``).
    """

    __slots__ = ("_a", "_b", "_table", "_words")

    def __init__(self, table: TokenTable, a: int, b: int) -> None:
        self._table, self._a, self._b = table, a, b
        self._words: tuple[Word, ...] | None = None

    def _tuple(self) -> tuple[Word, ...]:
        if self._words is None:
            t, a, b = self._table, self._a, self._b
            self._words = tuple(map(Word, t.text[a:b], t.start[a:b], t.end[a:b]))
        return self._words

    def __len__(self) -> int:
        return self._b - self._a

    @overload
    def __getitem__(self, index: int) -> Word: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Word, ...]: ...
    def __getitem__(self, index: int | slice) -> Word | tuple[Word, ...]:
        return self._tuple()[index]

    def __iter__(self) -> Iterator[Word]:
        return iter(self._tuple())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CueWords | tuple | list):
            return self._tuple() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._tuple())

    def __repr__(self) -> str:
        return repr(self._tuple())


@dataclass(frozen=True)
class Cue:
    """One subtitle: display times in integer milliseconds and its lines, top first.

    ``words`` holds the tokens the cue was built from with their speech times (for the JSON
    output); cues read back from SRT/VTT have none, and equality ignores them. Built cues
    hold a :class:`CueWords` view, which acts as the tuple.
    """

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    words: Sequence[Word] = field(default=(), compare=False, repr=False)

    @property
    def text(self) -> str:
        """The lines joined with newlines, as written to SRT/VTT."""
        return "\n".join(self.lines)


def _marks_as_spaces(texts: Sequence[str], spaces: Sequence[bool]) -> list[tuple[int, str, bool]]:
    """``space`` mode: ，、；：。 shown as a space (none at the cue's edges); tokens left empty vanish.

    Returns ``(position, shown text, space before)`` for each token still shown.
    """
    out: list[tuple[int, str, bool]] = []
    space_next = False  # a mark that became a space sits before the next shown token
    for position, (text, space) in enumerate(zip(texts, spaces, strict=True)):
        shown = "".join(" " if ch in SPACE_MODE_MARKS else ch for ch in text)
        if shown == text:
            out.append((position, text, space or space_next))
            space_next = False
            continue
        core = " ".join(shown.split())
        if core:
            out.append((position, core, space or space_next or shown[0] == " "))
            space_next = shown[-1] == " "
        else:
            space_next = True
    return out


def _drop_final_marks(texts: Sequence[str], spaces: Sequence[bool]) -> list[tuple[int, str, bool]]:
    """``drop_final`` mode: commas and full stops that end the cue removed; tokens left empty vanish."""
    out = [(position, text, space) for position, (text, space) in enumerate(zip(texts, spaces, strict=True))]
    while out:
        position, text, space = out[-1]
        while text and text[-1] in DROP_FINAL_MARKS and not text.endswith(".."):
            text = text[:-1].rstrip()
        if text:
            out[-1] = (position, text, space)
            break
        out.pop()
    return out


def displayed(group: Group, mode: str, measure: WidthMeasure = CHARACTERS) -> tuple[TokenTable, int, int]:
    """The group's tokens as the punctuation display ``mode`` shows them: a table and its range.

    ``keep`` shows the transcript's own tokens, so the range is the group's.
    """
    table, a, b = group.table, group.a, group.b
    if mode == "keep":
        return table, a, b
    shown = (_marks_as_spaces if mode == "space" else _drop_final_marks)(table.text[a:b], table.space[a:b])
    view = table.select([a + p for p, _, _ in shown], [t for _, t, _ in shown], [s for _, _, s in shown], measure)
    return view, 0, len(view)


def _wrapped(group: Group, rules: CueRules, measure: WidthMeasure, width: float, max_lines: int) -> tuple[str, ...]:
    """The group's tokens in the punctuation display mode, broken into lines."""
    table, a, b = (group.table, group.a, group.b) if rules.punctuation == "keep" else displayed(group, rules.punctuation, measure)
    return wrap_range(table, a, b, width, max_lines, rules.bottom_heavy)


def dialogue_lines(group: Group, turns: Sequence[int], rules: CueRules, measure: WidthMeasure = CHARACTERS) -> tuple[str, ...]:
    """A cue of several speakers' turns: each turn on a line of its own that starts with ``rules.dialogue_dash``.

    ``turns`` are the tokens where another speaker starts. The default chain makes such a cue
    only of two turns that each fit one line beside the dash
    (:func:`~pipeline.subtitles.groups.fits_dialogue`); a turn that does not fit goes on
    undashed on the next line, so a line never holds two speakers' words whatever the chain.
    """
    dash = rules.dialogue_dash
    width = measure.line_limit(rules) - measure.widths([dash])[0]
    edges = [group.a, *turns, group.b]
    lines: list[str] = []
    for a, b in zip(edges, edges[1:], strict=False):
        turn = _wrapped(Group(group.table, a, b, group.start_ms, group.end_ms), rules, measure, width, 1)
        lines.extend(dash + line if k == 0 else line for k, line in enumerate(turn))
    return tuple(lines)


def render_cues(groups: Sequence[Group], rules: CueRules, measure: WidthMeasure = CHARACTERS) -> list[Cue]:
    """Groups -> cues: punctuation display mode, then line breaking; groups left with no text vanish."""
    cues = []
    width = measure.line_limit(rules)
    for group in groups:
        turns = group.table.turns_inside(group.a, group.b)
        if turns:
            lines = dialogue_lines(group, turns, rules, measure)
        else:
            lines = _wrapped(group, rules, measure, width, rules.max_lines)
        if lines:
            cues.append(Cue(int(group.start_ms), int(group.end_ms), lines, CueWords(group.table, group.a, group.b)))
    return cues
