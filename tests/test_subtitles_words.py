"""Chinese word boundaries (pipeline.subtitles.words), checked against jieba itself."""

from __future__ import annotations

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles.words import CHINESE_PARTICLES, JiebaWords, han_block_words

# Common words and single characters, so the blocks hold dictionary words, unknown runs
# (which go to jieba's HMM) and particles.
PIECES = ["我们", "今天", "需要", "举报", "挂断", "但是", "的话", "公园", "散步", "视频", "字幕", "北京",
          "的", "了", "吗", "在", "是", "一", "龘", "靐", "犇", "鱻", "iPhone", "15", "4K"]  # fmt: skip
blocks = st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join)


@settings(max_examples=200, deadline=None)
@given(block=blocks)
def test_han_block_words_are_jiebas_words(block: str) -> None:
    assert han_block_words(block) == list(jieba.cut(block))


@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.one_of(blocks, st.sampled_from(["，", "。", " ", "！", "……"])), min_size=1, max_size=8))
def test_flags_are_jiebas_boundaries_of_the_whole_text(parts: list[str]) -> None:
    text = "".join(parts)
    bounds, offset = {0, len(text)}, 0
    for word in jieba.cut(text):
        offset += len(word)
        bounds.add(offset)
    words = JiebaWords(text)
    for k in range(1, len(text)):
        glued, _ = words.flags_at(k)
        assert glued == (k not in bounds or text[k] in CHINESE_PARTICLES)


def test_phrase_boundaries_before_conjunctions_and_after_clause_final_words() -> None:
    text = "如果您没有其他需要举报的话这边就先挂断了但是请稍等"
    words = JiebaWords(text)
    assert words.flags_at(text.index("这边")) == (False, True)  # after 的话
    assert words.flags_at(text.index("但是")) == (False, True)  # before 但是
    assert words.flags_at(text.index("报")) == (True, False)  # inside 举报
    assert words.flags_at(text.index("了"))[0]  # a particle never starts a line
