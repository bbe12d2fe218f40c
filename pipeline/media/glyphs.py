"""Which font burns the text, and whether every character of it has a glyph: never draw tofu.

libass draws a character its font lacks from another installed font that has it (through
fontconfig), and as a box when none has it. Before burning, :func:`choose_font` picks the
font (the one asked for, an installed Chinese font, or the Noto Sans CJK collection that
ships as a dependency, so a fresh machine without root still draws Chinese) and
:func:`check_glyphs` finds every character that would come out as a box.

Emoji are a case of their own: libass draws outlines only, so a colour emoji font does not
help, and a skin tone, a flag pair or a family joined by zero-width joiners would come out
as separate pieces even where an outline font has them. Emoji are therefore taken out of
burned text (:func:`drop_emoji`) and listed in a warning; the cue files keep them.

Example:
    >>> drop_emoji("好 👍🏽 see you 🇨🇳")
    ('好 see you', ['👍🏽', '🇨🇳'])
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from pipeline.errors import InputError
from pipeline.media.font_measure import FontMetrics, font_metrics
from pipeline.media.fonts import (
    BUNDLED_CJK_FAMILY,
    bundled_cjk_font,
    families_covering,
    find_cjk_font,
    font_file,
)

PathLike = str | os.PathLike[str]

_CLUSTER = regex.compile(r"\X")
# A grapheme cluster is an emoji when it holds a pictograph, a regional-indicator letter
# (flags) or the keycap mark (1️⃣); a plain digit or ©, without VS16, is text.
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
_PUNCTUATION = regex.compile(r"\p{P}")
_TEXT_PRESENTATION = frozenset("©®‼⁉™ℹ↔↕↖↗↘↙↩↪")


@dataclass(frozen=True)
class FontChoice:
    """The font libass is to use: its family name, the file it is in, and the folder to hand libass.

    Attributes:
        family: the family name written into the ASS style.
        path: the font file (the width measure reads its advances).
        fonts_dir: the folder libass must load (None when the font is installed system-wide).
        why: how it was chosen, for the run's report.
    """

    family: str
    path: Path
    fonts_dir: Path | None
    why: str

    def metrics(self) -> FontMetrics:
        return font_metrics(os.fspath(self.path), self.family)


def choose_font(family: str | None = None, fonts_dir: PathLike | None = None) -> FontChoice:
    """The font to burn with.

    Args:
        family: the family asked for (``--font``); None picks a Chinese font.
        fonts_dir: a folder of font files to search first and hand to libass (``--fonts-dir``).

    Raises:
        InputError: the family asked for is neither installed nor in ``fonts_dir``, or
            ``fonts_dir`` is not a folder.
    """
    folder = Path(fonts_dir).expanduser() if fonts_dir else None
    if folder is not None and not folder.is_dir():
        raise InputError(f"{folder}: --fonts-dir is not a folder; give a folder of .ttf/.otf/.ttc files")
    if family:
        path = font_file(family, folder)
        if path is not None:
            return FontChoice(family, path, folder, "asked for")
        bundled = bundled_cjk_font()
        if bundled is not None and family.casefold() == BUNDLED_CJK_FAMILY.casefold():
            return _bundled(bundled, folder, "the bundled copy of the font asked for")
        where = f" or in --fonts-dir {folder}" if folder else ""
        raise InputError(f"--font {family!r}: no such font installed{where}; install it, give --fonts-dir with "
                         f"its file, or leave --font out to use an installed Chinese font or the bundled "
                         f"{BUNDLED_CJK_FAMILY}")
    found = find_cjk_font(folder)
    path = font_file(found, folder) if found else None
    if found and path is not None:
        return FontChoice(found, path, folder, "an installed Chinese font")
    bundled = bundled_cjk_font()
    if bundled is None:
        raise InputError(f"no Chinese font is installed and the bundled {BUNDLED_CJK_FAMILY} is missing; "
                         "reinstall subtitle-pipeline (it depends on noto-cjk-sans-otc) or give --font/--fonts-dir")
    return _bundled(bundled, folder, "no Chinese font is installed")


def _bundled(bundled: Path, folder: Path | None, why: str) -> FontChoice:
    # libass takes one fonts folder: the bundled collection's folder, unless one was given (then
    # the bundled file is found through fontconfig only if installed, so prefer the given folder).
    return FontChoice(BUNDLED_CJK_FAMILY, bundled, folder or bundled.parent, f"bundled {BUNDLED_CJK_FAMILY} ({why})")


def is_emoji(cluster: str) -> bool:
    """Whether a grapheme cluster shows as an emoji picture."""
    if not _EMOJI.search(cluster):
        return False
    return not (len(cluster) == 1 and cluster in _TEXT_PRESENTATION)


def drop_emoji(text: str) -> tuple[str, list[str]]:
    """``text`` without its emoji clusters, and the clusters taken out.

    The space an emoji leaves goes with it: no doubled space, none before the punctuation
    that followed it (``元 👍。`` → ``元。``), none at either end.
    """
    kept: list[str] = []
    dropped: list[str] = []
    after_emoji = False
    for cluster in _CLUSTER.findall(text):
        if is_emoji(cluster):
            dropped.append(cluster)
            after_emoji = True
            continue
        if after_emoji:
            if cluster.isspace() and (not kept or kept[-1].isspace()):
                continue
            if _PUNCTUATION.match(cluster):
                while kept and kept[-1].isspace():
                    kept.pop()
            after_emoji = cluster.isspace()
        kept.append(cluster)
    if not dropped:
        return text, []
    return "".join(kept).strip(), dropped


def check_glyphs(text: str, font: FontChoice) -> str:
    """Every character of ``text`` that no font would draw: not in ``font``, nor in a fallback libass can use.

    Returns:
        Those characters, each once in order of appearance; "" when everything is drawn.
    """
    advances = font.metrics().advances
    candidates = dict.fromkeys(ch for ch in text if ord(ch) not in advances and _needs_glyph(ch))
    return "".join(ch for ch in candidates if not _drawn_by_fallback(ch, font))


def _needs_glyph(ch: str) -> bool:
    # Spaces, joiners, variation selectors and other format characters draw nothing.
    return not ch.isspace() and unicodedata.category(ch) not in {"Cf", "Mn", "Me", "Cc"}


def _drawn_by_fallback(ch: str, font: FontChoice) -> bool:
    if font.fonts_dir is not None:
        for path in sorted(font.fonts_dir.rglob("*")):
            if path.suffix.lower() in {".ttf", ".otf", ".ttc", ".otc"} and _file_has(path, ch):
                return True
    return bool(families_covering(ch))


def _file_has(path: Path, ch: str) -> bool:
    try:
        return ord(ch) in font_metrics(os.fspath(path)).advances
    except InputError:
        return False


def describe_missing(chars: str) -> str:
    """``'ꙮ' (U+A66E), '𓀀' (U+13000)``: the characters with their code points, which survive any terminal."""
    return ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in chars)
