"""Japanese word boundaries from the scripts: where a line or cue break reads well.

Japanese has no spaces and jieba knows only Chinese, but the scripts mark most word
boundaries: a content word is written in kanji or katakana and its particles and endings in
hiragana. So a break from hiragana into kanji or katakana (after a particle or an ending, at
a new word) is a phrase boundary, and a break from a word into the hiragana after it
(今日|は, 行|きます, テレビ|を) or inside a katakana word cuts a word. Small kana and ー are
already glued to the kana before them by the tokenizer (kinsoku), as are closing and opening
brackets.

Example:
    >>> japanese_flags(["今", "日", "は", "テ", "レ", "ビ"], [False] * 6)
    ([False, False, True, False, True, True], [False, False, False, True, False, False])
"""

from __future__ import annotations

from collections.abc import Sequence

_HIRAGANA, _KATAKANA, _KANJI, _LATIN, _OTHER = range(5)


def _script(ch: str) -> int:
    cp = ord(ch)
    if 0x3041 <= cp <= 0x309F:
        return _HIRAGANA
    if 0x30A0 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9F:
        return _KATAKANA
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or cp in (0x3005, 0x3006) or 0x20000 <= cp <= 0x3FFFF:
        return _KANJI
    if ch.isascii() and ch.isalnum() or 0xFF10 <= cp <= 0xFF5A:
        return _LATIN
    return _OTHER


_WORDS = (_KATAKANA, _KANJI, _LATIN)


def japanese_flags(texts: Sequence[str], spaces: Sequence[bool]) -> tuple[list[bool], list[bool]]:
    """``(glued, phrase)`` for a break before each token of Japanese text (see the module docstring).

    The first token and tokens after a space get neither: a space is a boundary of its own.
    """
    glued = [False] * len(texts)
    phrase = [False] * len(texts)
    for k in range(1, len(texts)):
        if spaces[k]:
            continue
        before, after = _script(texts[k - 1][-1]), _script(texts[k][0])
        if after == _HIRAGANA and before in _WORDS or before == after == _KATAKANA:
            glued[k] = True
        elif before == _HIRAGANA and after in _WORDS:
            phrase[k] = True
    return glued, phrase
