"""Check cues against :class:`~pipeline.subtitles.rules.CueRules`, like Subtitle Edit's Netflix checker.

Run it on our own output (a regression guard) and on files users bring. Each issue names
the cue (0-based index), the rule and the numbers involved, so a report can be acted on
without opening the file. Issues a careful builder cannot always avoid (speech faster than
the reading speed, a short cue squeezed between two others) are ``warning``; the rest are
``error``.

Example:
    >>> from pipeline.subtitles.rules import rules_for
    >>> from pipeline.subtitles.cues import Cue
    >>> [i.rule for i in lint_cues([Cue(0, 500, ("太短了",))], rules_for("zh-CN"))]
    ['min_duration']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.subtitles.cues import Cue
from pipeline.subtitles.markup import fragments, parse_markup, plain_lines
from pipeline.subtitles.rules import CueRules
from pipeline.subtitles.text import NO_LINE_START, is_cjk_char, join_lines, line_width, reading_length

ERROR = "error"
WARNING = "warning"

# Closing punctuation that must not begin a line (a subset of the wrapper's kinsoku set:
# Latin "." or "," can legitimately start a line, as in ".NET" or "...and").
#: Characters that start a speaker's line in a dialogue cue.
DASHES = frozenset("-‐‑–—")
CLOSING_PUNCTUATION = frozenset(ch for ch in NO_LINE_START if not ch.isascii() and not ch.isalnum())


@dataclass(frozen=True)
class LintIssue:
    """One rule broken by one cue.

    Attributes:
        cue_index: 0-based position of the cue in the list checked.
        rule: a short stable name ("line_width", "reading_speed", "gap" ...).
        message: one line with the numbers, e.g. "line 1 is 18 characters; limit 16".
        severity: "error", or "warning" where speech itself may force the breach.
    """

    cue_index: int
    rule: str
    message: str
    severity: str = ERROR


def _is_single_word(line: str) -> bool:
    """A line with no break opportunity: a word longer than the line cannot be wrapped."""
    return not any(ch.isspace() or is_cjk_char(ch) for ch in line)


def _check_markup(index: int, cue: Cue) -> list[LintIssue]:
    """Tags cut apart (``="#000000">`` left in the text), closed twice or never closed."""
    if not any("<" in line or ">" in line or "{" in line for line in cue.lines):
        return []
    marked = parse_markup(cue.lines)
    found = [f"tag fragment {piece!r} in the text" for piece in fragments(cue.lines)] + list(marked.problems)
    return [LintIssue(index, "markup", "; ".join(found))] if found else []


def _check_text(index: int, cue: Cue, rules: CueRules) -> list[LintIssue]:
    issues: list[LintIssue] = _check_markup(index, cue)
    shown = plain_lines(cue.lines) if any("<" in line or "{" in line for line in cue.lines) else list(cue.lines)
    if not any(line.strip() for line in shown):
        return [*issues, LintIssue(index, "empty", "cue has no text")]
    if len(shown) > rules.max_lines:
        issues.append(LintIssue(index, "max_lines", f"{len(shown)} lines; limit {rules.max_lines}"))
    for number, line in enumerate(shown, start=1):
        width = line_width(line, rules.is_cjk)
        if width > rules.max_chars_per_line:
            unbreakable = "; it is one word and cannot be broken" if _is_single_word(line) else ""
            issues.append(LintIssue(index, "line_width",
                                    f"line {number} is {width} characters; limit {rules.max_chars_per_line}{unbreakable}"))
        if not line.strip():
            issues.append(LintIssue(index, "empty_line", f"line {number} is empty"))
        elif line[0] in CLOSING_PUNCTUATION:  # the first line too: a cue break is a line break
            issues.append(LintIssue(index, "line_start_punctuation", f"line {number} starts with {line[0]!r}"))
        if rules.is_cjk and rules.punctuation != "space" and _has_space_between_cjk(line):
            issues.append(LintIssue(index, "cjk_space", f"line {number} has a space between CJK characters"))
    joined = join_lines(shown)
    if len(shown) > 1 and line_width(joined, rules.is_cjk) <= rules.max_chars_per_line and not _is_dialogue(shown):
        issues.append(
            LintIssue(index, "unneeded_break", f"{line_width(joined, rules.is_cjk)} characters fit on one line", WARNING)
        )
    return issues


def _is_dialogue(lines: Sequence[str]) -> bool:
    """One line per speaker, each after the first starting with a dash: the break is meant."""
    return len(lines) > 1 and all(line.lstrip()[:1] in DASHES for line in lines[1:])


def _has_space_between_cjk(line: str) -> bool:
    """WhisperX's bug: "你 好" — a space with CJK characters on both sides."""
    return any(
        ch == " " and 0 < k < len(line) - 1 and is_cjk_char(line[k - 1]) and is_cjk_char(line[k + 1])
        for k, ch in enumerate(line)
    )


def _check_timing(index: int, cue: Cue, rules: CueRules) -> list[LintIssue]:
    issues: list[LintIssue] = []
    duration = cue.end_ms - cue.start_ms
    if cue.start_ms == cue.end_ms == 0:
        return [LintIssue(index, "duration", "is a hidden zero-length cue at 0 ms (rewrap drops it)", WARNING)]
    if duration <= 0:
        return [LintIssue(index, "duration", f"ends at {cue.end_ms} ms, not after its start {cue.start_ms} ms")]
    if duration < rules.min_duration_ms:
        issues.append(
            LintIssue(index, "min_duration", f"{duration} ms; minimum {rules.min_duration_ms} ms", WARNING)
        )
    if duration > rules.max_duration_ms:
        issues.append(LintIssue(index, "max_duration", f"{duration} ms; maximum {rules.max_duration_ms} ms"))
    chars = reading_length("".join(plain_lines(cue.lines)), rules.is_cjk)
    cps = chars * 1000 / duration
    if cps > rules.max_cps + 1e-9:
        issues.append(
            LintIssue(
                index,
                "reading_speed",
                f"{cps:.1f} characters per second ({chars:g} in {duration} ms); limit {rules.max_cps:g}",
                WARNING,
            )
        )
    return issues


#: The fastest frame rate a delivery file is commonly timed at (29.97/30 fps): with the video's
#: rate unknown, a gap of two of its frames may be right.
FASTEST_COMMON_FPS = 30.0


def _check_pair(index: int, cue: Cue, nxt: Cue, rules: CueRules, fps_known: bool = True) -> list[LintIssue]:
    if nxt.start_ms < cue.start_ms:
        return [LintIssue(index + 1, "order", f"starts at {nxt.start_ms} ms, before the previous cue ({cue.start_ms} ms)")]
    gap = nxt.start_ms - cue.end_ms
    if gap < 0:
        return [LintIssue(index, "overlap", f"overlaps the next cue by {-gap} ms")]
    if gap < rules.min_gap_ms:
        at_fastest = math.ceil(rules.min_gap_frames * 1000 / FASTEST_COMMON_FPS)
        if not fps_known and gap >= at_fastest:
            # Gaps are counted in the video's frames: 67 ms is 2 frames of a 29.97 fps phone clip.
            return [LintIssue(index, "gap", f"gap to the next cue is {gap} ms: {rules.min_gap_frames} frames at "
                              f"{FASTEST_COMMON_FPS:g} fps, under {rules.min_gap_ms} ms at {rules.fps:g} fps; give the "
                              "video's frame rate (--fps) to check it", WARNING)]
        return [LintIssue(index, "gap", f"gap to the next cue is {gap} ms; minimum {rules.min_gap_ms} ms")]
    if rules.min_gap_ms < gap < rules.close_gap_ms:
        message = f"gap to the next cue is {gap} ms; gaps under {rules.close_gap_ms} ms should be {rules.min_gap_ms} ms"
        return [LintIssue(index, "gap", message, WARNING)]
    return []


def lint_cues(cues: Sequence[Cue], rules: CueRules, fps_known: bool = True) -> list[LintIssue]:
    """Every rule each cue breaks, in cue order.

    ``fps_known=False`` says ``rules.fps`` is a default, not the video's rate: a gap that is the
    minimum number of frames at 30 fps (though fewer at ``rules.fps``) is then a warning.

    Checks: markup (tags cut apart or left open), lines per cue, line width (measured
    without markup; a line that is one long word is flagged as one that cannot be broken),
    empty cues/lines, a break that is not needed (a dialogue cue's is), closing punctuation
    at the start of any line (a cue's first line too), spaces between CJK characters
    (unless the punctuation mode shows marks as spaces), duration bounds (a hidden
    zero-length cue at 0 ms is a warning), reading speed, order, overlaps and gaps
    (minimum, and gaps that should have been closed).
    """
    issues: list[LintIssue] = []
    for index, cue in enumerate(cues):
        issues.extend(_check_text(index, cue, rules))
        issues.extend(_check_timing(index, cue, rules))
        if index + 1 < len(cues):
            issues.extend(_check_pair(index, cue, cues[index + 1], rules, fps_known))
    return sorted(issues, key=lambda issue: issue.cue_index)
