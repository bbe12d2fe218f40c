"""CPU seconds per item of the local preparation: probing the extracted audio again, or not.

Why: every batch item is probed, its audio extracted, then checked against the vendor limits.
The check used to run a second ffprobe on the extracted file; ``extract.extracted_info`` now
derives what that probe would say from the source's probe and the extraction plan. On 2 cores
a batch's local steps compete with each other, so CPU time per item is what matters.

What runs: ``--clips`` short clips (WAV tones from ``batch_bench.make_clips``, and the same
number of MP4s with AAC audio made by ffmpeg), prepared with both variants alternately, clip by
clip (the machine's speed drifts); CPU = this process's user+system time plus its children's
(ffprobe, ffmpeg). Prints the CPU seconds per item of each variant and their ratio.

Usage::

    .venv/bin/python bench/probe_once_bench.py --clips 50
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from batch_bench import make_clips  # noqa: E402

from pipeline.media import checks, extract, probe, tools  # noqa: E402


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def probing_twice(media: Path, work: Path) -> None:
    info = probe.probe(media)
    audio = extract.extract_audio(info, work)
    checks.check_for_vendor(probe.probe(audio.path), source=str(media))


def probing_once(media: Path, work: Path) -> None:
    info = probe.probe(media)
    audio = extract.extract_audio(info, work)
    checks.check_for_vendor(extract.extracted_info(info, audio), source=str(media))


def make_videos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    videos = []
    for i in range(count):
        path = folder / f"clip-{i:03d}.mp4"
        if not path.exists():
            subprocess.run([tools.ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=f={300 + 7 * i}:d=3",
                            "-f", "lavfi", "-i", "color=c=gray:s=320x180:d=3", "-shortest", "-c:a", "aac",
                            "-c:v", "libx264", "-preset", "ultrafast", str(path)], check=True)
        videos.append(path)
    return videos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=50)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "probe-once-bench")
    args = parser.parse_args()
    media = make_clips(args.cache / "wav", args.clips, 2.0) + make_videos(args.cache / "mp4", args.clips)
    variants: dict[str, Callable[[Path, Path], None]] = {"probing twice": probing_twice, "probing once": probing_once}
    spent = dict.fromkeys(variants, 0.0)
    for n, item in enumerate(media):
        order = list(variants.items()) if n % 2 == 0 else list(reversed(variants.items()))
        for name, prepare in order:
            work = Path(tempfile.mkdtemp(dir=args.cache))
            began = cpu_seconds()
            prepare(item, work)
            spent[name] += cpu_seconds() - began
            shutil.rmtree(work)
    for name, seconds in spent.items():
        print(f"{name}: {seconds / len(media) * 1000:.1f} ms CPU per item ({len(media)} items)")
    print(f"ratio once/twice: {spent['probing once'] / spent['probing twice']:.3f}")


if __name__ == "__main__":
    main()
