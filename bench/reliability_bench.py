"""Reliability of paid work: a batch of many distinct jobs through vendor faults and kill -9s.

Why: operators run nightly batches of hundreds of paid jobs. Whatever goes wrong on the way
(5xx, dropped connections before and after the vendor created the job, "too frequent" bursts,
jobs that fail at the vendor, the batch process killed at any moment), no finished job may be
lost and none may be paid twice.

What runs:

1. ``--clips`` distinct short WAV tones (``batch_bench.make_clips``; one content hash each).
2. Baseline: ``subtitle-pipeline batch --folder`` over them against a sandbox without faults
   (a sandbox in its own process, as a vendor is), timed.
3. Faults: the same batch against a sandbox that answers 10 % of requests with a bare 5xx, drops
   5 % of connections (half before the request is handled, half after: a submit's job exists
   but its answer is lost), counts requests per second per appid at ``--vendor-qps`` (below our
   own default pace, so "too frequent" comes in bursts whenever many jobs poll at once), and fails
   5 % of jobs at the vendor (1021). The batch process (with the temporary Prefect server it
   started) is killed with SIGKILL at a random moment ``--kills`` times, each followed by a
   resume (the same command again); then it runs to its end, and once more if items were
   still waiting on the vendor.

Printed:

- items done, failed, in doubt and waiting at the end;
- **lost**: items whose vendor job finished (the sandbox says so for the ledger's task id)
  but which have no subtitle file at the end and are not reported in doubt;
- **duplicate submissions**: the sandbox's accepted submissions per content beyond the first,
  less the resubmissions of jobs that failed at the vendor (``failed_jobs`` in the ledger),
  which are paid on purpose;
- failures whose message carries neither a vendor message (``error <code>:``) nor a hint;
- wall time of all faulty runs together against the baseline.

Targets: 0 lost; 0 duplicate submissions; every failure carries a message.

Usage::

    .venv/bin/python bench/reliability_bench.py                      # 500 clips, 20 kills
    .venv/bin/python bench/reliability_bench.py --clips 60 --kills 4  # a quick look

About 15-25 min on 2 cores with the defaults (each run starts a temporary Prefect server).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from batch_bench import make_clips, sandbox_serving, sandbox_stats  # noqa: E402

EXPLAINED = re.compile(r"error \d+:|\(.+\)")  # a vendor's code and message, or a hint in parentheses


def sandbox(log: Path, faults: bool, vendor_qps: float, seed: int) -> AbstractContextManager[str]:
    """The bench's sandbox: 2 s jobs, 8 at once; with ``faults``, the faults listed in the module docstring."""
    fault_config = (f"FaultConfig(seed={seed}, http_5xx_rate=0.10, drop_rate=0.025, drop_after_rate=1/39, "
                    f"task_errors=(ErrorRule(1021, rate=0.05),))") if faults else "FaultConfig()"
    qps = vendor_qps if faults else None
    return sandbox_serving(f"SandboxConfig(processing_ms=2000, processing_ms_per_audio_s=0, workers=8, "
                           f"transcript_dirs=(), qps_limit={qps}, faults={fault_config})", log,
                           imports="from pipeline.sandbox.faults import ErrorRule, FaultConfig\n")


def batch_command(clips_dir: Path, out: Path, url: str, concurrency: int) -> list[str]:
    return [sys.executable, "-m", "flows.cli", "-q", "batch", "--folder", str(clips_dir), "--pattern", "*.wav",
            "-o", str(out), "--sandbox-url", url, "--concurrency", str(concurrency), "-f", "srt",
            "--burn-preset", "none"]


def run_batch(command: list[str], env: dict[str, str], log: Path, kill_after: float | None) -> tuple[float, int | None]:
    """Run one batch process; with ``kill_after``, SIGKILL it (and its temporary server) then. (wall s, exit)"""
    began = time.monotonic()
    with log.open("ab") as sink:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code: int | None = proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
    return time.monotonic() - began, code


def read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def vendor_finished(url: str, task_ids: list[str]) -> set[str]:
    """The task ids whose caption job the sandbox finished successfully."""
    import httpx

    done = set()
    with httpx.Client(base_url=url, timeout=30,
                      headers={"Authorization": "Bearer; sandbox-token"}) as client:
        for task_id in task_ids:
            for _ in range(20):  # the sandbox's own faults apply here too
                try:
                    body = client.get("/api/v1/vc/query", params={"appid": "sandbox-appid", "id": task_id}).json()
                except (httpx.HTTPError, ValueError):
                    continue
                if str(body.get("code")) == "1003":
                    time.sleep(0.5)
                    continue
                if str(body.get("code")) == "0":
                    done.add(task_id)
                break
    return done


def report(out: Path, url: str, clips: list[Path]) -> dict[str, Any]:
    items = {Path(source).name: entry for source, entry in read_json(out / ".batch.json").items()}
    ledger = read_json(out / ".jobs.json")
    stats = sandbox_stats(url)
    statuses = [entry.get("status") for entry in items.values()]
    # The audio sent is named <clip stem>.<content hash>.<ext>.
    by_stem = {str(entry.get("audio", "")).rsplit(".", 2)[0]: entry for entry in ledger.values() if entry.get("task_id")}
    finished = vendor_finished(url, [str(e["task_id"]) for e in by_stem.values()])
    lost = []
    for clip in clips:
        entry = by_stem.get(clip.stem)
        item = items.get(clip.name, {})
        wrote = (out / f"{clip.stem}.srt").exists()
        if entry and str(entry["task_id"]) in finished and not wrote and item.get("status") != "in_doubt":
            lost.append(clip.name)
    extra = sum(count - 1 for key, count in stats["duplicates"].items() if key.startswith("volcengine.caption|sha256"))
    on_purpose = sum(int(e.get("failed_jobs") or 0) for e in ledger.values())
    unexplained = [entry.get("error", "") for entry in items.values()
                   if entry.get("status") in ("failed", "in_doubt", "pending") and not EXPLAINED.search(entry.get("error", ""))]
    return {"items": len(items), "done": statuses.count("done"), "failed": statuses.count("failed"),
            "in_doubt": statuses.count("in_doubt"), "pending": statuses.count("pending"), "lost": lost,
            "duplicates": max(0, extra - on_purpose), "resubmitted_after_vendor_failure": on_purpose,
            "unexplained": unexplained, "faults": stats.get("faults_injected", {}),
            "checked": sum(clip.stem in by_stem for clip in clips), "vendor_finished": len(finished),
            "submissions": stats["submissions"]["total"], "vendor_jobs": stats["jobs"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each clip")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--vendor-qps", type=float, default=3.0, help="the sandbox's requests/s per appid before 1003")
    parser.add_argument("--kill-window", type=float, nargs=2, default=(12.0, 45.0), metavar=("MIN", "MAX"),
                        help="seconds after a run's start between which it is killed (it starts a server first)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/reliability-bench"))
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    work: Path = args.work
    clips_dir = work / "clips"
    clips = make_clips(clips_dir, args.clips, args.seconds)
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)  # each run starts (and, killed, loses) its own temporary server

    baseline = None
    if not args.skip_baseline:
        out = work / "baseline"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        with sandbox(work / "sandbox-baseline.log", False, args.vendor_qps, args.seed) as url:
            baseline, code = run_batch(batch_command(clips_dir, out, url, args.concurrency), env,
                                       work / "baseline.log", None)
            base = report(out, url, clips)
        print(f"baseline (no faults): {baseline:.1f} s, exit {code}, {base['done']} done of {base['items']}")

    out = work / "faults"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    walls: list[float] = []
    with sandbox(work / "sandbox-faults.log", True, args.vendor_qps, args.seed) as url:
        command = batch_command(clips_dir, out, url, args.concurrency)
        for n in range(args.kills):
            wall, code = run_batch(command, env, work / "faults.log", rng.uniform(*args.kill_window))
            walls.append(wall)
            state = read_json(out / ".batch.json")
            done = sum(e.get("status") == "done" for e in state.values())
            print(f"run {n + 1}: {'killed' if code is None else f'exit {code}'} after {wall:.1f} s; {done} done so far",
                  flush=True)
        for n in range(3):  # to the end; again while results are still waiting on the vendor
            wall, code = run_batch(command, env, work / "faults.log", None)
            walls.append(wall)
            final = report(out, url, clips)
            print(f"final run {n + 1}: exit {code} after {wall:.1f} s; {final['done']} done, {final['pending']} waiting",
                  flush=True)
            if not final["pending"]:
                break

    total = sum(walls)
    print()
    print(f"items {final['items']}: {final['done']} done, {final['failed']} failed, {final['in_doubt']} in doubt, "
          f"{final['pending']} waiting on the vendor")
    print(f"lost (vendor finished, no subtitle file, not reported in doubt): {len(final['lost'])} {final['lost'][:5]} "
          f"(checked {final['checked']} items with a ledger task id, {final['vendor_finished']} finished at the vendor)")
    print(f"duplicate submissions: {final['duplicates']} (plus {final['resubmitted_after_vendor_failure']} resubmissions "
          f"of jobs that failed at the vendor, paid on purpose); {final['submissions']} accepted in all")
    print(f"failures without a vendor message or a hint: {len(final['unexplained'])} {final['unexplained'][:3]}")
    print(f"faults injected: {final['faults']}; vendor jobs: {final['vendor_jobs']}")
    ratio = f" = {total / baseline:.2f} x the baseline's {baseline:.1f} s" if baseline else ""
    print(f"wall time of {len(walls)} faulty runs (with {args.kills} kills): {total:.1f} s{ratio}")
    failed_failures = [e.get("error", "") for e in read_json(out / ".batch.json").values() if e.get("status") == "failed"]
    kinds: dict[str, int] = {}
    for error in failed_failures:
        kinds[error[:60]] = kinds.get(error[:60], 0) + 1
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1])[:6]:
        print(f"  failed x{count}: {kind}")


if __name__ == "__main__":
    main()
