"""Line width as a measure (pipeline.subtitles.measure): another measure changes widths, not the rules."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.subtitles import CHARACTERS, CueRules, build_cues, recipe_for, rules_for, wrap_text
from pipeline.transcript import Transcript, Utterance, Word


@dataclass(frozen=True)
class FakePixels:
    """A stand-in for a font: full-width characters 20 px, others 11 px, a space 6 px; lines of ``px``."""

    px: float
    space_width: float = 6.0

    def widths(self, texts: Sequence[str]) -> list[float]:
        return [sum(20.0 if unicodedata.east_asian_width(c) in "WF" else 11.0 for c in t) for t in texts]

    def line_limit(self, rules: CueRules) -> float:
        return self.px

    def width(self, line: str) -> float:
        words = line.split(" ")
        return sum(self.widths(words)) + self.space_width * (len(words) - 1)


def chars_utterance(text: str, start: int, per_char_ms: int = 220) -> Utterance:
    """As Chinese vendors answer: one word per character, punctuation only in the text."""
    spoken = [ch for ch in text if ch not in "，。"]
    words = [Word(ch, start + i * per_char_ms, start + (i + 1) * per_char_ms) for i, ch in enumerate(spoken)]
    return Utterance(text, start, words[-1].end_ms, tuple(words))


def test_characters_measure_counts_columns_as_players_draw_them() -> None:
    # Half-width columns: a full-width character (Han, an emoji cluster) is 2, a Latin letter 1.
    assert CHARACTERS.widths(["你好", "iPhone", "👍🏻", "🇨🇳", "👨\u200d👩\u200d👧", "１２"]) == [4, 6, 2, 2, 2, 4]
    # A CJK limit is in full-width characters, so twice as many columns; others in half-width ones.
    assert CHARACTERS.line_limit(rules_for("zh-CN")) == 32 and CHARACTERS.line_limit(rules_for("ja")) == 26
    assert CHARACTERS.line_limit(rules_for("en")) == 42 and CHARACTERS.space_width == 1


def test_a_pixel_measure_wraps_within_its_pixels() -> None:
    measure = FakePixels(px=200.0)  # ten Chinese characters, eighteen Latin letters
    text = "今天天气很好我们一起去公园散步吧然后去看电影"
    lines = wrap_text(text, rules_for("zh-CN"), measure)
    assert len(lines) == 3 and "".join(lines) == text
    assert all(measure.width(line) <= 200.0 for line in lines)
    assert wrap_text(text, rules_for("zh-CN")) != lines  # 16 characters a line under the default measure


def test_cues_built_with_a_pixel_measure_fit_its_lines_and_keep_the_text() -> None:
    measure = FakePixels(px=230.0)
    text = "今天天气很好，我们一起去公园散步吧。然后去看电影，晚上再回家吃饭。"
    transcript = Transcript((chars_utterance(text, 0),), language="zh-CN")
    rules = rules_for("zh-CN")
    cues = build_cues(transcript, rules, measure=measure)
    assert "".join("".join(c.lines) for c in cues) == text
    assert all(measure.width(line) <= 230.0 for c in cues for line in c.lines)
    assert all(len(c.lines) <= rules.max_lines for c in cues)


def test_the_recipe_records_the_measures_line_width() -> None:
    widths = {step["args"].get("max_line_width") for step in recipe_for(rules_for("zh-CN"), measure=FakePixels(px=640.0))}
    assert widths == {None, 640.0}
    assert {step["args"].get("max_line_width") for step in recipe_for(rules_for("zh-CN"))} == {None, 32}  # columns
