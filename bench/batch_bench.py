"""Batch makespan: ``caption_batch`` on Prefect vs. the same work without Prefect.

Why: a batch's cost is set by the vendor — N jobs of L seconds through C concurrent slots take
at least ceil(N/C)·L — so everything else (probe, extract, checks, Prefect's task and flow
runs, slot hand-over) should hide behind it. Target: makespan ≤ 1.10 × ceil(N/C)·L.

What runs:

1. N distinct short clips (sine tones, each its own frequency, so each has its own sha256;
   written with the standard library's ``wave`` — no ffmpeg needed, cached in ``--cache-dir``).
2. A sandbox in its own process (as a real vendor would be) with a fixed processing time L
   (``processing_ms_per_audio_s=0``), ``workers=C`` and no running-job, QPS or allowance limits,
   so the sandbox itself never throttles C jobs. A fresh sandbox per phase, so its submission
   counters (total, duplicates) belong to that phase.
3. Baselines without Prefect (plain ``pipeline`` functions, the same steps as ``caption_media``):
   ``whole`` — a ThreadPoolExecutor(C) where a worker holds its slot for the whole item;
   ``vendor`` — preparation in 2·C threads and only submit→result inside a C-slot semaphore
   (what the vendor actually counts, and what ``caption_batch`` does with its vendor slots).
4. ``caption_batch`` (items inline, each one task run; ``--child-flow-runs`` for a child flow
   run per item) in a child process, on Prefect's ephemeral server (SQLite) in a private
   ``PREFECT_HOME`` under ``--cache-dir`` (kept, so only the first run pays the migrations), or
   on ``PREFECT_API_URL`` if that is set. The child's stdout/stderr — which the ephemeral
   server's process inherits — go to a log file that is searched for "database is locked".
   The server start is timed separately and is not part of the makespan. After the run the
   child reads its task runs and child flow runs back from the API for a per-step breakdown.

Columns: ``makespan`` wall time of the batch; ``ideal`` ceil(N/C)·L; ``ratio`` makespan/ideal;
``steps/item`` mean time inside our own steps per item (baseline: measured around the library
calls; Prefect: task run durations from the API); ``Prefect share`` = 1 − baseline(vendor)
makespan / Prefect makespan, i.e. the part of the Prefect makespan that the same work without
Prefect, scheduled the same way (preparation outside the vendor slot), does not need; negative
when the Prefect run was the faster one.

Usage::

    .venv/bin/python bench/batch_bench.py                       # N=200, L=10 s, C=8
    .venv/bin/python bench/batch_bench.py --clips 48 --latency 10 --concurrency 8
    .venv/bin/python bench/batch_bench.py --skip-baseline        # Prefect only
    .venv/bin/python bench/batch_bench.py --child-flow-runs      # a child flow run per item
    PREFECT_API_URL=http://127.0.0.1:4200/api .venv/bin/python bench/batch_bench.py   # a running server

Runtime on a 2-core machine with N=200, L=10 s, C=8: about 4.5 min per phase (two baselines and
Prefect), plus 10–60 s for the first server start. A short L makes the 2 cores, not the vendor,
the bottleneck (preparing a clip costs ≈ 0.5 CPU-s: ffprobe twice, ffmpeg, the silence check),
for the baselines as much as for Prefect; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE_RATE = 16000
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "subtitle-pipeline-batch-bench"
LOCKED = re.compile(r"database is locked", re.IGNORECASE)
# Prefect's server turns SQLite "database is locked"/SQLITE_BUSY into HTTP 503 without logging it;
# the client then backs off (2 s, 4 s, ...) and says so only at DEBUG on the ``prefect.client`` logger.
RETRY_503 = re.compile(r"retryable status code 503")


class RetryCounter(logging.Filter):
    """Counts the client's 503 retries (SQLite busy on the server); lets no DEBUG record through.

    A logger filter, not a handler: it sees the records the logger is opened up for (DEBUG) and
    drops them before any handler, so the console and the log file keep their INFO level.
    """

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.seconds = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if RETRY_503.search(message) or LOCKED.search(message):
            self.count += 1
            found = re.search(r"made in ([0-9.]+)s", message)
            self.seconds += float(found.group(1)) if found else 0.0
        return record.levelno >= logging.INFO


# ---- clips ----------------------------------------------------------------------------------

def make_clips(folder: Path, count: int, seconds: float) -> list[Path]:
    """``count`` mono 16 kHz WAV tones of ``seconds`` s, one frequency each (cached by name)."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    frames = int(SAMPLE_RATE * seconds)
    for i in range(count):
        path = folder / f"tone-{seconds:g}s-{i:04d}.wav"
        if not path.exists():
            frequency = 220.0 + 3.7 * i  # distinct content per clip; all well inside speech bands
            samples = (int(8000 * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE)) for n in range(frames))
            tmp = path.with_suffix(".tmp")
            with wave.open(str(tmp), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(SAMPLE_RATE)
                out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
            tmp.replace(path)
        clips.append(path)
    return clips


# ---- sandbox in its own process ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sandbox_process(latency_s: float, concurrency: int, log: Path) -> Iterator[str]:
    """A sandbox with processing time ``latency_s`` that accepts ``concurrency`` jobs at once."""
    config = (f"SandboxConfig(processing_ms={int(latency_s * 1000)}, processing_ms_per_audio_s=0, "
              f"workers={max(concurrency, 4)}, transcript_dirs=())")
    with sandbox_serving(config, log) as url:
        yield url


@contextmanager
def sandbox_serving(config: str, log: Path, imports: str = "") -> Iterator[str]:
    """A sandbox in its own process, serving ``config`` (a ``SandboxConfig(...)`` expression); yields its URL."""
    import httpx

    port = free_port()
    code = f"from pipeline.sandbox import SandboxConfig, serve\n{imports}serve(port={port}, config={config})"
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/sandbox/stats", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox did not start; see {log}")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def sandbox_stats(url: str) -> dict[str, Any]:
    import httpx

    return httpx.get(url + "/sandbox/stats", timeout=5).json()


# ---- baseline: the same steps without Prefect ------------------------------------------------

class StepClock:
    """Seconds spent per step name, summed over threads."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self.seconds[name] += time.perf_counter() - started


def caption_plain(media: Path, out: Path, sandbox_url: str, clock: StepClock,
                  vendor_gate: threading.Semaphore | None) -> None:
    """``caption_media``'s steps as plain calls (probe → extract → check → submit → wait → write)."""
    from flows.connections import connection, open_client
    from pipeline import subtitles
    from pipeline.ledger import JobLedger, file_sha256, job_key
    from pipeline.media import checks, extract, probe
    from pipeline.transcript import transcript_from_volcengine
    from pipeline.vendors.volcengine import CaptionOptions

    options = CaptionOptions(language="zh-CN")
    conn = connection("volcengine", "sandbox", sandbox_url)
    with clock.step("probe"):
        info = probe.probe(media)
    with clock.step("extract"):
        audio = extract.extract_audio(info, out / "audio")
    with clock.step("check"):
        checks.check_for_vendor(probe.probe(audio.path), source=str(media))
    with vendor_gate or nullcontext():
        with clock.step("submit"):
            key = job_key("volcengine-caption", conn.base_url, file_sha256(audio.path), (options, None))
            ledger = JobLedger(out / ".jobs.json")

            def submit() -> str:
                with open_client(conn) as client:
                    return str(client.submit_caption_file(audio.path, options))

            task_id, _ = ledger.submit_once(key, submit, audio=audio.path.name, api="volcengine-caption")
        with clock.step("wait"):
            with open_client(conn) as client:
                response = client.wait_caption(task_id)
            ledger.mark_task(task_id, "done")
    with clock.step("write"):
        transcript = transcript_from_volcengine(response, "zh-CN", source=str(media))
        rules = subtitles.rules_for("zh-CN", max_lines=2)
        cues = subtitles.build_cues(transcript, rules)
        subtitles.write_srt(cues, out / f"{media.stem}.srt")
        subtitles.write_vtt(cues, out / f"{media.stem}.vtt")


def run_baseline(mode: str, clips: list[Path], work: Path, latency_s: float, concurrency: int) -> dict[str, Any]:
    """Caption every clip without Prefect; ``mode`` says what a vendor slot covers (whole|vendor)."""
    import jieba

    jieba.initialize()  # once per process, as in a long-running worker; not per item
    out = work / f"baseline-{mode}"
    out.mkdir(parents=True, exist_ok=True)
    clock = StepClock()
    gate = threading.Semaphore(concurrency) if mode == "vendor" else None
    workers = concurrency if mode == "whole" else 2 * concurrency
    errors: list[str] = []

    def one(clip: Path) -> None:
        try:
            caption_plain(clip, out, url, clock, gate)
        except Exception as exc:  # noqa: BLE001 - counted and reported, like the batch does
            errors.append(f"{clip.name}: {type(exc).__name__}: {exc}")

    with sandbox_process(latency_s, concurrency, work / "sandbox.log") as url:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, clips))
        makespan = time.monotonic() - started
        stats = sandbox_stats(url)
    steps = {name: seconds / len(clips) for name, seconds in clock.seconds.items()}
    return {"name": f"baseline ({mode})", "makespan": makespan, "done": len(clips) - len(errors),
            "errors": errors[:5], "steps": steps, "own_s": sum(v for k, v in steps.items() if k != "wait"),
            "submissions": stats["submissions"]["total"], "duplicates": len(stats["duplicates"])}


# ---- Prefect: caption_batch in a child process --------------------------------------------------

def prefect_child(config_path: str) -> None:
    """Runs in the child: start/attach the Prefect API, run the batch, read back a breakdown."""
    cfg = json.loads(Path(config_path).read_text())
    started = time.monotonic()
    from flows.batch import run_batch
    from flows.limits import ensure_limit

    client_log = logging.getLogger("prefect.client")
    counter = RetryCounter()
    client_log.addFilter(counter)
    client_log.setLevel(logging.DEBUG)
    ensure_limit("volcengine", cfg["concurrency"])  # the first API call starts the ephemeral server
    startup = time.monotonic() - started
    t0 = time.monotonic()
    summary = run_batch(inputs=cfg["clips"], output_dir=cfg["out"], sandbox_url=cfg["sandbox_url"],
                            concurrency=cfg["concurrency"], formats=["srt", "vtt"],
                            child_flow_runs=cfg["child_flow_runs"])
    makespan = time.monotonic() - t0
    result = {"startup": startup, "makespan": makespan, "done": summary.done, "failed": summary.failed,
              "errors": [i.error for i in summary.items if i.error][:5],
              "item_seconds": statistics.mean(i.seconds for i in summary.items if i.status != "skipped") if summary.done else 0.0,
              "retries_503": counter.count, "backoff_s": counter.seconds, "breakdown": api_breakdown()}
    Path(cfg["result"]).write_text(json.dumps(result))


def api_breakdown() -> dict[str, Any]:
    """Mean durations per task name, per child flow run, and the gaps around them (from the API)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    def seconds(run: Any) -> float | None:
        if run.start_time is None or run.end_time is None:
            return None
        return (run.end_time - run.start_time).total_seconds()

    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentTaskRunId,
    )

    def all_task_runs(client: Any, flow_run_ids: list[Any]) -> list[Any]:
        runs: list[Any] = []
        for i in range(0, len(flow_run_ids), 50):
            chunk = FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids[i:i + 50]))
            offset = 0
            while True:
                page = client.read_task_runs(flow_run_filter=chunk, limit=200, offset=offset)
                runs.extend(page)
                offset += len(page)
                if len(page) < 200:
                    break
        return runs

    with get_client(sync_client=True) as client:
        # This process's batch run is the newest one; its children are found through their parent
        # task runs, so runs of other processes on the same server are not counted.
        batch = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["caption-batch"])),
                                      sort="START_TIME_DESC", limit=1)[0]
        batch_tasks = all_task_runs(client, [batch.id])
        wrapper_ids = [t.id for t in batch_tasks if t.name.startswith("caption-media")]
        children: list[Any] = []
        for i in range(0, len(wrapper_ids), 50):
            children += client.read_flow_runs(
                flow_run_filter=FlowRunFilter(parent_task_run_id=FlowRunFilterParentTaskRunId(any_=wrapper_ids[i:i + 50])),
                limit=200)
        task_runs = batch_tasks + all_task_runs(client, [c.id for c in children])
    by_name: dict[str, list[float]] = defaultdict(list)
    per_child_tasks: dict[Any, float] = defaultdict(float)
    for run in task_runs:
        duration = seconds(run)
        if duration is None:
            continue
        name = run.name.rsplit("-", 1)[0]
        if name.startswith("caption-media"):
            name = "subflow-wrapper"  # the parent-side task run Prefect creates for each child flow run
        by_name[name].append(duration)
        if name != "caption-item":
            per_child_tasks[run.flow_run_id] += duration
    child_s = [d for d in (seconds(c) for c in children) if d is not None]
    child_gap = [seconds(c) - per_child_tasks[c.id] for c in children if seconds(c) is not None]  # type: ignore[operator]
    return {"tasks": {k: statistics.mean(v) for k, v in sorted(by_name.items())},
            "child_flow_s": statistics.mean(child_s) if child_s else 0.0,
            "child_flow_minus_tasks_s": statistics.mean(child_gap) if child_gap else 0.0,
            "children": len(children), "task_runs": len(task_runs)}


def run_prefect(clips: list[Path], work: Path, latency_s: float, concurrency: int, prefect_home: Path,
                child_flow_runs: bool) -> dict[str, Any]:
    out = work / "prefect"
    log = work / "prefect-child.log"
    result_path = work / "prefect-result.json"
    result_path.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not env.get("PREFECT_API_URL"):
        prefect_home.mkdir(parents=True, exist_ok=True)
        env["PREFECT_HOME"] = str(prefect_home)
    with sandbox_process(latency_s, concurrency, work / "sandbox.log") as url:
        cfg = {"clips": [str(c) for c in clips], "out": str(out), "sandbox_url": url, "concurrency": concurrency,
               "result": str(result_path), "child_flow_runs": child_flow_runs}
        (work / "prefect-config.json").write_text(json.dumps(cfg))
        with log.open("wb") as sink:
            proc = subprocess.run([sys.executable, __file__, "--child", str(work / "prefect-config.json")],
                                  cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        stats = sandbox_stats(url)
    text = log.read_text(errors="replace")
    if proc.returncode != 0 or not result_path.exists():
        raise SystemExit(f"Prefect phase failed (exit {proc.returncode}); last lines of {log}:\n{text[-3000:]}")
    result = json.loads(result_path.read_text())
    tasks = result["breakdown"]["tasks"]
    own = sum(v for k, v in tasks.items() if k not in {"caption-item", "wait-volcengine", "subflow-wrapper"})
    result.update(name="prefect caption_batch", steps=tasks, own_s=own, submissions=stats["submissions"]["total"],
                  duplicates=len(stats["duplicates"]), locked=len(LOCKED.findall(text)),
                  log=str(log))
    return result


# ---- report ---------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--clip-seconds", type=float, default=1.5)
    parser.add_argument("--latency", type=float, default=10.0, help="vendor processing time per job (s)")
    parser.add_argument("--concurrency", type=int, default=8, help="vendor slots")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-prefect", action="store_true")
    parser.add_argument("--child-flow-runs", action="store_true", help="run each item as a child flow run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        prefect_child(args.child)
        return

    n, c, latency = args.clips, args.concurrency, args.latency
    t_all = time.monotonic()
    clips = make_clips(args.cache_dir / "clips", n, args.clip_seconds)
    work = Path(tempfile.mkdtemp(prefix="batch-bench-", dir=args.cache_dir))
    ideal = math.ceil(n / c) * latency
    print(f"N={n} clips of {args.clip_seconds:g} s, L={latency:g} s, C={c}: ideal ceil(N/C)*L = {ideal:.1f} s"
          f"  (cpus={os.cpu_count()}, work dir {work})", flush=True)
    rows: list[dict[str, Any]] = []
    if not args.skip_baseline:
        for mode in ("whole", "vendor"):
            rows.append(run_baseline(mode, clips, work, latency, c))
            print(f"  {rows[-1]['name']}: {rows[-1]['makespan']:.1f} s", flush=True)
    prefect: dict[str, Any] | None = None
    if not args.skip_prefect:
        prefect = run_prefect(clips, work, latency, c, args.cache_dir / "prefect-home", args.child_flow_runs)
        print(f"  prefect: server start {prefect['startup']:.1f} s (not counted), batch {prefect['makespan']:.1f} s", flush=True)
        rows.append(prefect)

    print(f"\n{'run':24} {'makespan s':>10} {'ratio':>6} {'done':>5} {'subm':>5} {'dup':>4} {'steps/item s':>12}")
    for row in rows:
        print(f"{row['name']:24} {row['makespan']:10.1f} {row['makespan'] / ideal:6.2f} {row['done']:5d} "
              f"{row['submissions']:5d} {row['duplicates']:4d} {row['own_s']:12.3f}")
        if row.get("errors"):
            print(f"    errors: {row['errors']}")
    for row in rows:
        print(f"  {row['name']} mean seconds per item: " + ", ".join(f"{k} {v:.3f}" for k, v in row["steps"].items()))
    baseline = next((r for r in rows if r["name"] == "baseline (whole)"), None)
    share = ""
    if prefect is not None:
        b = prefect["breakdown"]
        children = (f"child flow run {b['child_flow_s']:.2f} s, of which outside its tasks "
                    f"{b['child_flow_minus_tasks_s']:.2f} s; " if b["children"] else "items inline (no child flow runs); ")
        print(f"  prefect: caption-item task {prefect['item_seconds']:.2f} s/item (incl. slot wait), {children}"
              f"{b['children']} child runs, {b['task_runs']} task runs")
        print(f"  prefect: 'database is locked' in logs: {prefect['locked']}; HTTP 503 (SQLite busy/locked) client "
              f"retries: {prefect['retries_503']}, backoff {prefect['backoff_s']:.1f} s in total  (log: {prefect['log']})")
        like_for_like = next((r for r in rows if r["name"] == "baseline (vendor)"), None)
        if like_for_like is not None:
            share = f" prefect_share={1 - like_for_like['makespan'] / prefect['makespan']:.1%}"
    main_row = prefect or (rows[-1] if rows else None)
    if main_row is None:
        return
    ratio = main_row["makespan"] / ideal
    print(f"SUMMARY batch N={n} L={latency:g}s C={c}: makespan={main_row['makespan']:.1f}s ideal={ideal:.1f}s "
          f"ratio={ratio:.2f} target<=1.10 {'MET' if ratio <= 1.10 else 'MISSED'}"
          + (f" baseline_whole={baseline['makespan']:.1f}s" if baseline else "")
          + (f" baseline_vendor={rows[1]['makespan']:.1f}s" if baseline and len(rows) > 1 else "")
          + share
          + (f" db_locked_logged={prefect['locked']} sqlite_busy_503_retries={prefect['retries_503']}"
             f" duplicates={prefect['duplicates']}" if prefect else "")
          + f" total_runtime={time.monotonic() - t_all:.0f}s")


if __name__ == "__main__":
    main()
