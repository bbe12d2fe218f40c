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


def _bare_word(text: str) -> str:
    return text.strip("\"'“”‘’()[]{},;:!?").lower()


@lru_cache(maxsize=1 << 16)
def text_break_cost(prev: str, nxt: str, nxt_space: bool) -> float | None:
    """The cost of a break between token texts ``prev`` and ``nxt`` where the texts decide it.

    None where they do not: between two CJK tokens with no space, where jieba's word flags
    decide (:func:`flag_cost`). Cached: the cue builder prices most boundaries of a long
    transcript, and the same pairs of characters or words recur.
    """
    if ends_sentence(prev, nxt, nxt_space):
        return COST_SENTENCE
    core = prev.rstrip(CLOSERS)
    if core and core[-1] in CLAUSE_MARKS:
        return COST_CLAUSE
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
