"""Benchmark: ``burn`` against the raw ffmpeg command with the same filter graph, on a 60 s 1080x1920 clip.

Why: burn-in is the editors' end product and its cost is ffmpeg's encode. Everything we add
around it (probing, choosing and checking the font, fitting every cue in pixels, writing the
burn-ready ASS, reading ffmpeg's progress) must stay a small share: the target is a ratio of
at most 1.05 against running the very same ffmpeg command line by hand.

Both sides burn the same clip with the same ASS (the plan's, written once for the raw side)
and the same encoder settings; runs alternate (raw, ours, raw, ours ...) so drift of the
machine hits both alike, and the median of each side is compared.

Run::

    .venv/bin/python bench/burn_bench.py [--seconds 60] [--runs 3] [--preset veryfast]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.media import tools  # noqa: E402
from pipeline.media.burn import burn, burn_command  # noqa: E402
from pipeline.media.burn_plan import plan_burn  # noqa: E402

LINES = ["今天我们来聊一聊人工智能的未来发展", "iPhone 15 Pro Max 售价 7999 元起，比上一代贵了 1000 元",
         "以及它对普通人的生活会有什么影响呢", "Subtitles that fit the frame, every time"]


def make_clip(folder: Path, seconds: int) -> Path:
    clip = folder / "clip.mp4"
    subprocess.run([tools.ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=1080x1920:r=30:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)], check=True)
    return clip


def make_srt(folder: Path, seconds: int) -> Path:
    def stamp(ms: int) -> str:
        return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"

    blocks = [f"{k + 1}\n{stamp(k * 2000)} --> {stamp(k * 2000 + 1900)}\n{LINES[k % len(LINES)]}\n"
              for k in range(seconds // 2)]
    path = folder / "cues.srt"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="veryfast", help="x264 preset for both sides")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip, srt = make_clip(folder, args.seconds), make_srt(folder, args.seconds)
        plan = plan_burn(clip, srt)
        ass = folder / "plan.ass"
        ass.write_text(plan.ass(), encoding="utf-8")
        raw = burn_command(clip, ass, folder / "raw.mp4", plan.target.font.fonts_dir, preset=args.preset)

        def ours() -> None:
            burn(plan_burn(clip, srt), folder / "ours.mp4", preset=args.preset)

        def by_hand() -> None:
            subprocess.run(raw, check=True, capture_output=True)

        raw_s, ours_s = [], []
        for _ in range(args.runs):
            raw_s.append(timed(by_hand))
            ours_s.append(timed(ours))
        print(f"clip: {args.seconds} s 1080x1920, {len(plan.cues)} cues, x264 preset {args.preset}, {args.runs} runs")
        print(f"raw ffmpeg: median {statistics.median(raw_s):.2f} s  ({', '.join(f'{t:.2f}' for t in raw_s)})")
        print(f"burn():     median {statistics.median(ours_s):.2f} s  ({', '.join(f'{t:.2f}' for t in ours_s)})")
        print(f"ratio burn/raw: {statistics.median(ours_s) / statistics.median(raw_s):.3f} (target <= 1.05)")


if __name__ == "__main__":
    main()
