"""Audio extraction against the raw ffmpeg command that does the same, for a long video.

Why: extracting the audio track is the biggest local step of a caption run. ``extract_audio``
adds a plan, an atomic write and a check of ffmpeg's result around one ffmpeg process; that
must cost next to nothing. Target: at most 1.05 x the raw command, for both paths.

What runs: a ``--minutes`` long video (a 160x90 picture at 5 fps and a 48 kHz AAC track, made
once by ffmpeg and cached), then, alternately and ``--runs`` times each, in this process:

- copy: ``extract_audio`` with its own plan (the AAC track stream-copied into .m4a) against
  ``ffmpeg -i IN -map 0:a:0 -vn -sn -dn -c:a copy -f ipod OUT``;
- transcode: ``extract_audio`` with the 16 kHz mono WAV plan against
  ``ffmpeg -i IN -map 0:a:0 -vn -sn -dn -c:a pcm_s16le -ac 1 -ar 16000 -f wav OUT``.

The probe of the input is done once, before timing (both sides need it or not equally).
Prints the median wall time of each side and the median of the pairs' ratios.

Usage::

    .venv/bin/python bench/extract_bench.py --minutes 60 --runs 5
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.media import extract, probe, tools  # noqa: E402

RAW = {
    "copy": ["-c:a", "copy", "-f", "ipod", "out.m4a"],
    "transcode": ["-c:a", "pcm_s16le", "-ac", "1", "-ar", "16000", "-f", "wav", "out.wav"],
}


def make_video(path: Path, minutes: float) -> Path:
    if not path.exists():
        seconds = str(minutes * 60)
        tmp = path.with_suffix(".tmp.mp4")
        subprocess.run([tools.ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=f=300:d={seconds}:sample_rate=48000",
                        "-f", "lavfi", "-i", f"color=c=gray:s=160x90:r=5:d={seconds}", "-shortest", "-c:a", "aac",
                        "-b:a", "128k", "-c:v", "libx264", "-preset", "ultrafast", str(tmp)], check=True)
        tmp.replace(path)
    return path


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "extract-bench")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    video = make_video(args.cache / f"long-{args.minutes:g}min.mp4", args.minutes)
    info = probe.probe(video)
    plans = {"copy": extract.plan_extraction(info),
             "transcode": extract.ExtractionPlan("transcode", "wav", "pcm_s16le", None, "bench")}
    assert plans["copy"].mode == "copy", plans["copy"]
    for name, plan in plans.items():
        ours, raw, ratios = [], [], []
        for n in range(args.runs):
            with tempfile.TemporaryDirectory(dir=args.cache) as work:
                out = RAW[name][:-1] + [str(Path(work) / RAW[name][-1])]
                command = [tools.ffmpeg(), "-nostdin", "-hide_banner", "-v", "error", "-y", "-i", str(video),
                           "-map", "0:a:0", "-vn", "-sn", "-dn", *out]
                sides = [("ours", functools.partial(extract.extract_audio, info, work, plan)),
                         ("raw", functools.partial(subprocess.run, command, check=True))]
                times = dict((side, timed(fn)) for side, fn in (sides if n % 2 == 0 else sides[::-1]))
            ours.append(times["ours"])
            raw.append(times["raw"])
            ratios.append(times["ours"] / times["raw"])
        print(f"{name:9}: extract_audio {statistics.median(ours):.2f} s, raw ffmpeg {statistics.median(raw):.2f} s, "
              f"median ratio {statistics.median(ratios):.3f} ({args.runs} pairs, {args.minutes:g} min video)")


if __name__ == "__main__":
    main()
