"""The write-ahead ledger: a submit whose answer was lost is in doubt and never paid for twice on its own."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pipeline import errors
from pipeline.ledger import IN_DOUBT, SUBMITTING, JobLedger
from pipeline.sandbox import FaultConfig, SandboxConfig, SandboxServer
from pipeline.vendors.volcengine import CaptionOptions, VolcengineClient, VolcengineCredentials


class Vendor:
    """A stand-in submit: counts calls and fails as told."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return f"task-{self.calls}"


def lost_answer() -> errors.TransportError:
    error = errors.TransportError("volcengine caption submit failed: RemoteProtocolError")
    error.__cause__ = httpx.RemoteProtocolError("Server disconnected without sending a response")
    return error


def test_the_intent_is_written_before_the_request_goes_out(tmp_path: Path) -> None:
    ledger = JobLedger(tmp_path / "jobs.json")
    seen: list[str | None] = []

    def submit() -> str:
        seen.append((JobLedger(tmp_path / "jobs.json").get("k") or {}).get("status"))  # another reader, mid-submit
        return "t1"

    assert ledger.submit_once("k", submit) == ("t1", False)
    assert seen == [SUBMITTING]
    assert (ledger.get("k") or {})["status"] == "submitted"


@pytest.mark.parametrize("failure", [lost_answer(), httpx.ReadTimeout("read timed out"),
                                     httpx.RemoteProtocolError("Server disconnected")],
                         ids=["transport-error", "read-timeout", "raw-disconnect"])
def test_a_lost_answer_is_in_doubt_and_not_sent_again(failure: BaseException, tmp_path: Path) -> None:
    ledger, vendor = JobLedger(tmp_path / "jobs.json"), Vendor(failure)
    with pytest.raises(errors.SubmissionInDoubtError, match="may have accepted it and will charge it") as info:
        ledger.submit_once("k", vendor, what="clip.mp4")
    assert str(info.value).startswith("clip.mp4: the submit was sent but its answer was lost")
    assert "--resubmit-in-doubt" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(errors.SubmissionInDoubtError):
        JobLedger(tmp_path / "jobs.json").submit_once("k", vendor)  # a rerun, in a new process
    assert vendor.calls == 1 and ledger.in_doubt() == ["k"]


@pytest.mark.parametrize("failure", [
    errors.RateLimitedError("volcengine", 1003, "requests too frequent"),
    errors.InvalidRequestError("volcengine", 1010, "audio too long"),
    httpx.ConnectError("connection refused"),
], ids=["coded-refusal", "rejected", "never-connected"])
def test_a_refused_or_undelivered_submit_leaves_nothing_in_doubt(failure: BaseException, tmp_path: Path) -> None:
    ledger, vendor = JobLedger(tmp_path / "jobs.json"), Vendor(failure)
    with pytest.raises(type(failure)):
        ledger.submit_once("k", vendor)
    assert ledger.get("k") is None and ledger.in_doubt() == []
    assert ledger.submit_once("k", vendor) == ("task-2", False)


def test_a_run_killed_while_sending_leaves_the_job_in_doubt(tmp_path: Path) -> None:
    ledger, vendor = JobLedger(tmp_path / "jobs.json"), Vendor()
    ledger.record("k", status=SUBMITTING, intent_at="2026-12-03 02:00:00")  # what kill -9 mid-request leaves
    with pytest.raises(errors.SubmissionInDoubtError, match=r"\(sent 2026-12-03 02:00:00\)"):
        ledger.submit_once("k", vendor)
    assert vendor.calls == 0 and (ledger.get("k") or {})["status"] == IN_DOUBT


def test_an_interrupt_during_the_submit_leaves_it_in_doubt(tmp_path: Path) -> None:
    ledger = JobLedger(tmp_path / "jobs.json")
    with pytest.raises(KeyboardInterrupt):
        ledger.submit_once("k", Vendor(KeyboardInterrupt()))
    assert ledger.in_doubt() == ["k"]


def test_released_in_doubt_jobs_are_submitted_once_more_on_purpose(tmp_path: Path) -> None:
    ledger, vendor = JobLedger(tmp_path / "jobs.json"), Vendor(lost_answer())
    with pytest.raises(errors.SubmissionInDoubtError):
        ledger.submit_once("k", vendor)
    assert ledger.release_in_doubt() == 1 and ledger.release_in_doubt() == 0
    assert ledger.submit_once("k", vendor) == ("task-2", False)
    assert (ledger.get("k") or {})["resubmitted_after_doubt"] is True
    assert ledger.submit_once("k", vendor) == ("task-2", True)  # and then reused as any job


def test_a_dropped_submit_answer_at_the_sandbox_is_one_job_and_in_doubt(tone_wav: Path, tmp_path: Path) -> None:
    faults = FaultConfig(drop_rate=1.0, drop_after_handling=True, endpoints="volcengine.caption.submit")
    with SandboxServer(SandboxConfig(processing_ms=0, faults=faults), vendors=["volcengine"]) as server:
        credentials = VolcengineCredentials("sandbox-appid", "sandbox-token")
        ledger = JobLedger(tmp_path / "jobs.json")
        for _ in range(3):  # the first run, then two reruns
            with VolcengineClient(credentials, server.base_url + "/api/v1/vc") as client, \
                    pytest.raises(errors.SubmissionInDoubtError):
                ledger.submit_once("k", lambda: client.submit_caption_file(tone_wav, CaptionOptions()))
        assert server.state.submissions.total == 1  # the vendor has (and charges) one job; nobody paid twice
