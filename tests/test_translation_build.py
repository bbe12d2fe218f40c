"""A translation laid over a timed source: cues within their source span, nothing lost or reordered."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.subtitles.rules import rules_for
from pipeline.transcript import Transcript, Utterance, Word
from pipeline.translation.build import translate
from pipeline.translation.timing import source_sentences


def zh_transcript(sentences: list[str], gap_ms: int = 400, char_ms: int = 220) -> Transcript:
    """One utterance per sentence, one word per character (marks ride on the character before)."""
    utterances, t = [], 500
    for sentence in sentences:
        words: list[Word] = []
        for ch in sentence:
            if words and not ch.isalnum():
                last = words[-1]
                words[-1] = Word(last.text + ch, last.start_ms, last.end_ms)
                continue
            words.append(Word(ch, t, t + char_ms - 20))
            t += char_ms
        utterances.append(Utterance(sentence, words[0].start_ms, words[-1].end_ms, tuple(words)))
        t += gap_ms
    return Transcript(tuple(utterances), language="zh-CN")


def bare(text: str) -> str:
    return "".join(text.split())


ZH = ["欢迎使用字幕流水线。", "这是一段中文示例，用来测试字幕的生成和时间轴。", "谢谢观看，再见！"]
EN = "Welcome to the subtitle pipeline. This is a Chinese sample, used to test subtitle generation and the timeline. " \
     "Thank you for watching. Goodbye!"


def test_the_sample_aligns_one_to_one_and_one_to_two() -> None:
    done = translate(zh_transcript(ZH), EN, "en", rules_for("zh-CN"), rules_for("en"))
    assert [p.kind for p in done.pairs] == ["1:1", "1:1", "1:2"]
    assert done.warnings == []
    assert bare("".join(c.text for c in done.cues)) == bare(EN)
    # each bilingual cue: the source cue's lines on top, its share of the translation below
    assert bare("".join("".join(c.source) for c in done.bilingual)) == bare("".join(ZH))
    assert bare("".join("".join(c.target) for c in done.bilingual)) == bare(EN)
    assert all(len(c.target) <= 2 and len(c.source) <= 2 for c in done.bilingual)


def test_source_sentences_go_on_across_an_utterance_ending_on_a_comma() -> None:
    source = zh_transcript(["我们今天，", "去公园。", "好"])
    assert [s.text for s in source_sentences(source)] == ["我们今天，去公园。", "好"]


def test_a_missing_translation_is_flagged_and_both_texts_are_kept() -> None:
    source = ["欢迎大家来到今天的节目。", "这是一段很长很长的中文句子，后面没有翻译，还要再长一些才行，真的很长。", "再见！"]
    english = "Welcome, everyone, to today's show. Goodbye!"
    done = translate(zh_transcript(source), english, "en", rules_for("zh-CN"), rules_for("en"))
    assert sorted(p.kind for p in done.pairs) == ["1:1", "2:1"]
    assert len(done.warnings) == 1 and "(2:1" in done.warnings[0] and "length ratio" in done.warnings[0]
    assert bare("".join(c.text for c in done.cues)) == bare(english)
    assert bare("".join("".join(c.source) for c in done.bilingual)) == bare("".join(source))
    assert "Pairs that look wrong" in done.markdown()


SENTENCE = st.text(st.sampled_from(list("我们的字幕测试时间好了吗")), min_size=1, max_size=30).map(
    lambda s: s + "。")
WORD = st.sampled_from(["the", "subtitle", "pipeline", "is", "timing", "words", "a", "test", "of"])
TRANSLATION = st.lists(st.lists(WORD, min_size=1, max_size=25).map(lambda ws: " ".join(ws).capitalize() + "."),
                       min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(SENTENCE, min_size=1, max_size=10), TRANSLATION, st.integers(50, 1500))
@example(["了。"], ["The " * 20 + "the.", "The " * 11 + "the.", "The.", "The.", "The " * 5 + "the."], 50)  # squeezed
def test_every_character_once_in_order_and_cues_inside_their_source_span(source: list[str], target: list[str],
                                                                        gap_ms: int) -> None:
    transcript = zh_transcript(source, gap_ms=gap_ms)
    text = " ".join(target)
    done = translate(transcript, text, "en", rules_for("zh-CN"), rules_for("en"))
    # both texts whole, in order, in the aligned pairs
    assert bare("".join(p.source for p in done.pairs)) == bare("".join(source))
    assert bare("".join(p.target for p in done.pairs)) == bare(text)
    # ... in the translation's cues and in the bilingual cues
    assert bare("".join(c.text for c in done.cues)) == bare(text)
    assert bare("".join("".join(c.target) for c in done.bilingual)) == bare(text)
    assert bare("".join("".join(c.source) for c in done.bilingual)) == bare("".join(source))
    # translated cues never overlap, and each lies within the span of the source it renders
    spans = [(g.start_ms, g.end_ms) for g in done.groups if g.tgt_start < g.tgt_end]
    for cue, nxt in zip(done.cues, done.cues[1:], strict=False):
        assert cue.end_ms <= nxt.start_ms
    for cue in done.cues:
        assert cue.start_ms < cue.end_ms
        rendered = [s for s in spans if any(s[0] <= w.start_ms and w.end_ms <= s[1] for w in cue.words)]
        assert rendered and rendered[0][0] <= cue.start_ms and cue.end_ms <= rendered[-1][1]
    for cue, nxt in zip(done.bilingual, done.bilingual[1:], strict=False):
        assert cue.end_ms <= nxt.start_ms
