from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipeline.ledger import JobLedger, file_sha256, job_key


def test_record_survives_a_new_ledger_object(tmp_path: Path) -> None:
    JobLedger(tmp_path / "jobs.json").record("k", task_id="t1", status="submitted")
    assert JobLedger(tmp_path / "jobs.json").get("k") == {"task_id": "t1", "status": "submitted"}


def test_record_merges_and_forget_removes(tmp_path: Path) -> None:
    ledger = JobLedger(tmp_path / "jobs.json")
    ledger.record("k", task_id="t1")
    ledger.record("k", status="done")
    assert ledger.get("k") == {"task_id": "t1", "status": "done"}
    ledger.forget("k")
    assert ledger.get("k") is None


def test_damaged_ledger_is_treated_as_empty(tmp_path: Path) -> None:
    (tmp_path / "jobs.json").write_text("{not json")
    ledger = JobLedger(tmp_path / "jobs.json")
    assert ledger.get("k") is None
    ledger.record("k", task_id="t")
    assert ledger.get("k") == {"task_id": "t"}


def test_concurrent_records_are_all_kept(tmp_path: Path) -> None:
    ledger = JobLedger(tmp_path / "jobs.json")
    # Separate ledger objects on one file, as concurrent batch items have.
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: JobLedger(tmp_path / "jobs.json").record(f"k{i}", task_id=str(i)), range(40)))
    assert all(ledger.get(f"k{i}") == {"task_id": str(i)} for i in range(40))


def test_key_depends_on_content_and_options(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    assert file_sha256(a) != file_sha256(b)
    base = job_key("v", "http://x", file_sha256(a), {"language": "zh-CN"})
    assert base == job_key("v", "http://x", file_sha256(a), {"language": "zh-CN"})
    assert base != job_key("v", "http://x", file_sha256(b), {"language": "zh-CN"})
    assert base != job_key("v", "http://x", file_sha256(a), {"language": "en-US"})
    assert base != job_key("v", "http://y", file_sha256(a), {"language": "zh-CN"})


def test_mark_task_updates_every_entry_with_that_task(tmp_path: Path) -> None:
    ledger = JobLedger(tmp_path / "jobs.json")
    ledger.record("a", task_id="t1", status="submitted")
    ledger.record("b", task_id="t2", status="submitted")
    ledger.mark_task("t1", "done")
    assert ledger.get("a") == {"task_id": "t1", "status": "done"}
    assert ledger.get("b") == {"task_id": "t2", "status": "submitted"}


def test_submit_once_submits_a_key_once_even_from_many_threads(tmp_path: Path) -> None:
    import threading
    import time

    calls: list[int] = []
    guard = threading.Lock()

    def submit() -> str:
        with guard:
            calls.append(1)
        time.sleep(0.05)  # a slow vendor: the other threads must wait, not submit again
        return "task-1"

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: JobLedger(tmp_path / "j.json").submit_once("k", submit), range(6)))
    assert len(calls) == 1
    assert sorted(reused for _, reused in results) == [False] + [True] * 5
    assert {task for task, _ in results} == {"task-1"}


def test_submit_once_resubmits_a_failed_job(tmp_path: Path) -> None:
    ledger = JobLedger(tmp_path / "j.json")
    ledger.submit_once("k", lambda: "t1")
    ledger.mark_task("t1", "failed")
    assert ledger.submit_once("k", lambda: "t2") == ("t2", False)
    ledger.mark_task("t2", "failed")
    ledger.submit_once("k", lambda: "t3")
    entry = ledger.get("k")
    assert entry is not None and entry["failed_jobs"] == 2  # every paid resubmission is accounted for


def test_submit_once_holds_across_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    # Four processes race for one key; each appends to a file when it really submits.
    code = (
        "import sys, time; from pathlib import Path; from pipeline.ledger import JobLedger\n"
        "marks = Path(sys.argv[2])\n"
        "def submit():\n"
        "    with marks.open('a') as fh: fh.write('x')\n"
        "    time.sleep(0.2)\n"
        "    return 'task-' + sys.argv[3]\n"
        "print(JobLedger(Path(sys.argv[1])).submit_once('k', submit)[0])\n"
    )
    ledger, marks = tmp_path / "j.json", tmp_path / "marks"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(ledger), str(marks), str(i)], stdout=subprocess.PIPE,
                              text=True) for i in range(4)]
    answers = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert marks.read_text() == "x" and len(answers) == 1


def test_a_refused_resubmission_keeps_what_was_known_about_the_failed_job(tmp_path: Path) -> None:
    from pipeline.errors import ServerBusyError

    ledger = JobLedger(tmp_path / "j.json")
    ledger.submit_once("k", lambda: "t1")
    ledger.mark_task("t1", "failed")

    def refused() -> str:
        raise ServerBusyError("volcengine", 1005, "busy")  # answered: nothing was created

    with pytest.raises(ServerBusyError):
        ledger.submit_once("k", refused)
    kept = ledger.get("k")
    assert kept is not None and (kept["task_id"], kept["status"]) == ("t1", "failed")  # not forgotten
    ledger.submit_once("k", lambda: "t2")
    entry = ledger.get("k")
    assert entry is not None and (entry["task_id"], entry["failed_jobs"]) == ("t2", 1)


def test_the_wait_before_a_submit_comes_before_its_intent_and_only_when_it_submits(tmp_path: Path) -> None:
    ledger = JobLedger(tmp_path / "j.json")
    seen: list[object] = []
    ledger.submit_once("k", lambda: "t1", before_intent=lambda: seen.append(ledger.get("k")))
    assert seen == [None]  # nothing recorded yet when the wait ran
    ledger.submit_once("k", lambda: "t2", before_intent=lambda: seen.append("again"))
    assert seen == [None]  # a reused job waits for nothing
