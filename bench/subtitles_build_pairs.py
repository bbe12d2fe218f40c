"""Paired timing of ``build_cues`` alone on two checkouts: is this change slower?

Why: on a shared 2-core machine a run drifts by 10 % or more within a minute, so comparing two
separate bench invocations says little. Here every pair is two fresh child processes, one per
checkout, one after the other; each builds the cues of the seeded 10-hour transcript of
``subtitles_bench.py`` three times (``BUILD_REPEATS``; after a short warm-up, jieba loaded) and keeps its fastest.
The median of the pairs' ratios is the number to read.

Run::

    mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before
    mkdir /tmp/after && git archive HEAD | tar -x -C /tmp/after
    .venv/bin/python bench/subtitles_build_pairs.py /tmp/before /tmp/after --language zh-CN --pairs 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

CHILD = r"""
import gc, logging, os, sys, time
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + "/bench")
import jieba
jieba.setLogLevel(logging.WARNING); jieba.initialize()
import subtitles_bench as bench
from pipeline.subtitles import build_cues, rules_for
rules = rules_for(sys.argv[2])
data = bench.synthesize(sys.argv[2], float(sys.argv[3]))
build_cues(bench.synthesize(sys.argv[2], 0.2).transcript, rules)
times = []
for _ in range(int(os.environ.get("BUILD_REPEATS", "3"))):
    gc.collect()
    t = time.perf_counter()
    cues = build_cues(data.transcript, rules)
    times.append(time.perf_counter() - t)
print(min(times), len(cues))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--language", default="zh-CN")
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--hours", type=float, default=10.0)
    args = parser.parse_args()
    seconds: dict[str, list[float]] = {"before": [], "after": []}
    for pair in range(args.pairs):
        for side in ("before", "after"):
            code = getattr(args, side)
            done = subprocess.run([sys.executable, "-c", CHILD, code, args.language, str(args.hours)],
                                  capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": code})
            best, cues = done.stdout.split()
            seconds[side].append(float(best))
            print(f"{pair + 1} {side:6} {float(best):.3f} s, {cues} cues", flush=True)
    ratios = [a / b for a, b in zip(seconds["after"], seconds["before"], strict=True)]
    print(f"{args.language}: before median {statistics.median(seconds['before']):.3f} s, after median "
          f"{statistics.median(seconds['after']):.3f} s; after / before, median of the pairs: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
