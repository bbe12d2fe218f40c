"""Transcripts from the real world (issue 11, "Transcripts -> cues"): full-width numbers, grapheme
clusters, links, numbers with units, Latin runs in Chinese, widths as players draw them,
text without spaces, cuts across utterances, and Japanese."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.subtitles import build_cues, rules_for, wrap_text
from pipeline.subtitles.japanese import japanese_flags
from pipeline.subtitles.text import NO_LINE_END, line_width
from pipeline.subtitles.tokens import tokenize
from pipeline.transcript import Transcript, Utterance, Word

ZH = rules_for("zh-CN")
JA = rules_for("ja-JP")


def chars_utterance(text: str, start: int, per_char_ms: int = 200) -> Utterance:
    """As Chinese vendors answer: one word per character, punctuation only in the text."""
    words, t = [], start
    for ch in text:
        if ch.isalnum():
            words.append(Word(ch, t, t + per_char_ms))
            t += per_char_ms
    return Utterance(text, start, t, tuple(words))


def clusters(text: str) -> list[str]:
    return regex.findall(r"\X", text)


def no_cluster_split(pieces: list[str]) -> bool:
    """Cutting the text into ``pieces`` (lines, or cues) cut no grapheme cluster: each piece's
    clusters, end to end, are the clusters of the whole."""
    flat = [p.replace(" ", "").replace("\n", "") for p in pieces]
    return [c for p in flat for c in clusters(p)] == clusters("".join(flat))


# --------------------------------------------------------------------------- full-width numbers


def test_a_full_width_decimal_point_is_not_a_sentence_end() -> None:
    text = "营收是１．５亿元，比去年增长了很多。"
    cues = build_cues(Transcript((chars_utterance(text, 0),), language="zh-CN"))
    assert not any(c.text.endswith("１．") for c in cues)  # before: a cue '营收是１．'
    assert any("１．５亿元" in line for c in cues for line in c.lines)


def test_a_full_width_digit_run_is_never_split_across_lines() -> None:
    lines = wrap_text("编号是１２３４５６７８元的那个东西在这里", ZH)
    assert any("１２３４５６７８元" in line for line in lines), lines  # before: '１２３４５６' / '７８元…'
    assert [t.text for t in tokenize("１２３４５６７８")] == ["１２３４５６７８"]


# --------------------------------------------------------------------------- grapheme clusters


def test_a_skin_tone_stays_with_its_emoji() -> None:
    lines = wrap_text("你好👍🏻世界好的", rules_for("zh-CN", max_chars_per_line=3))
    assert not any(line.startswith("🏻") for line in lines) and no_cluster_split(list(lines))  # before: '你好👍' / '🏻世界'
    lines = wrap_text("Great job 👍🏻 see you tomorrow at the office ok", rules_for("en", max_chars_per_line=10))
    assert not any(line.startswith("🏻") for line in lines) and no_cluster_split(list(lines))


def test_a_flag_pair_is_never_split() -> None:
    lines = wrap_text("flags 🇨🇳🇺🇸 here", rules_for("en", max_chars_per_line=7))
    assert no_cluster_split(list(lines)) and all(len(regex.findall(r"\p{Regional_Indicator}", x)) % 2 == 0 for x in lines)


def test_a_family_is_never_cut_at_its_joiners() -> None:
    lines = wrap_text("family 👨\u200d👩\u200d👧 here", rules_for("en", max_chars_per_line=8))
    assert any("👨\u200d👩\u200d👧" in line for line in lines), lines
    assert [t.text for t in tokenize("你好👍🏻世界")] == ["你", "好", "👍🏻", "世", "界"]


PIECES = ["你", "好", "世", "界", "我们", "hello", "world", "👍🏻", "👍🏿", "🇨🇳", "🇺🇸", "👨\u200d👩\u200d👧",
          "e\u0301", "❤\ufe0f", "1\ufe0f\u20e3", "，", "。", " ", "ok"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), min_size=1, max_size=40), width=st.integers(3, 20),
       chinese=st.booleans(), max_lines=st.integers(1, 3))
def test_no_grapheme_cluster_is_ever_split_across_lines_or_cues(
    parts: list[str], width: int, chinese: bool, max_lines: int
) -> None:
    text = "".join(parts).strip() or "好"
    rules = rules_for("zh-CN" if chinese else "en", max_chars_per_line=width, max_lines=max_lines)
    assert no_cluster_split(list(wrap_text(text, rules)))
    cues = build_cues(Transcript((Utterance(text, 0, 400 * len(parts)),), language=rules.language), rules)
    assert no_cluster_split([c.text for c in cues])
    assert all(no_cluster_split(list(c.lines)) for c in cues)


# --------------------------------------------------------------------------- links, handles, tags


def test_a_link_that_fits_a_line_is_never_cut() -> None:
    lines = wrap_text("see https://example.com/a?b=c now", rules_for("en", max_chars_per_line=25))
    assert "https://example.com/a?b=c" in lines  # before: 'see https:' / '//example.com/a?b=c now'
    assert any("https://example.com/a" in line for line in wrap_text("请访问https://example.com/a了解更多", ZH))


def test_a_link_longer_than_a_line_breaks_only_at_url_safe_points() -> None:
    url = "https://example.com/a/very/long/path/to/some/page?id=12345&x=2"
    lines = wrap_text(f"visit {url} now", rules_for("en", max_chars_per_line=20, max_lines=3))
    assert all(len(line) <= 20 for line in lines), lines  # before: a 41-character line
    inside = [line for line in lines if line.replace(" now", "") in url and line != url]
    assert inside and all(line[-1] in "/.?&=-" for line in lines if line in url and not url.endswith(line))
    assert "".join(lines).replace("visit", "").replace("now", "").strip() == url


def test_a_link_is_never_cut_across_cues_where_it_fits_one() -> None:
    text = "请大家在会议之前阅读https://example.com/news/launch这篇公告然后再讨论"
    for lines in (1, 2):
        cues = build_cues(Transcript((Utterance(text, 0, 9000),), language="zh-CN"), rules_for("zh-CN", max_lines=lines))
        # before: a cue ending '阅读https://', the next starting 'example.com/…'
        assert any("https://example.com/news/launch" in c.text.replace("\n", "") for c in cues), [c.lines for c in cues]
    words = "Please read the whole announcement at https://example.com/news/2026/launch-event before the meeting".split()
    us = tuple(Word(w, i * 300, i * 300 + 250) for i, w in enumerate(words))
    cues = build_cues(Transcript((Utterance(" ".join(words), 0, us[-1].end_ms, us),), language="en"),
                      rules_for("en", max_lines=1))
    assert any("https://example.com/news/2026/launch-event" in c.text for c in cues), [c.lines for c in cues]


def test_handles_and_hashtags_are_single_tokens() -> None:
    en = rules_for("en", max_chars_per_line=20)
    assert "@some_handle_name" in wrap_text("follow @some_handle_name now", en)  # before: 'follow @'
    assert "#summer_vibes2024" in wrap_text("love it #summer_vibes2024 yes", en)  # before: 'love it #'
    assert "#话题标签#" in [t.text for t in tokenize("关注#话题标签#吧")]
    assert "foo.bar@example.com" in [t.text for t in tokenize("写信给foo.bar@example.com或者")]


# --------------------------------------------------------------------------- numbers, names, widths


def test_a_number_stays_with_its_unit() -> None:
    for text, kept in [("这款手机现在的价格是9699元非常划算哦", "9699元"), ("我们这次一共卖出了1234567台新手机", "1234567台")]:
        rules = rules_for("zh-CN", max_chars_per_line=8, max_lines=1)
        lines = wrap_text(text, rules)
        assert any(kept in line for line in lines), lines  # before: '价格是9699' / '元非常划算哦'
        cues = build_cues(Transcript((chars_utterance(text, 0),), language="zh-CN"), rules)
        assert any(kept in c.text for c in cues), [c.text for c in cues]
    lines = wrap_text("The box weighs about 5 kg when it is full of books", rules_for("en", max_chars_per_line=22))
    assert any("5 kg" in line for line in lines), lines


def test_a_latin_product_name_in_chinese_stays_together_where_it_fits() -> None:
    lines = wrap_text("我今天买了一台iPhone 15 Pro Max手机非常好用呀", ZH)
    assert any("iPhone 15 Pro Max" in line for line in lines), lines  # before: 'iPhone 15' / 'Pro Max'


def test_latin_letters_and_digits_count_half_in_chinese_lines() -> None:
    text = "我们用iPhone 15 Pro拍了一段视频"  # 21 characters, 15.5 as players draw them
    assert line_width(text, cjk=True) == 15.5 and line_width("你好", cjk=True) == 2 and line_width("ab") == 2
    assert wrap_text(text, ZH) == (text,)  # before: two lines


def test_cue_cuts_obey_word_boundaries_across_utterances() -> None:
    a = chars_utterance("我们需要把人声从背景音乐里面完整地分离出", 0)  # the vendor cut inside 出来
    b = chars_utterance("来然后再检查一遍有没有错别字。", a.end_ms + 100)
    cues = build_cues(Transcript((a, b), language="zh-CN"))
    assert not any(c.text.endswith("分离出") for c in cues), [c.lines for c in cues]
    a = chars_utterance("我们写完以后还要再检查一遍有", 0)  # inside 有没有
    b = chars_utterance("没有错别字然后再发给大家看看。", a.end_ms + 100)
    cues = build_cues(Transcript((a, b), language="zh-CN"))
    assert not any(c.text.replace("\n", "").endswith("检查一遍有") for c in cues), [c.lines for c in cues]


# --------------------------------------------------------------------------- text without spaces


def test_words_boundaries_win_over_a_text_without_spaces() -> None:
    spoken = "Yes but then we went to the store and bought some milk and bread for the whole family".split()
    words = tuple(Word(w, i * 300, i * 300 + 250) for i, w in enumerate(spoken))
    cues = build_cues(Transcript((Utterance("".join(spoken) + "…", 0, words[-1].end_ms, words),), language="en"))
    assert all(len(line) <= 42 for c in cues for line in c.lines)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == " ".join(spoken) + "…"


def test_contractions_split_in_the_words_stay_whole_in_the_text() -> None:
    words = tuple(Word(w, i * 300, i * 300 + 250) for i, w in enumerate(["I", "do", "n't", "know", "it"]))
    cues = build_cues(Transcript((Utterance("I don't knowit", 0, 1450, words),), language="en"))
    assert cues[0].text == "I don't know it"


# --------------------------------------------------------------------------- Japanese


def test_japanese_lines_are_13_full_width_characters() -> None:
    assert JA.max_chars_per_line == 13
    lines = wrap_text("今日はとてもいい天気ですね散歩に行きましょうか", JA)
    assert len(lines) == 2 and all(line_width(line, cjk=True) <= 13 for line in lines)  # before: one line of 23


def test_japanese_never_breaks_before_small_kana_prolonged_marks_or_closing_marks() -> None:
    text = "「コーヒー」とケーキをください、ちょっと待ってね。（笑）ジュースもお願いしますよ"
    for width in range(4, 14):
        lines = wrap_text(text, rules_for("ja", max_chars_per_line=width, max_lines=3))
        assert "".join(lines) == text
        for line in lines[1:]:
            assert line[0] not in "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶー、。，．）」』】〕〉》", lines
        assert not any(line[-1] in NO_LINE_END for line in lines), lines
    lines = wrap_text("这是真的です．次に行きましょう．はい", rules_for("ja", max_chars_per_line=6, max_lines=3))
    assert not any(line.startswith("．") for line in lines), lines  # before: '．次に行きま'


def test_japanese_prefers_breaks_where_a_new_word_starts() -> None:
    glued, phrase = japanese_flags(["今", "日", "は", "テ", "レ", "ビ", "を", "見", "る"], [False] * 9)
    assert glued == [False, False, True, False, True, True, True, False, True]  # 日|は, テ|レ, ビ|を, 見|る
    assert phrase[3] and phrase[7]  # は|テ, を|見
    lines = wrap_text("今日は新しいテレビを買いに行きました", rules_for("ja", max_chars_per_line=10))
    assert lines[0][-1] in "はをにでがも" or lines[1][0] not in "はをにでがも", lines
