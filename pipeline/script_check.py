"""Does the recognised text's script fit the language its subtitles are wrapped for?

``caption en_demo.mp4`` without ``-l`` recognises and wraps under zh-CN, the default: English
words then get Chinese line widths and reading speeds, and nothing said so. The rules depend
on the script only (see :mod:`pipeline.subtitles.language`), so comparing the script family
of the text with that of the language catches the mistake without a language model, and the
message names the fix.

Example:
    >>> from pipeline.transcript import Transcript, Utterance
    >>> english = Transcript((Utterance("Hello there, how are you?", 0, 1500),), language="zh-CN")
    >>> script_mismatch(english, "en_demo.mp4") is not None
    True
"""

from __future__ import annotations

from pipeline.subtitles.cues import Cue
from pipeline.subtitles.language import CHINESE, JAPANESE, KOREAN, OTHER, guess_language
from pipeline.transcript import Transcript

# Languages whose rules are those of Chinese text (written in Han without spaces).
_HAN_LANGUAGES = {"zh", "cmn", "yue", "wuu", "nan"}
_SCRIPT_NAMES = {CHINESE: "Chinese characters", JAPANESE: "Japanese kana and kanji", KOREAN: "Hangul",
                 OTHER: "Latin or another space-separated script"}
# Fewer letters than this say too little about the script to warn.
MIN_LETTERS = 8


def script_family(language: str) -> str:
    """The rules family of a language tag: zh-CN, ja-JP, ko-KR, or en-US for every other script."""
    primary = language.split("-")[0].lower()
    if primary in _HAN_LANGUAGES:
        return CHINESE
    return {"ja": JAPANESE, "ko": KOREAN}.get(primary, OTHER)


def script_mismatch(transcript: Transcript, name: str) -> str | None:
    """A one-line warning when the text is written in another script than its language's, else None.

    Args:
        transcript: the vendor's text, with the language it was asked for and is wrapped under.
        name: the file or link the warning names.
    """
    letters = sum(ch.isalnum() for u in transcript.utterances for ch in u.text)
    if letters < MIN_LETTERS:
        return None
    found = guess_language([Cue(u.start_ms, u.end_ms, (u.text,)) for u in transcript.utterances if u.text])
    asked = transcript.language
    if found == script_family(asked):
        return None
    fix = found if found != OTHER else "en-US"
    other = "" if found != OTHER else " or the speech's own language"
    return (f"{name}: the recognised text is in {_SCRIPT_NAMES[found]}, but it was recognised and wrapped under "
            f"{asked} rules; if the speech is not {asked}, run again with -l {fix}{other} "
            f"(flow parameter language={fix})")
