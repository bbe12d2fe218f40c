"""A hard crash mid-batch (SIGKILL), then a resume: the sandbox proves nothing was paid for twice.

Why a separate process: only a real ``kill -9`` shows what survives a crash — the ledger
(``.jobs.json``) written the moment the vendor returned a task id, and ``.batch.json``.
In-process "crashes" (exceptions, cancelled futures) run ``finally`` blocks and prove nothing.

The child process talks to the session's Prefect test server (``PREFECT_API_URL`` of the
harness) instead of starting its own ephemeral server, which would cost ~20 s.

The sandbox's jobs take a few seconds, so the kill lands while jobs are in flight. The kill is
timed by polling, never by sleeping, and aimed without races: the child's process group is
frozen (SIGSTOP), the sandbox and the ledger are compared, and the group is killed (SIGKILL)
only if every job the sandbox accepted is already in the ledger — otherwise it is thawed and
polling goes on. A crash in the short window between the vendor accepting a job and the ledger
being written would cost one duplicate job; no client can close that window without an
idempotency key on the vendor's side, so the test does not aim at it.

After a SIGKILL the slots the child held on the ``vendor-volcengine`` global concurrency limit
stay taken until their leases expire (``flows.limits.LEASE_SECONDS``). The test checks that
and frees them the way an operator would (``active_slots=0``) before resuming.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.media import tools

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]

ROOT = Path(__file__).resolve().parents[1]
CLIPS = 6
CONCURRENCY = 3  # 6 clips through 3 slots: at the kill some jobs are in flight and some never started
PROCESSING_MS = 3000
DEADLINE_S = 150.0  # generous: a loaded CI machine is slow, and the loop polls, it does not sleep-assert


def make_tone(target: Path, frequency: int, seconds: float = 1.5) -> Path:
    """A short audible sine tone; each frequency gives different content (a different sha256)."""
    subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=frequency={frequency}:duration={seconds}", "-ac", "1", "-ar", "16000", str(target)],
                   check=True)
    return target


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("resume-clips")
    return [make_tone(folder / f"tone-{i}.wav", 300 + 97 * i) for i in range(CLIPS + 1)]


@pytest.fixture
def sandbox() -> Iterator[Any]:
    from pipeline.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(processing_ms=PROCESSING_MS, processing_ms_per_audio_s=0)) as server:
        yield server


def start_child(code: str, log: Path) -> subprocess.Popen[bytes]:
    """Run ``code`` in a new Python process (own process group) against the harness's Prefect API."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child and everything it started, as a power cut would."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def child_failed(proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    output = log.read_text(errors="replace")[-4000:]
    pytest.fail(f"child exited ({proc.returncode}) before {what}:\n{output}")


def ledger_entries(output_dir: Path) -> dict[str, dict[str, Any]]:
    try:
        return json.loads((output_dir / ".jobs.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):  # not written yet
        return {}


def kill_when_in_flight(proc: subprocess.Popen[bytes], log: Path, sandbox: Any, output_dir: Path,
                        at_least: int) -> None:
    """SIGKILL the child once ``at_least`` jobs were accepted, all recorded, none half-submitted, and some running.

    The child is frozen while the sandbox and the ledger are compared, so nothing can be
    submitted between the check and the kill.
    """
    what = f"{at_least} job(s) accepted, recorded and in flight"
    deadline = time.monotonic() + DEADLINE_S
    while True:
        if proc.poll() is not None:
            child_failed(proc, log, what)
        if time.monotonic() > deadline:
            kill_group(proc)
            pytest.fail(f"timed out after {DEADLINE_S:.0f} s waiting for {what}")
        if sandbox.state.submissions.total >= at_least:
            os.killpg(proc.pid, signal.SIGSTOP)
            stats = sandbox.state.stats()
            entries = ledger_entries(output_dir).values()
            recorded = sum(bool(e.get("task_id")) for e in entries)
            # No submit half-way (intent written, id not yet): killed there, it would rightly be in doubt.
            sending = any(e.get("status") == "submitting" for e in entries)
            if recorded == stats["submissions"]["total"] and not sending and stats["jobs"]["processing"]:
                kill_group(proc)
                return
            os.killpg(proc.pid, signal.SIGCONT)
        time.sleep(0.02)


def vendor_limit() -> Any:
    from prefect.client.orchestration import get_client

    from flows.limits import limit_name

    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(limit_name("volcengine"))


def free_leaked_slots() -> None:
    """What an operator does after a crash: give the dead process's slots back."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    from flows.limits import limit_name

    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(limit_name("volcengine"), GlobalConcurrencyLimitUpdate(active_slots=0))


def test_batch_killed_mid_flight_resumes_without_submitting_anything_twice(
        clips: list[Path], sandbox: Any, tmp_path: Path) -> None:
    from flows.batch import STATE_NAME, run_batch

    inputs = [str(p) for p in clips[:CLIPS]]
    out = tmp_path / "out"
    log = tmp_path / "child.log"
    kwargs = {"inputs": inputs, "output_dir": str(out), "sandbox_url": sandbox.base_url, "concurrency": CONCURRENCY}
    child = start_child(f"import json\nfrom flows.batch import run_batch\nrun_batch(**json.loads({json.dumps(kwargs)!r}))", log)
    try:
        kill_when_in_flight(child, log, sandbox, out, at_least=2)
    finally:
        kill_group(child)

    submitted_before = sandbox.state.submissions.total
    assert 0 < submitted_before < CLIPS
    assert sandbox.state.stats()["jobs"]["processing"] > 0  # killed with jobs in flight
    batch_state = out / STATE_NAME
    recorded = json.loads(batch_state.read_text(encoding="utf-8")) if batch_state.exists() else {}
    done_before = sum(entry["status"] == "done" for entry in recorded.values())
    assert done_before < submitted_before

    # The dead process still holds its vendor slots (until Prefect's lease expires): free them.
    assert vendor_limit().active_slots > 0
    free_leaked_slots()

    started = time.monotonic()
    summary = run_batch(**kwargs)
    resume_s = time.monotonic() - started

    assert (summary.done, summary.skipped, summary.failed) == (CLIPS - done_before, done_before, 0)
    assert all(Path(p).is_file() for item in summary.items for p in item.outputs.values())
    assert all({"srt", "vtt"} <= set(item.outputs) for item in summary.items)
    assert sandbox.state.submissions.duplicates() == {}
    assert sandbox.state.submissions.total == len(sandbox.state.submissions.by_sha256) == CLIPS
    assert sum(item.reused_task for item in summary.items) == submitted_before - done_before
    assert all(entry["status"] == "done" for entry in ledger_entries(out).values())
    # Timing is printed, not asserted (a loaded machine is slower); the slots all came back.
    print(f"resume took {resume_s:.1f} s")
    assert vendor_limit().active_slots == 0


def test_caption_killed_while_waiting_reuses_the_job(clips: list[Path], sandbox: Any, tmp_path: Path) -> None:
    from flows.caption import caption_media

    clip = clips[CLIPS]
    out = tmp_path / "out"
    log = tmp_path / "child.log"
    kwargs = {"media": str(clip), "output_dir": str(out), "sandbox_url": sandbox.base_url}
    child = start_child(f"import json\nfrom flows.caption import caption_media\ncaption_media(**json.loads({json.dumps(kwargs)!r}))", log)
    try:
        # Killed after submit (the id is in the ledger) and before the wait ended (the job is unfinished).
        kill_when_in_flight(child, log, sandbox, out, at_least=1)
    finally:
        kill_group(child)
    assert sandbox.state.submissions.total == 1
    (entry,) = ledger_entries(out).values()
    assert entry["status"] == "submitted"
    assert not (out / f"{clip.stem}.srt").exists()

    result = caption_media(**kwargs)

    assert result.reused_task and result.task_id == entry["task_id"]
    assert Path(result.outputs["srt"]).is_file() and Path(result.outputs["vtt"]).is_file()
    assert sandbox.state.submissions.total == 1 and sandbox.state.submissions.duplicates() == {}
    assert ledger_entries(out)[next(iter(ledger_entries(out)))]["status"] == "done"
