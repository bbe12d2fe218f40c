"""Vendor answers into Transcripts: the fast conversion equals the straightforward one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.transcript import Transcript, Utterance, Word, transcript_from_volcengine

# --------------------------------------------------------------------------- the reference


def _ref_int(value: Any) -> int | None:
    try:
        return int(round(float(value)))
    except (TypeError, ValueError):
        return None


def _ref_words(raw_words: Any) -> tuple[Word, ...]:
    words: list[Word] = []
    for raw in raw_words:
        text = str(raw.get("text", "")).strip()
        start, end = _ref_int(raw.get("start_time")), _ref_int(raw.get("end_time"))
        if not text or start is None or end is None or start < 0 or end < 0:
            continue
        words.append(Word(text, start, max(start, end)))
    words.sort(key=lambda w: (w.start_ms, w.end_ms))
    return tuple(words)


def _ref_utterance(raw: Mapping[str, Any]) -> Utterance | None:
    words = _ref_words(raw.get("words") or ())
    text = str(raw.get("text", "")).strip()
    if not text and words:
        text = "".join(w.text for w in words)
    if not text:
        return None
    start, end = _ref_int(raw.get("start_time")), _ref_int(raw.get("end_time"))
    if words:
        start = words[0].start_ms if start is None or start < 0 else min(start, words[0].start_ms)
        end = words[-1].end_ms if end is None or end < 0 else max(end, words[-1].end_ms)
    if start is None or end is None or start < 0 or end < 0:
        return None
    return Utterance(text=text, start_ms=start, end_ms=max(start, end), words=words)


def reference(response: Mapping[str, Any], language: str) -> Transcript:
    """``transcript_from_volcengine`` as it was before the fast path: every field the long way."""
    utterances = [u for u in (_ref_utterance(r) for r in response.get("utterances") or ()) if u]
    utterances.sort(key=lambda u: (u.start_ms, u.end_ms))
    duration = response.get("duration")
    duration_ms = _ref_int(float(duration) * 1000) if isinstance(duration, int | float | str) and duration != "" else None
    return Transcript(tuple(utterances), language=language, duration_ms=duration_ms)


def outcome(convert: Any, response: Any) -> tuple[str, Any]:
    try:
        return "ok", convert(response, "zh-CN")
    except Exception as error:  # the same answers must fail the same way
        return type(error).__name__, str(error)


# --------------------------------------------------------------------------- random answers

BIG = 2**53
times = st.one_of(
    st.integers(-5, 10_000),  # mostly what vendors send (with -1 for spaces)
    st.integers(-5, 10_000),
    st.sampled_from([-1, 0, BIG - 1, BIG, BIG + 1, -BIG - 1, 2**60 + 1, 10**400, True, False]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["12", " 7.5 ", "-1", "", "x", "inf", "nan", "1e3"]),
    st.none(),
)
texts = st.one_of(st.sampled_from(["你", "好", " 世 ", "", " ", "\u3000", "ok", "la,", "-"]), st.integers(0, 9), st.none())


@st.composite
def raw_word(draw: st.DrawFn) -> dict[str, Any]:
    word: dict[str, Any] = {}
    for key, values in (("text", texts), ("start_time", times), ("end_time", times)):
        if draw(st.integers(0, 9)):  # a key is sometimes missing
            word[key] = draw(values)
    return word


@st.composite
def ordered_words(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The usual shape: characters in time order, some touching, some with equal starts."""
    now, words = draw(st.integers(0, 1000)), []
    for text in draw(st.lists(st.sampled_from("你好世界是的"), max_size=12)):
        now += draw(st.sampled_from([0, 0, 5, 300]))
        length = draw(st.sampled_from([0, 120, 200]))
        words.append({"text": text, "start_time": now, "end_time": now + length})
        now += length
    return words


utterance = st.fixed_dictionaries(
    {"text": texts, "start_time": times, "end_time": times},
    optional={"words": st.one_of(st.lists(raw_word(), max_size=6), ordered_words(), st.permutations(["x"]),
                                 st.just([]), st.none())},
)
answers = st.fixed_dictionaries(
    {"code": st.just(0)},
    optional={"utterances": st.lists(utterance, max_size=5), "duration": st.one_of(times, st.just("1.5"))},
)


@settings(max_examples=400, deadline=None)
@given(answers)
def test_conversion_equals_the_reference_on_random_answers(response: dict[str, Any]) -> None:
    assert outcome(transcript_from_volcengine, response) == outcome(reference, response)


@settings(max_examples=100, deadline=None)
@given(st.lists(ordered_words(), max_size=4), st.randoms(use_true_random=False))
def test_words_out_of_order_are_sorted_like_the_reference(lists: list[list[dict[str, Any]]], rng: Any) -> None:
    for words in lists:
        rng.shuffle(words)
    response = {"utterances": [{"text": "好", "start_time": 0, "end_time": 1, "words": w} for w in lists]}
    assert outcome(transcript_from_volcengine, response) == outcome(reference, response)



# --------------------------------------------------------------------------- speakers


def caption_answer(*utterances: dict[str, Any]) -> dict[str, Any]:
    return {"code": 0, "message": "Success", "duration": 3.0, "utterances": list(utterances)}


def test_the_speaker_comes_from_the_utterances_attribute() -> None:
    """``with_speaker_info=True``: ``"attribute": {"speaker": "1"}`` on utterances and words."""
    answer = caption_answer(
        {"text": "你好", "start_time": 0, "end_time": 400, "attribute": {"speaker": "1"},
         "words": [{"text": "你", "start_time": 0, "end_time": 200, "attribute": {"speaker": "1"}},
                   {"text": "好", "start_time": 200, "end_time": 400, "attribute": {"speaker": "1"}}]},
        {"text": "再见", "start_time": 600, "end_time": 1000, "attribute": {"speaker": 2, "event": "speech"},
         "words": [{"text": "再见", "start_time": 600, "end_time": 1000}]},
    )
    t = transcript_from_volcengine(answer, "zh-CN")
    assert [u.speaker for u in t.utterances] == ["1", "2"]  # an int label too, as a string
    assert t.to_dict()["utterances"][0]["speaker"] == "1"


def test_a_words_speaker_stands_in_when_the_utterance_has_none() -> None:
    answer = caption_answer({"text": "你好", "start_time": 0, "end_time": 400,
                             "words": [{"text": "你好", "start_time": 0, "end_time": 400, "attribute": {"speaker": "3"}}]})
    assert transcript_from_volcengine(answer, "zh-CN").utterances[0].speaker == "3"


def test_without_speaker_info_the_speaker_is_unknown() -> None:
    answer = caption_answer(
        {"text": "你好", "start_time": 0, "end_time": 400, "words": []},
        {"text": "", "start_time": 400, "end_time": 900, "attribute": {"event": "silent"}, "words": []},
        {"text": "再见", "start_time": 900, "end_time": 1200, "attribute": {"speaker": " "}, "words": []},
    )
    assert [u.speaker for u in transcript_from_volcengine(answer, "zh-CN").utterances] == [None, None]
