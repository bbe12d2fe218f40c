"""Guess the language of subtitle text from the scripts its letters are written in.

Files brought in for ``lint`` or ``rewrap`` say nothing about their language, yet the
rules depend on it. Only the script matters for the rules: line width, reading speed and
whether words are separated by spaces follow from Hangul, kana and Han versus Latin (and
other space-separated scripts), not from the language as such. So telling zh from ja from
ko from "everything else" (checked under the en rules) is enough, and counting characters
by Unicode block does it without a language model.

Example:
    >>> from pipeline.subtitles.cues import Cue
    >>> guess_language([Cue(0, 1000, ("你好，世界。",))])
    'zh-CN'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.subtitles.cues import Cue
from pipeline.subtitles.markup import plain_lines

# A text whose letters are at least this share Hangul, Han (with kana) is treated as that script.
CJK_SHARE = 0.3
# Japanese mixes Han with kana; this share of kana tells it from Chinese.
KANA_SHARE = 0.1

KOREAN = "ko-KR"
JAPANESE = "ja-JP"
CHINESE = "zh-CN"
OTHER = "en-US"


def is_hangul(ch: str) -> bool:
    """Hangul syllables or jamo."""
    return "\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff"


def is_kana(ch: str) -> bool:
    """Hiragana or katakana."""
    return "\u3040" <= ch <= "\u30ff"


def is_han(ch: str) -> bool:
    """CJK unified ideographs (with extension A) or compatibility ideographs."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def script_share(chars: str, test: Callable[[str], bool]) -> float:
    """The share of ``chars`` for which ``test`` holds; 0.0 for no characters."""
    return sum(1 for ch in chars if test(ch)) / len(chars) if chars else 0.0


def guess_language(cues: Sequence[Cue]) -> str:
    """The language whose rules fit the cues' text, by the share of Hangul, kana and Han.

    Only letters and digits count, so punctuation, spaces and markup leave the guess alone.

    Args:
        cues: the cues whose lines are looked at.

    Returns:
        ``"ko-KR"``, ``"ja-JP"``, ``"zh-CN"`` or, for anything else (including no text at
        all), ``"en-US"``.
    """
    chars = "".join(ch for cue in cues for line in plain_lines(cue.lines) for ch in line if ch.isalnum())
    if script_share(chars, is_hangul) >= CJK_SHARE:
        return KOREAN
    kana = script_share(chars, is_kana)
    han = script_share(chars, is_han)
    if kana >= KANA_SHARE and kana + han >= CJK_SHARE:
        return JAPANESE
    return CHINESE if han >= CJK_SHARE else OTHER


#: Languages the rules know by their primary subtag: those with their own limits, and the
#: ones checked under the default (English, Netflix adult) limits. ``zh-CN``, ``en-US`` …
KNOWN_LANGUAGES = (
    "zh", "cmn", "yue", "wuu", "nan", "ja", "ko", "en", "es", "fr", "de", "it", "pt", "ru", "uk", "pl", "cs",
    "nl", "sv", "da", "no", "nb", "fi", "el", "hu", "ro", "tr", "ar", "he", "hi", "th", "vi", "id", "ms", "ug",
)


def check_language(tag: str) -> str:
    """``tag`` when its primary subtag is one of :data:`KNOWN_LANGUAGES` (``zh-CN``, ``en``, ``yue``).

    Raises:
        ValueError: any other tag, with a one-line message listing the valid ones.
    """
    primary = tag.replace("_", "-").split("-")[0].lower()
    if primary not in KNOWN_LANGUAGES:
        raise ValueError(f"unknown language {tag!r}; use one of {', '.join(KNOWN_LANGUAGES)} "
                         "(a region may follow: zh-CN, en-US, es-MX)")
    return tag
