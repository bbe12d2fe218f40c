"""How bad a line or cue break between two tokens is: 0 is ideal, the numbers are relative.

Netflix's guide: break after punctuation, before conjunctions and prepositions; never
between an article and its noun. For Chinese: after clause marks, at phrase boundaries
(after 的话, before 但是), at jieba word boundaries, never inside a word. A pause in the
speech marks a phrase boundary too, so a pause takes up to :data:`MAX_PAUSE_BONUS` off.

Example:
    >>> text_break_cost("store", "and", True) < text_break_cost("the", "store", True)
    True
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.subtitles.text import CLAUSE_MARKS, CLOSERS, ends_sentence, is_cjk_char
from pipeline.subtitles.words import CHINESE_PARTICLES, JiebaWords, may_be_phrase_boundary

COST_SENTENCE = 0.0
COST_CLAUSE = 1.0
COST_BEFORE_CONJUNCTION = 3.0
COST_CHINESE_PHRASE = 2.0
COST_CJK_WORD_BOUNDARY = 4.0
COST_PLAIN_SPACE = 6.0
COST_INSIDE_CJK_WORD = 25.0
COST_GLUED_WORDS = 40.0
# Two ASCII tokens with no space between are pieces of one link, address or "$5": breaking
# there costs more than a whole cue, so a link is cut only when it does not fit on a line.
COST_INSIDE_LINK = 100.0
# A pause in speech marks a phrase boundary: up to this much off a break's cost.
MAX_PAUSE_BONUS = 4.0

# English: never break after these (article/determiner + noun, title + name, "to" + verb).
GLUE_AFTER = frozenset(
    {
        "a", "an", "the", "this", "these", "those", "my", "your", "his", "her", "its", "our", "their",
        "mr.", "mrs.", "ms.", "dr.", "prof.", "to", "very", "some", "any", "no", "every", "each",
    }
)  # fmt: skip
# English: good places to break are before conjunctions and prepositions.
BREAK_BEFORE = frozenset(
    {
        "and", "but", "or", "nor", "so", "yet", "because", "although", "though", "while", "when",
        "where", "which", "who", "that", "if", "unless", "until", "since", "after", "before", "as",
        "in", "on", "at", "for", "with", "from", "into", "about", "over", "under", "of", "by",
        "through", "without", "between", "than", "like",
    }
)  # fmt: skip


# What follows a number as its unit: Chinese measure words and units, and Latin unit symbols.
NUMBER_UNITS = frozenset("元块角毛分个只件条张本台部辆次回遍年月日号天周岁时点秒万亿千百十米里斤克吨度倍层位名家届期集页章节多余%％℃")
LATIN_UNITS = frozenset(
    "kg g mg km m cm mm ml l gb mb kb tb mah hz khz mhz ghz fps px s ms min h mph kph w kw kwh v k".split()
)
# What comes before a number and belongs to it: currency signs, 第 (ordinals).
NUMBER_PREFIXES = frozenset("$¥￥€£第")


def _number_and_unit(prev: str, nxt: str, nxt_space: bool) -> bool:
    """True between a number and its unit ("9699|元", "5 kg", "１２|个") or a sign and its number ("¥|9699")."""
    last, first = prev[-1], nxt[0]
    if last.isdigit():
        if nxt_space:
            return nxt.rstrip(CLOSERS + ",.;:!?").lower() in LATIN_UNITS
        return first in NUMBER_UNITS
    return not nxt_space and last in NUMBER_PREFIXES and first.isdigit()


def _ascii_pair(last: str, first: str) -> bool:
    """True when two printable ASCII characters meet (no space: the caller knows there is none)."""
    return "!" <= last <= "~" and "!" <= first <= "~"


def _bare_word(text: str) -> str:
    return text.strip("\"'“”‘’()[]{},;:!?").lower()


@lru_cache(maxsize=1 << 16)
def text_break_cost(prev: str, nxt: str, nxt_space: bool, cjk: bool = False) -> float | None:
    """The cost of a break between token texts ``prev`` and ``nxt`` where the texts decide it.

    None where they do not: between two CJK tokens with no space, where jieba's word flags
    decide (:func:`flag_cost`). ``cjk``: the text is Chinese or Japanese, where a Latin run
    (a product name) is one phrase. Cached: the cue builder prices most boundaries of a long
    transcript, and the same pairs of characters or words recur.
    """
    if not nxt_space and _ascii_pair(prev[-1], nxt[0]):
        return COST_INSIDE_LINK
    if _number_and_unit(prev, nxt, nxt_space):
        return COST_GLUED_WORDS
    if ends_sentence(prev, nxt, nxt_space):
        return COST_SENTENCE
    core = prev.rstrip(CLOSERS)
    if core and core[-1] in CLAUSE_MARKS:
        return COST_CLAUSE
    if nxt_space and cjk and "0" <= nxt[0] <= "z" and nxt[0].isalnum() and core[-1:].isascii() and core[-1:].isalnum():
        return COST_GLUED_WORDS  # "iPhone 15 Pro Max" in Chinese: one name, broken only when it must be
    if nxt_space:
        if is_cjk_char(core[-1:] or " ") and is_cjk_char(nxt[0]):
            # A space inside CJK text separates phrases (punctuation mode "space").
            return COST_CLAUSE
        if _bare_word(prev) in GLUE_AFTER:
            return COST_GLUED_WORDS
        if _bare_word(nxt) in BREAK_BEFORE:
            return COST_BEFORE_CONJUNCTION
        return COST_PLAIN_SPACE
    return None


def flag_cost(glued: bool, phrase: bool) -> float:
    """The cost of a break before a token with jieba's flags ``glued`` and ``phrase``."""
    if glued:
        return COST_INSIDE_CJK_WORD
    return COST_CHINESE_PHRASE if phrase else COST_CJK_WORD_BOUNDARY


def lowest_flag_cost(words: JiebaWords, offset: int) -> float:
    """A lower bound of ``flag_cost(*words.flags_at(offset))`` that needs no segmentation.

    A particle glues whatever jieba says; a phrase boundary needs a phrase word right
    before or after ``offset``; otherwise the break costs at least a word boundary. Lets
    the line breaker skip jieba for breaks that cannot win.
    """
    if words.text[offset] in CHINESE_PARTICLES:
        return COST_INSIDE_CJK_WORD
    return COST_CHINESE_PHRASE if may_be_phrase_boundary(words.text, offset) else COST_CJK_WORD_BOUNDARY


def pause_bonus(pause_ms: int) -> float:
    """How much a pause of ``pause_ms`` before a break takes off its cost: 1 per 25 ms past 40 ms.

    Comparisons rather than min()/max(): the line breaker asks this for every break it prices.
    """
    excess = pause_ms - 40
    if excess <= 0:
        return 0.0
    return MAX_PAUSE_BONUS if excess >= MAX_PAUSE_BONUS * 25 else excess / 25
