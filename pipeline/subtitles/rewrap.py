"""Rebuild cues read from an existing subtitle file under the rules, one source cue at a time.

Subtitles from other tools often break lines mid-word, run past the line width or flash by
too fast. Rewrapping keeps their text and timing and re-lays each source cue on its own:

- its plain text (markup set aside by :mod:`.markup`) is wrapped under the rules; text that
  needs more than ``max_lines`` lines is cut into several cues by the cue builder, all
  inside the source cue's own span, so no word is shown before or after its cue (the gap
  rules aside), and no piece is shorter than the minimum when the source cue was not;
- tags are put back on every line, closed and reopened at line and cue breaks, and a
  positioning override (``{\\an8}``) goes with every piece of the text it positioned;
- a dialogue cue (``- A.`` / ``- B.``, or ``- A. - B.`` on one line) stays one cue, one line
  per speaker;
- a cue longer than ``max_duration_ms`` whose text fits is shortened, not split; a shorter
  one than the minimum is lengthened into the silence after it;
- cues that overlap in the source stay simultaneous; zero-length cues (hidden, such as a
  credit at ``00:00:00,000 --> 00:00:00,000``) are dropped and counted in the
  :class:`RewrapReport`.

Then the gap rules: a gap under the minimum is widened, one shorter than ``close_gap_ms``
is closed down to the minimum, and ``snap_to_frames`` puts the times on frames.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.subtitles.cues import Cue
    >>> [cue.lines for cue in rewrap_cues([Cue(0, 2000, ("你好，", "世界。"))], rules_for("zh-CN"))]
    [('你好，世界。',)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.subtitles.chain import build_cues
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.dialogue import dialogue_turns
from pipeline.subtitles.lines import wrap_text
from pipeline.subtitles.markup import SRT, Marked, locate, parse_markup, plain_lines, render_line
from pipeline.subtitles.measure import CHARACTERS, WidthMeasure
from pipeline.subtitles.retime import fit_pieces, space_cues
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import join_lines, reading_length
from pipeline.transcript import Transcript, Utterance


@dataclass
class RewrapReport:
    """What a rewrap did to the source cues, for the command's summary.

    Attributes:
        cues_in: source cues.
        cues_out: cues written.
        zero_length: hidden cues dropped: they end where they start (``00:00:00,000 --> 00:00:00,000``).
        empty: cues without text dropped.
        split: source cues shown as several cues (their text needs more lines than fit).
        shortened: cues cut down to ``max_duration_ms`` in time (their text kept whole).
        dialogue: dialogue cues kept as one cue, one line per speaker.
        overlapping: source cues overlapping another, kept simultaneous.
    """

    cues_in: int = 0
    cues_out: int = 0
    zero_length: int = 0
    empty: int = 0
    split: int = 0
    shortened: int = 0
    dialogue: int = 0
    overlapping: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        """One phrase per thing done, e.g. ``["2 zero-length cues dropped"]``."""
        counts = (
            (self.zero_length, "zero-length cue{s} dropped"), (self.empty, "cue{s} without text dropped"),
            (self.split, "long cue{s} split within {its} own time"),
            (self.shortened, "overlong cue{s} shortened in time, text kept whole"),
            (self.dialogue, "dialogue cue{s} kept with one line per speaker"),
            (self.overlapping, "overlapping cue{s} kept simultaneous"),
        )
        return [f"{n} " + what.format(s="" if n == 1 else "s", its="its" if n == 1 else "their")
                for n, what in counts if n]


def plural(count: int, noun: str) -> str:
    """``1 cue``, ``2 cues``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def has_text(cues: Sequence[Cue]) -> bool:
    """True when some cue has a line that is not blank."""
    return any(line.strip() for cue in cues for line in cue.lines)


def transcript_of(cues: Sequence[Cue], language: str) -> Transcript:
    """The cues as a transcript: one utterance per cue with text, markup left out.

    A cue's lines are joined as running text (no space where CJK text meets the break, a
    space between Latin words); blank lines and cues without text are dropped. Utterances
    are in time order, and a cue ending before it starts gets a zero-length utterance.

    Returns:
        The transcript; its ``duration_ms`` is the last cue's end, since the media's end is
        unknown and this keeps the last rebuilt cue from outlasting the input's.
    """
    utterances = []
    for cue in cues:
        text = join_lines(plain_lines(cue.lines))
        if text:
            utterances.append(Utterance(text, cue.start_ms, max(cue.start_ms, cue.end_ms)))
    utterances.sort(key=lambda u: (u.start_ms, u.end_ms))
    end = max((u.end_ms for u in utterances), default=None)
    return Transcript(tuple(utterances), language=language, duration_ms=end)


@dataclass
class _Piece:
    """Lines of one output cue, as plain text, before their times are known."""

    lines: list[str]

    def length(self, cjk: bool) -> float:
        return reading_length("".join(self.lines), cjk)


def _wrap(text: str, rules: CueRules, measure: WidthMeasure) -> list[str]:
    return [line for line in wrap_text(text, rules, measure) if line.strip()]


def _split_text(text: str, cue: Cue, rules: CueRules, measure: WidthMeasure) -> list[_Piece]:
    """Text that needs more than ``max_lines`` lines, cut by the cue builder into cues' lines."""
    lines = _wrap(text, rules, measure)
    if len(lines) <= rules.max_lines:
        return [_Piece(lines)]
    utterance = Utterance(text, cue.start_ms, max(cue.end_ms, cue.start_ms + 1))
    built = build_cues(Transcript((utterance,), language=rules.language, duration_ms=utterance.end_ms), rules,
                       measure=measure)
    return [_Piece([line for line in c.lines if line.strip()]) for c in built if any(map(str.strip, c.lines))] \
        or [_Piece(lines)]


def _pieces(marked: Marked, cue: Cue, rules: CueRules, measure: WidthMeasure) -> tuple[list[_Piece], bool]:
    """The output cues' plain lines for one source cue, and whether it is a dialogue cue."""
    turns = dialogue_turns(marked.text, marked.lines)
    if len(turns) == 1:
        return _split_text(marked.text.strip(), cue, rules, measure), False
    wrapped = [_wrap(marked.text[a:b], rules, measure) for a, b in turns]
    pieces: list[_Piece] = []
    for turn, lines in zip(turns, wrapped, strict=True):
        if len(lines) > rules.max_lines:
            pieces.extend(_split_text(marked.text[turn[0]:turn[1]], cue, rules, measure))
        elif pieces and len(pieces[-1].lines) + len(lines) <= rules.max_lines:
            pieces[-1].lines.extend(lines)
        else:
            pieces.append(_Piece(list(lines)))
    return pieces, True


def _render(marked: Marked, pieces: Sequence[_Piece]) -> list[tuple[str, ...]]:
    """Each piece's lines with the source cue's tags, the overrides at the start of every piece."""
    cursor, out = 0, []
    for piece in pieces:
        lines = []
        for line in piece.lines:
            offsets, cursor = locate(marked.text, line, cursor)
            lines.append(render_line(marked, line, offsets, SRT))
        if lines and marked.overrides:
            lines[0] = SRT.prefix(marked.overrides) + lines[0]
        out.append(tuple(lines))
    return out


def rewrap_cue(cue: Cue, rules: CueRules, measure: WidthMeasure = CHARACTERS,
               merge: bool = True) -> tuple[list[Cue], dict[str, bool]]:
    """One source cue re-laid under ``rules``, every piece inside its own span.

    With ``merge`` (the default) a span too short to give every piece the minimum duration
    gets fewer pieces with more lines; without it (burn-in, where lines must fit the frame)
    the pieces share the span as evenly as it allows.

    Returns:
        The cues (none for a cue without text) and what was done: ``split``, ``shortened``,
        ``dialogue``.
    """
    marked = parse_markup(cue.lines)
    if not marked.text.strip():
        return [], {}
    pieces, dialogue = _pieces(marked, cue, rules, measure)
    start, end = cue.start_ms, max(cue.end_ms, cue.start_ms)
    times, merged = fit_pieces([p.length(rules.is_cjk) for p in pieces], start, end, rules, merge)
    if merged:  # too short for so many pieces at the minimum duration: fewer, fuller pieces
        pieces = [_Piece([line for k in group for line in pieces[k].lines]) for group in merged]
    rendered = _render(marked, pieces)
    cues = [Cue(a, b, lines) for (a, b), lines in zip(times, rendered, strict=True)]
    shortened = len(cues) == 1 and cues[0].end_ms < end
    return cues, {"split": len(cues) > 1, "shortened": shortened, "dialogue": dialogue and len(cues) == 1}


def rewrap_with_report(cues: Sequence[Cue], rules: CueRules,
                       measure: WidthMeasure = CHARACTERS) -> tuple[list[Cue], RewrapReport]:
    """Re-lay every source cue (see the module), apply the gap rules, and report what was done."""
    report = RewrapReport(cues_in=len(cues))
    source = sorted(cues, key=lambda c: (c.start_ms, c.end_ms))
    kept = []
    for cue in source:
        if cue.start_ms == cue.end_ms and has_text([cue]):
            report.zero_length += 1
        elif not join_lines(plain_lines(cue.lines)).strip():
            report.empty += 1
        else:
            kept.append(cue)
    overlapping = {k for k in range(len(kept) - 1) for j in range(k + 1, min(k + 8, len(kept)))
                   if kept[j].start_ms < kept[k].end_ms}
    overlapping |= {j for k in overlapping for j in range(k + 1, min(k + 8, len(kept)))
                    if kept[j].start_ms < kept[k].end_ms}
    report.overlapping = len(overlapping)
    out: list[Cue] = []
    groups: list[int] = []  # the source cue of each output cue
    for number, cue in enumerate(kept):
        pieces, done = rewrap_cue(cue, rules, measure)
        out.extend(pieces)
        groups.extend([number] * len(pieces))
        report.split += done.get("split", False)
        report.shortened += done.get("shortened", False)
        report.dialogue += done.get("dialogue", False)
    spaced = space_cues(out, groups, [(c.start_ms, c.end_ms) for c in kept], rules)
    report.cues_out = len(spaced)
    return spaced, report


def rewrap_cues(cues: Sequence[Cue], rules: CueRules, measure: WidthMeasure = CHARACTERS) -> list[Cue]:
    """Regroup, wrap and retime ``cues`` under ``rules``, keeping their text, markup and timing.

    Returns:
        The rebuilt cues in time order (none when ``cues`` have no text).
    """
    return rewrap_with_report(cues, rules, measure)[0]
