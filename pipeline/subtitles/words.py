"""Chinese word boundaries: where jieba's words start and end, looked up only where asked.

A break between two Han characters is cheap at a word boundary and costly inside a word
(举|报 reads badly), and cheaper still at a phrase boundary (after 的话, before 但是).
jieba knows the words; it is also the costliest step for Chinese (about 0.06 s per hour of
speech), while its answer matters only where a break is priced. So :class:`JiebaWords`
segments a text lazily, one Han run at a time, and :func:`han_block_words` runs jieba's
default segmentation of a run faster than ``jieba.cut`` with the same words (an oracle
test checks that against ``jieba.cut`` itself).

Example:
    >>> JiebaWords("我们需要举报").flags_at(4)  # inside 举报: glued, no phrase boundary
    (True, False)
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_right
from functools import lru_cache
from typing import Any

# Chinese: good line breaks come after clause-final words and before conjunctions.
CHINESE_BREAK_AFTER = frozenset({"的话", "以后", "之后", "以前", "之前", "时候", "的时候", "然后"})
CHINESE_BREAK_BEFORE = frozenset(
    {"但是", "可是", "所以", "因为", "而且", "然后", "如果", "虽然", "不过", "因此", "于是", "并且", "或者", "而是", "否则"}
)
# Chinese particles that lean on the word before them: a line starting with one reads badly.
CHINESE_PARTICLES = frozenset("了的吗呢吧啊呀着过得地们么嘛")
_PHRASE_WORD_SIZES = sorted({len(w) for w in CHINESE_BREAK_AFTER | CHINESE_BREAK_BEFORE})


@lru_cache(maxsize=1)
def jieba_module() -> Any:
    """Import jieba once, quietly: its dictionary load logs to stderr otherwise."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


class _HanBlockSegmenter:
    """jieba's default segmentation (``Tokenizer.cut`` with HMM) of one Han block, fused.

    Why: the same dynamic programme as jieba's ``get_DAG`` + ``calc`` + ``__cut_DAG``, with
    the dictionary lookups, route and word log-probabilities kept in locals and a cache
    instead of a DAG dict and a generator of tuples per character: about twice as fast, and
    the same words (same floating-point sums, same tie-breaking: the longer word wins a tie,
    as ``max`` over ``(score, end)`` tuples does). Runs of single characters that are not a
    dictionary word still go to jieba's own HMM (``jieba.finalseg.cut``). The cache follows
    the dictionary: it is dropped when jieba's word total changes (``jieba.add_word``).
    """

    def __init__(self) -> None:
        self._total = -1
        self._freq: dict[str, int] = {}
        self._logp: dict[str, float] = {}
        self._unknown = 0.0

    def _sync(self) -> None:
        tokenizer = jieba_module().dt
        tokenizer.check_initialized()
        if tokenizer.total != self._total or tokenizer.FREQ is not self._freq:
            self._total, self._freq, self._logp = tokenizer.total, tokenizer.FREQ, {}
            self._unknown = math.log(1) - math.log(tokenizer.total)

    def words(self, block: str) -> list[str]:
        """The words of ``block``, as ``jieba.cut`` gives them."""
        self._sync()
        freq, logp = self._freq, self._logp
        logtotal = math.log(self._total)
        n = len(block)
        score = [0.0] * (n + 1)
        route = list(range(n + 1))
        for idx in range(n - 1, -1, -1):
            best_score, best_end = -math.inf, -1
            i, frag = idx, block[idx]
            found = False
            while i < n and frag in freq:
                if freq[frag]:
                    found = True
                    value = logp.get(frag)
                    if value is None:
                        value = logp[frag] = math.log(freq[frag]) - logtotal
                    total = value + score[i + 1]
                    if total >= best_score:  # ends grow: ">=" keeps the larger end, as max() over tuples
                        best_score, best_end = total, i
                i += 1
                frag = block[idx : i + 1]
            if not found:  # jieba's DAG falls back to the single character, frequency 1
                best_score, best_end = self._unknown + score[idx + 1], idx
            score[idx], route[idx] = best_score, best_end
        return self._with_hmm(block, route)

    def _with_hmm(self, block: str, route: list[int]) -> list[str]:
        """``__cut_DAG``'s walk: single characters are buffered and unknown runs of them go to the HMM."""
        from jieba import finalseg

        words: list[str] = []
        buf = ""
        x, n = 0, len(block)
        while x < n:
            y = route[x] + 1
            if y - x == 1:
                buf += block[x]
            else:
                if buf:
                    words.extend(self._flush(buf, finalseg))
                    buf = ""
                words.append(block[x:y])
            x = y
        if buf:
            words.extend(self._flush(buf, finalseg))
        return words

    def _flush(self, buf: str, finalseg: Any) -> list[str]:
        if len(buf) == 1:
            return [buf]
        if not self._freq.get(buf):
            return list(finalseg.cut(buf))
        return list(buf)


_SEGMENTER = _HanBlockSegmenter()


def han_block_words(block: str) -> list[str]:
    """jieba's words of one Han block (a match of ``jieba.re_han_default``)."""
    return _SEGMENTER.words(block)


def _block_boundaries(block: str) -> tuple[frozenset[int], frozenset[int]]:
    """Offsets in ``block`` where words start or end, and the subset that are phrase boundaries."""
    bounds = {0, len(block)}
    phrases = set()
    start = 0
    for word in han_block_words(block):
        end = start + len(word)
        bounds.add(end)
        if word in CHINESE_BREAK_BEFORE:
            phrases.add(start)
        if word in CHINESE_BREAK_AFTER:
            phrases.add(end)
        start = end
    return frozenset(bounds), frozenset(phrases)


def may_be_phrase_boundary(text: str, offset: int) -> bool:
    """False when no phrase word lies right before or after ``offset``: no segmentation can make one."""
    for size in _PHRASE_WORD_SIZES:
        if text[offset : offset + size] in CHINESE_BREAK_BEFORE or text[max(0, offset - size) : offset] in CHINESE_BREAK_AFTER:
            return True
    return False


class JiebaWords:
    """jieba's word boundaries in one text, segmented run by run on first use.

    jieba cuts its input into runs (``jieba.re_han_default`` blocks) and segments each run
    on its own, so segmenting just the run that contains the asked offset gives exactly the
    words that segmenting the whole text would.
    """

    __slots__ = ("_ends", "_runs", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self._ends: list[int] = []
        self._runs: dict[int, tuple[frozenset[int], frozenset[int]]] = {}

    def _run_words(self, index: int, starts: list[int]) -> tuple[frozenset[int], frozenset[int]]:
        """Word boundaries and phrase boundaries (absolute offsets) of run ``index``."""
        if index not in self._runs:
            start, end = starts[index], self._ends[index]
            bounds, phrases = _block_boundaries(self.text[start:end])
            self._runs[index] = (
                frozenset(start + k for k in bounds),
                frozenset(start + k for k in phrases),
            )
        return self._runs[index]

    def flags_at(self, offset: int) -> tuple[bool, bool]:
        """``(glued, phrase)`` for a token at ``offset`` that is not first and has no space before.

        ``glued``: a break before it would cut a word (or put a particle first on a line);
        ``phrase``: a phrase boundary lies there. Outside jieba's runs every character is a
        word of its own, so only the run containing ``offset`` (or ending at it) is segmented.
        """
        starts = self._starts
        if starts is None:
            runs = [m.span() for m in jieba_module().re_han_default.finditer(self.text)]
            starts = self._starts = [a for a, _ in runs]
            self._ends = [b for _, b in runs]
        index = bisect_right(starts, offset) - 1
        if index < 0 or offset > self._ends[index]:
            return self.text[offset] in CHINESE_PARTICLES, False
        bounds, phrases = self._run_words(index, starts)
        return offset not in bounds or self.text[offset] in CHINESE_PARTICLES, offset in phrases
