"""The sandbox's honest speech: registered text, matched by fingerprint, timed on detected speech."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.media import tools
from pipeline.media.levels import Region
from pipeline.sandbox import speech
from pipeline.sandbox.speech import PLACEHOLDER_TEXT, Token, TranscriptRegistry

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def ffmpeg(*args: str) -> None:
    subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def registry() -> TranscriptRegistry:
    reg = TranscriptRegistry()
    assert reg.register_dir(SAMPLES) == 5  # zh_demo and en_demo, each landscape and vertical; zh_dialogue
    return reg


@pytest.fixture(scope="module")
def zh_analysis() -> speech.AudioAnalysis:
    return speech.analyse(SAMPLES / "zh_demo.mp4")


# --------------------------------------------------------------------------- text


def test_sentences_split_on_lines_and_sentence_punctuation() -> None:
    text = "欢迎使用。这是第二句！\nHello there. Pi is 3.5 today? “对！”然后"
    assert speech.split_sentences(text) == ["欢迎使用。", "这是第二句！", "Hello there.", "Pi is 3.5 today?", "“对！”", "然后"]


def test_punctuation_only_lines_are_not_sentences() -> None:
    assert speech.split_sentences("...\n——\n好") == ["好"]


def test_cjk_tokens_are_characters_and_punctuation_rides_on_the_previous_one() -> None:
    assert speech.tokenize("谢谢观看，再见！") == [
        Token("谢", 1), Token("谢", 1), Token("观", 1), Token("看，", 1), Token("再", 1), Token("见！", 1),
    ]


def test_latin_tokens_are_words_keeping_apostrophes_decimals_and_opening_quotes() -> None:
    tokens = speech.tokenize("“Hello,” it's 3.5 km (well-known).")
    assert [t.text for t in tokens] == ["“Hello,”", "it's", "3.5", "km", "(well-known)."]
    assert [t.weight for t in tokens] == [5, 4, 3, 2, 10]


def test_mixed_script_joins_without_spaces_next_to_cjk() -> None:
    tokens = speech.tokenize("使用API接口，then go.")
    assert speech.join_tokens(t.text for t in tokens) == "使用API接口，then go."


# --------------------------------------------------------------------------- alignment


def assert_well_timed(utterances: list, regions: list[Region], max_gap_ms: int = 300) -> None:
    words = [w for u in utterances for w in u.words]
    for a, b in zip(words, words[1:], strict=False):
        assert a.end_ms <= b.start_ms
    for w in words:
        assert regions[0].start_ms <= w.start_ms <= w.end_ms <= regions[-1].end_ms
        for left, right in zip(regions, regions[1:], strict=False):
            if right.start_ms - left.end_ms > max_gap_ms:
                assert not (w.start_ms < left.end_ms and w.end_ms > right.start_ms), f"{w} spans a silence"
    for u in utterances:
        assert (u.start_ms, u.end_ms) == (u.words[0].start_ms, u.words[-1].end_ms)


def test_sentence_boundaries_land_on_the_long_silences() -> None:
    regions = [Region(1000, 2000), Region(2100, 3000), Region(4000, 5000), Region(5200, 6000)]
    utterances = speech.align("一二三四五六。\n七八九十一二。", regions)
    assert [(u.start_ms, u.end_ms) for u in utterances] == [(1000, 3000), (4000, 6000)]
    assert_well_timed(utterances, regions)


def test_no_word_spans_a_long_silence() -> None:
    regions = [Region(0, 1000), Region(1500, 1600), Region(3000, 4000)]
    utterances = speech.align("alpha beta gamma delta epsilon", regions)
    assert len(utterances) == 1
    assert_well_timed(utterances, regions)


def test_nothing_to_time_gives_no_utterances() -> None:
    assert speech.align("hello", []) == []
    assert speech.align("。。。", [Region(0, 1000)]) == []


region_lists = st.lists(st.tuples(st.integers(100, 3000), st.integers(200, 2000)), min_size=1, max_size=12).map(
    lambda pairs: [Region(s, s + length) for s, length in _cumulative(pairs)]
)


def _cumulative(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, position = [], 0
    for gap, length in pairs:
        position += gap
        out.append((position, length))
        position += length
    return out


texts = st.lists(
    st.text(alphabet=st.sampled_from(list("我们的字幕abc xyz，。!? ")), min_size=1, max_size=40), min_size=1, max_size=6
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(regions=region_lists, text=texts)
def test_alignment_is_ordered_inside_speech_and_never_spans_long_silence(regions: list[Region], text: str) -> None:
    utterances = speech.align(text, regions)
    spoken = [t for s in speech.split_sentences(text) for t in speech.tokenize(s) if t.weight]
    assert sum(len(u.words) for u in utterances) == len(spoken)
    if utterances:
        assert_well_timed(utterances, regions)


# --------------------------------------------------------------------------- samples and fingerprints


def test_zh_sample_yields_its_three_sentences_in_order(registry: TranscriptRegistry,
                                                        zh_analysis: speech.AudioAnalysis) -> None:
    utterances, registered = speech.transcribe(zh_analysis, registry)
    assert registered
    assert [u.text for u in utterances] == (SAMPLES / "zh_demo.txt").read_text(encoding="utf-8").split()
    assert all(len(w.text.rstrip("，。！")) == 1 for u in utterances for w in u.words)
    assert 0 <= utterances[0].start_ms and utterances[-1].end_ms <= zh_analysis.duration_ms
    for a, b in zip(utterances, utterances[1:], strict=False):
        assert a.start_ms < a.end_ms <= b.start_ms < b.end_ms
    assert_well_timed(utterances, list(zh_analysis.regions))


def test_dialogue_sample_carries_the_speaker_of_each_line(registry: TranscriptRegistry) -> None:
    utterances, registered = speech.transcribe(speech.analyse(SAMPLES / "zh_dialogue.mp4"), registry)
    lines = (SAMPLES / "zh_dialogue.txt").read_text(encoding="utf-8").split()
    labels = (SAMPLES / "zh_dialogue.speakers.txt").read_text(encoding="utf-8").split()
    assert registered and [(u.text, u.speaker) for u in utterances] == list(zip(lines, labels, strict=True))


def test_a_sample_without_speakers_has_none(registry: TranscriptRegistry, zh_analysis: speech.AudioAnalysis) -> None:
    utterances, _ = speech.transcribe(zh_analysis, registry)
    assert {u.speaker for u in utterances} == {None}
    assert {u.speaker for u in speech.placeholder(zh_analysis.regions)} == {None}  # nor unregistered sound


@pytest.mark.parametrize("labels", [["1"], ["1", "2", "2"], ["1", "", ""]])
def test_speakers_must_label_the_lines_one_for_one(labels: list[str]) -> None:
    with pytest.raises(ValueError, match="label"):
        TranscriptRegistry().register("clip.mp4", "你好。\n\n再见。", speakers=labels)


def test_a_line_of_two_sentences_gives_both_its_speaker() -> None:
    regions = [Region(0, 800), Region(1200, 2000), Region(2400, 3000)]
    utterances = speech.align("你好。再见。\n好的。", regions, speakers=["A", "B"])
    assert [(u.text, u.speaker) for u in utterances] == [("你好。", "A"), ("再见。", "A"), ("好的。", "B")]


def test_en_sample_words_are_whole_words(registry: TranscriptRegistry) -> None:
    utterances, registered = speech.transcribe(speech.analyse(SAMPLES / "en_demo.mp4"), registry)
    assert registered
    assert [w.text for w in utterances[0].words] == ["Welcome", "to", "the", "subtitle", "pipeline."]
    assert len(utterances) == 3


@pytest.mark.parametrize("suffix,args", [
    (".wav", ["-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le"]),
    (".mp3", ["-vn", "-ac", "1", "-ar", "22050", "-b:a", "48k"]),
    (".m4a", ["-vn", "-c:a", "copy"]),
])
def test_reencoded_copy_still_matches(registry: TranscriptRegistry, zh_analysis: speech.AudioAnalysis,
                                      tmp_path: Path, suffix: str, args: list[str]) -> None:
    copy = tmp_path / f"copy{suffix}"
    ffmpeg("-i", str(SAMPLES / "zh_demo.mp4"), *args, str(copy))
    analysis = speech.analyse(copy)
    assert registry.match(analysis) == (SAMPLES / "zh_demo.txt").read_text(encoding="utf-8")
    utterances, registered = speech.transcribe(analysis, registry)
    assert registered and len(utterances) == 3


@pytest.mark.parametrize(("vertical", "demo"), [("zh_demo.vertical-rotated.mp4", "zh_demo"),
                                                ("en_demo.vertical.mp4", "en_demo")])
def test_vertical_samples_carry_the_demo_sound_itself(registry: TranscriptRegistry, vertical: str, demo: str) -> None:
    analysis = speech.analyse(SAMPLES / vertical)
    assert analysis.levels == speech.analyse(SAMPLES / f"{demo}.mp4").levels  # copied, not re-encoded
    assert registry.match(analysis) == (SAMPLES / f"{demo}.txt").read_text(encoding="utf-8")


def test_unregistered_audio_gets_the_marked_placeholder(registry: TranscriptRegistry, tmp_path: Path) -> None:
    tone = tmp_path / "beeps.wav"
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*440*t)*gt(mod(t\\,1.6)\\,0.8):s=16000:d=4", str(tone))
    analysis = speech.analyse(tone)
    utterances, registered = speech.transcribe(analysis, registry)
    assert not registered
    assert utterances and all(u.text == PLACEHOLDER_TEXT for u in utterances)
    assert [(u.start_ms, u.end_ms) for u in utterances] == [(800, 1600), (2400, 3200)]


def test_same_length_different_sound_does_not_match(registry: TranscriptRegistry, zh_analysis: speech.AudioAnalysis,
                                                    tmp_path: Path) -> None:
    other = tmp_path / "other.wav"
    seconds = zh_analysis.duration_ms / 1000
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc=0.5*sin(2*PI*300*t)*gt(mod(t\\,1.7)\\,0.9):s=16000:d={seconds}", str(other))
    assert registry.match(speech.analyse(other)) is None


def test_envelope_similarity_tolerates_a_small_shift() -> None:
    envelope = [-90.0] * 10 + [-20.0, -25.0, -18.0, -60.0, -22.0] * 6 + [-90.0] * 10
    shifted = [-90.0, -90.0] + envelope[:-2]
    assert speech.envelope_similarity(envelope, shifted) > 0.99
    assert speech.envelope_similarity(envelope, [-30.0] * len(envelope)) == 0.0


def test_registering_again_replaces_the_text(tmp_path: Path) -> None:
    reg = TranscriptRegistry()
    reg.register(tmp_path / "a.wav", "one")
    reg.register(tmp_path / "a.wav", "two")
    assert len(reg) == 1
