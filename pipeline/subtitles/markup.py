"""Subtitle markup kept beside the text: ``<i> <b> <u> <s> <font …>`` and ASS override blocks.

Files others wrote carry markup: SRT's HTML-ish tags, ``{\\an8}`` and other ASS overrides
(which SRT players honour too), WebVTT's tags. Wrapping and regrouping must not see it as
words, or a tag is cut apart (``<font color`` | ``="#000000">``). So :func:`parse_markup`
turns a cue's lines into plain running text plus :class:`Span` objects over it, and
:func:`render` puts the tags back into any lines cut from that text, closing the open tags
at every line end and reopening them on the next line, so every line (and so every cue) is
balanced. Cue-level overrides (``{\\an8}``, ``{\\pos(…)}``, anything in a leading override
block) stay with the text: every line set rendered from the cue starts with them.

One :class:`Dialect` per target format maps the spans to its equivalent: SRT keeps the tags,
WebVTT keeps ``<i> <b> <u>`` and drops fonts (positions become cue settings), ASS uses
``{\\i1}…{\\i0}``, colours as ``{\\c&HBBGGRR&}``, and plain text drops everything.

Example:
    >>> m = parse_markup(["{\\\\an8}<i>Hello there,", "my friend</i> and you."])
    >>> m.text, m.overrides
    ('Hello there, my friend and you.', '\\\\an8')
    >>> render(m, [(0, 12), (13, 31)], SRT)
    ['{\\\\an8}<i>Hello there,</i>', '<i>my friend</i> and you.']
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.subtitles.text import is_halfwidth

TAG = re.compile(r"<(/?)(i|b|u|s|font)(\s[^<>]*)?>", re.IGNORECASE)
OVERRIDE = re.compile(r"\{(\\[A-Za-z0-9][^{}]*)\}")
_TOKEN = re.compile(TAG.pattern + r"|" + OVERRIDE.pattern, re.IGNORECASE)
_STYLE_CODE = re.compile(r"^(i|b|u|s)(\d*)$")
# Codes that place a cue (ASS override tags); libass and most SRT players read \anN.
_POSITION_CODE = re.compile(r"^(an\d|a\d+|pos\(|move\(|org\()")
_FRAGMENT = re.compile(r'</?[A-Za-z]+(?:\s[^<>]*)?$|</?$|^/?[A-Za-z]*"?>|=\s*"#?\w*"?>?|\{\\[^{}]*$|^[^{}]*\\[A-Za-z]+\d*\}')


@dataclass(frozen=True)
class Span:
    """A tag over ``text[start:end]``; ``tag`` is the opener's inside, e.g. ``i`` or ``font color="#ff0"``."""

    start: int
    end: int
    tag: str

    @property
    def name(self) -> str:
        return self.tag.split(None, 1)[0].lower()


@dataclass(frozen=True)
class Marked:
    """A cue's plain running text with its markup beside it.

    Attributes:
        text: the lines' plain text, joined as :func:`~pipeline.subtitles.text.join_lines`
            joins them (a space between Latin words, none where CJK text meets the break).
        spans: the tags over ``text``, in order of their opening.
        overrides: the cue-level ASS override codes without braces (``\\an8``), or "".
        lines: ``(start, end)`` of each non-empty source line in ``text``.
        problems: what was wrong with the markup: stray closing tags, unclosed tags.
    """

    text: str
    spans: tuple[Span, ...] = ()
    overrides: str = ""
    lines: tuple[tuple[int, int], ...] = ()
    problems: tuple[str, ...] = ()


def _style_events(codes: str, at_start: bool, overrides: list[str]) -> list[tuple[str, str]]:
    """ASS override codes as ("open"/"close", name) events; placement codes go to ``overrides``."""
    events = []
    for code in filter(None, codes.split("\\")):
        style = _STYLE_CODE.match(code)
        if style:
            events.append(("open" if style.group(2) not in ("", "0") else "close", style.group(1)))
        elif code == "r":
            events.append(("reset", ""))
        elif _POSITION_CODE.match(code) or at_start:
            overrides.append("\\" + code)
    return events


def parse_markup(lines: Sequence[str]) -> Marked:
    """A cue's lines as plain text and spans (see :class:`Marked`); tags match case-insensitively.

    A closing tag closes the latest open tag of its name; one with nothing to close is
    dropped (and noted in ``problems``), and a tag still open at the end closes there.
    """
    text = ""
    spans: list[Span] = []
    opened: list[tuple[str, str, int]] = []  # name, tag, start
    overrides: list[str] = []
    ranges: list[tuple[int, int]] = []
    problems: list[str] = []

    def close(name: str) -> None:
        for k in range(len(opened) - 1, -1, -1):
            if opened[k][0] == name:
                _, tag, start = opened.pop(k)
                if len(text) > start:
                    spans.append(Span(start, len(text), tag))
                return
        problems.append(f"</{name}> closes nothing")

    for line in lines:
        pieces: list[tuple[str, str, str]] = []  # kind, name or text, tag
        position = 0
        for match in _TOKEN.finditer(line):
            pieces.append(("text", line[position:match.start()], ""))
            position = match.end()
            if match.group(4) is not None:
                at_start = not text and not any(k == "text" and v.strip() for k, v, _ in pieces)
                for kind, name in _style_events(match.group(4), at_start, overrides):
                    pieces.append((kind, name, name))
            else:
                name = match.group(2).lower()
                pieces.append(("close" if match.group(1) else "open", name, name + (match.group(3) or "")))
        pieces.append(("text", line[position:], ""))
        plain = "".join(v for k, v, _ in pieces if k == "text").strip()
        if plain and text and is_halfwidth(text[-1]) and is_halfwidth(plain[0]):
            text += " "
        line_start, lead = len(text), True
        for kind, value, tag in pieces:
            if kind == "text":
                if lead:
                    value = value.lstrip()
                    lead = not value
                room = line_start + len(plain) - len(text)
                text += value[:max(0, room)]
            elif kind == "open":
                opened.append((value, tag, len(text)))
            elif kind == "close":
                close(value)
            else:
                for name, _, _ in list(reversed(opened)):
                    close(name)
        if plain:
            ranges.append((line_start, len(text)))
    for name, _, _ in list(reversed(opened)):
        problems.append(f"<{name}> is never closed")
        close(name)
    spans.sort(key=lambda s: (s.start, -s.end))
    return Marked(text, tuple(spans), "".join(dict.fromkeys(overrides)), tuple(ranges), tuple(problems))


def plain_lines(lines: Sequence[str]) -> list[str]:
    """Each non-empty line without its markup."""
    marked = parse_markup(lines)
    return [marked.text[a:b] for a, b in marked.lines]


def fragments(lines: Sequence[str]) -> list[str]:
    """Pieces of tags left in the plain text (``="#000000">``, ``</``, ``{\\``): markup cut apart."""
    found: list[str] = []
    for line in plain_lines(lines):
        found.extend(match.group(0) for match in _FRAGMENT.finditer(line))
    return found


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Dialect:
    """How one format writes spans: an opener, a closer, escaped text, the cue-level overrides."""

    open: Callable[[Span], str]
    close: Callable[[Span], str]
    escape: Callable[[str], str]
    prefix: Callable[[str], str]


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(rf"\b{name}\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+)", tag, re.IGNORECASE)
    return match.group(1).strip("\"'") if match else None


def _ass_colour(value: str) -> str | None:
    """``#RRGGBB`` (or ``RRGGBB``) as ASS's ``&HBBGGRR&``; None for colour names and other forms."""
    hexa = value.lstrip("#")
    if re.fullmatch(r"[0-9A-Fa-f]{6}", hexa):
        return f"&H{hexa[4:6]}{hexa[2:4]}{hexa[0:2]}&".upper()
    return None


def _ass_font(span: Span, closing: bool) -> str:
    codes = []
    colour = _attribute(span.tag, "color")
    if colour and _ass_colour(colour):
        codes.append("\\c" if closing else f"\\c{_ass_colour(colour)}")
    face = _attribute(span.tag, "face")
    if face:
        codes.append("\\fn" if closing else f"\\fn{face}")
    size = _attribute(span.tag, "size")
    if size and size.isdigit():
        codes.append("\\fs" if closing else f"\\fs{size}")
    return "{" + "".join(codes) + "}" if codes else ""


def _ass_open(span: Span) -> str:
    return _ass_font(span, False) if span.name == "font" else "{\\" + span.name + "1}"


def _ass_close(span: Span) -> str:
    return _ass_font(span, True) if span.name == "font" else "{\\" + span.name + "0}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SRT = Dialect(lambda s: f"<{s.tag}>", lambda s: f"</{s.name}>", lambda t: t, lambda o: "{" + o + "}" if o else "")
VTT = Dialect(lambda s: f"<{s.name}>" if s.name in "ibu" else "",
              lambda s: f"</{s.name}>" if s.name in "ibu" else "", _vtt_escape, lambda o: "")
ASS = Dialect(_ass_open, _ass_close, lambda t: t.replace("{", "\\{").replace("}", "\\}"),
              lambda o: "{" + o + "}" if o else "")
PLAIN = Dialect(lambda s: "", lambda s: "", lambda t: t, lambda o: "")


def render_line(marked: Marked, chars: str, offsets: Sequence[int], dialect: Dialect = SRT) -> str:
    """``chars`` with the tags of the spans their ``offsets`` (in ``marked.text``) fall in.

    Tags open and close in a stack, so the line is always balanced; whatever is open at the
    end of the line is closed there.
    """
    out: list[str] = []
    stack: list[Span] = []
    for ch, offset in zip(chars, offsets, strict=True):
        want = [s for s in marked.spans if s.start <= offset < s.end]
        keep = 0
        while keep < len(stack) and keep < len(want) and stack[keep] == want[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(dialect.close(stack.pop()))
        for span in want[keep:]:
            out.append(dialect.open(span))
            stack.append(span)
        out.append(dialect.escape(ch))
    while stack:
        out.append(dialect.close(stack.pop()))
    return "".join(out)


def render(marked: Marked, ranges: Sequence[tuple[int, int]], dialect: Dialect = SRT) -> list[str]:
    """The lines ``marked.text[a:b]`` for each range, with their tags; the first starts with the overrides."""
    lines = [render_line(marked, marked.text[a:b], range(a, b), dialect) for a, b in ranges]
    if lines:
        lines[0] = dialect.prefix(marked.overrides) + lines[0]
    return lines


def locate(text: str, line: str, cursor: int, window: int = 4) -> tuple[list[int], int]:
    """Where each character of ``line`` (cut from ``text``, maybe re-punctuated) is in ``text``.

    Characters are matched in order from ``cursor``; one not found nearby (a mark a
    punctuation mode changed) takes the offset of the character before it.

    Returns:
        The offsets, one per character of ``line``, and the cursor after the line.
    """
    offsets: list[int] = []
    last = min(cursor, max(len(text) - 1, 0))
    for ch in line:
        found = text.find(ch, cursor, cursor + (1 if ch.isspace() else window))
        if found >= 0:
            last, cursor = found, found + 1
        offsets.append(last)
    return offsets, cursor


def convert(lines: Sequence[str], dialect: Dialect) -> list[str]:
    """A cue's lines (SRT-style markup) rewritten in ``dialect``, each line balanced."""
    marked = parse_markup(lines)
    return render(marked, marked.lines, dialect)


def vtt_settings(overrides: str) -> str:
    """WebVTT cue settings for an ASS alignment override: ``\\an8`` -> ``line:0``."""
    match = re.search(r"\\an(\d)", overrides)
    if not match or match.group(1) in "2":
        return ""
    digit = int(match.group(1))
    settings = ["line:0" if digit >= 7 else "line:50%" if digit >= 4 else ""]
    settings.append({1: "align:start", 4: "align:start", 7: "align:start",
                     3: "align:end", 6: "align:end", 9: "align:end"}.get(digit, ""))
    return " ".join(filter(None, settings))


def _is_top(line: str) -> bool:
    """A WebVTT ``line`` setting that puts the cue at the top: line 0, or under 20 %."""
    value = line.split(",")[0].strip()
    if value.endswith("%"):
        try:
            return float(value[:-1]) < 20
        except ValueError:
            return False
    return value == "0"


def from_vtt(raw: str, position: str = "") -> list[str]:
    """WebVTT cue text as lines with SRT-style markup: ``<i> <b> <u>`` kept, voices, classes,
    ruby and timestamps dropped, entities decoded; ``position``, a ``line`` setting, at the top (``0``,
    under 20 %) becomes ``{\\an8}``."""
    lines = []
    for line in raw.splitlines():
        lines.append(html.unescape(re.sub(r"<(?!/?[ibu]>)[^<>]*>", "", line)))
    if lines and _is_top(position):
        lines[0] = "{\\an8}" + lines[0]
    return lines


def in_dialect(lines: Sequence[str], dialect: Dialect) -> tuple[list[str], str] | None:
    """A cue's lines with their markup in ``dialect`` and the cue's overrides (``\\an8``), or
    None when the lines hold no markup or markup that does not parse cleanly (literal text)."""
    if not any("<" in line or "{" in line for line in lines):
        return None
    marked = parse_markup(lines)
    if marked.problems or not marked.lines or not (marked.spans or marked.overrides) or \
            any("\n" in line for line in lines):
        return None
    return render(marked, marked.lines, dialect), marked.overrides


def shown_text(lines: Sequence[str], dialect: Dialect) -> Sequence[str]:
    """The lines in ``dialect`` when they hold clean markup, else as they are."""
    marked = in_dialect(lines, dialect)
    return lines if marked is None else marked[0]
