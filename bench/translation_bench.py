"""Benchmark: align and write a 10-hour Chinese transcript with its English translation.

Why: a translation run aligns every sentence of both texts and cuts two more sets of cues
(the translation alone and the bilingual ones) on top of the source's; on a 10-hour recording
that must stay a small part of a run, not minutes of a flow that already waited for the vendor.

Input (seeded): a Volcengine-shaped Chinese transcript at about 4 characters per second, one
word per character with its mark, utterances of one to three sentences with pauses between;
and an "English translation" with about three characters per Chinese one (words drawn from a
small vocabulary), in which about 5 % of sentences are split in two, 5 % of neighbouring pairs
merged into one, and 0.5 % left out, so the aligner meets every bead kind. Timed, per run:
``translate`` (sentences, Gale–Church, timing, translated cues, source cues, bilingual cues)
and ``write_files`` (``.en.srt/.vtt/.ass/.json``, ``.bilingual.srt/.vtt/.ass``, the report).

Run::

    .venv/bin/python bench/translation_bench.py [--hours 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.subtitles import rules_for  # noqa: E402
from pipeline.transcript import Transcript, Utterance, Word  # noqa: E402
from pipeline.translation.build import translate, write_files  # noqa: E402

ZH_CHARS = "我们今天这个问题已经可以因为所以但是如果时候大家自己工作生活时间视频字幕朋友城市公司学校老师学生喜欢知道"
EN_WORDS = ("the subtitle pipeline time video friend city company school teacher student know like work life "
            "today question because so but if when everyone self").split()


def synthetic(hours: float, seed: int = 7) -> tuple[Transcript, str, dict[str, int]]:
    """A timed Chinese transcript of ``hours`` and a translation with splits, merges and gaps."""
    rng = random.Random(seed)
    utterances: list[Utterance] = []
    sentences: list[str] = []
    t, end_ms = 500, int(hours * 3_600_000)
    while t < end_ms:
        words: list[Word] = []
        texts = []
        for _ in range(rng.randint(1, 3)):
            length = rng.randint(6, 28)
            chars = [rng.choice(ZH_CHARS) for _ in range(length)]
            comma = rng.randint(3, length - 2) if length > 8 and rng.random() < 0.5 else -1
            for k, ch in enumerate(chars):
                mark = "，" if k == comma else ("。" if k == length - 1 else "")
                words.append(Word(ch + mark, t, t + 200))
                t += 250 + (250 if mark == "，" else 0)
            texts.append("".join(w.text for w in words[-length:]))
            sentences.append(texts[-1])
            t += rng.randint(300, 900)
        utterances.append(Utterance("".join(texts), words[0].start_ms, words[-1].end_ms, tuple(words)))
        t += rng.randint(400, 1500)
    english: list[str] = []
    kinds = {"split": 0, "merge": 0, "missing": 0}
    k = 0
    while k < len(sentences):
        roll = rng.random()
        def render(chars: int) -> str:
            words = []
            while sum(len(w) + 1 for w in words) < chars * 3:
                words.append(rng.choice(EN_WORDS))
            return " ".join(words).capitalize() + "."
        length = len(sentences[k])
        if roll < 0.005:
            kinds["missing"] += 1
        elif roll < 0.055:
            english += [render(length // 2), render(length - length // 2)]
            kinds["split"] += 1
        elif roll < 0.105 and k + 1 < len(sentences):
            english.append(render(length + len(sentences[k + 1])))
            kinds["merge"] += 1
            k += 1
        else:
            english.append(render(length))
        k += 1
    return Transcript(tuple(utterances), language="zh-CN", duration_ms=t), " ".join(english), kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source, english, made = synthetic(args.hours)
    words = sum(len(u.words) for u in source.utterances)
    print(f"{args.hours:g} h: {len(source.utterances)} utterances, {words} words; translation {len(english)} chars "
          f"(made: {made})")
    zh, en = rules_for("zh-CN"), rules_for("en")
    translate(source, english[:2000], "en", zh, en)  # warm-up: jieba's dictionary, imports
    best_translate = best_write = float("inf")
    for run in range(args.runs):
        start = time.perf_counter()
        done = translate(source, english, "en", zh, en)
        middle = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            write_files(done, out, "bench", ["srt", "vtt", "ass", "json"])
            size = sum(f.stat().st_size for f in Path(out).iterdir())
        end = time.perf_counter()
        best_translate, best_write = min(best_translate, middle - start), min(best_write, end - middle)
        kinds: dict[str, int] = {}
        for bead in done.beads:
            kinds[bead.kind] = kinds.get(bead.kind, 0) + 1
        print(f"run {run + 1}: translate {middle - start:.2f} s, write {end - middle:.2f} s "
              f"({size / 1e6:.1f} MB); {len(done.sources)} source / {len(done.targets)} translated sentences, "
              f"beads {dict(sorted(kinds.items()))}, {len(done.warnings)} flagged; {len(done.cues)} en cues, "
              f"{len(done.bilingual)} bilingual")
    print(f"best: translate {best_translate:.2f} s + write {best_write:.2f} s = {best_translate + best_write:.2f} s "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
