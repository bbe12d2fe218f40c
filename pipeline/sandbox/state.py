"""Shared sandbox state: configuration, jobs, accounting. Vendor-neutral on purpose.

Every vendor app gets one ``SandboxState``. It holds

* ``config``: a frozen ``SandboxConfig`` (latency, limits, quotas, faults; per-vendor
  options such as credentials live in ``config.vendors[name]`` so a new vendor adds its
  own config class instead of fields here);
* ``jobs``: the asynchronous job store. A job runs its work function on a worker thread
  (download, decode, speech detection) and becomes visible as finished only once its
  simulated processing time has passed as well: ``processing_ms`` plus
  ``processing_ms_per_audio_s`` for every second of audio;
* ``submissions``: how often each content (sha256) and each URL was submitted, so tests
  can prove the pipeline never submits the same audio twice;
* ``requests``: calls per endpoint; a QPS window and a call allowance per account;
* ``registry``: the transcripts the speech module may return;
* ``faults``: the seeded ``FaultInjector``.

Example:
    >>> state = SandboxState(SandboxConfig(processing_ms=0, transcript_dirs=()))
    >>> state.stats()["submissions"]["total"]
    0
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pipeline.sandbox.faults import FaultConfig, FaultInjector
from pipeline.sandbox.speech import TranscriptRegistry

MB = 1024 * 1024
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
DEFAULT_TRANSCRIPT_DIRS: tuple[Path, ...] = (SAMPLES_DIR,) if SAMPLES_DIR.is_dir() else ()

T = TypeVar("T")


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a sandbox run can be told. Frozen: build a new one to change behaviour.

    Attributes:
        processing_ms: simulated processing time of every job, from submission.
        processing_ms_per_audio_s: added per second of audio (a real service is slower on long files).
        max_hold_s: how long a blocking query may wait before answering "still processing".
        max_upload_bytes: larger uploads are refused (Volcengine: 200 MB).
        max_duration_s: longer audio fails (Volcengine answers 1010; default 5 h).
        qps_limit: requests per second per account before "too frequent" (None: no limit).
        call_allowance: accepted submissions per account before "allowance used up" (None: no limit).
        max_running_jobs: submissions while this many jobs are unfinished get "busy" (None: no limit).
        reject_duplicates: refuse content or a URL the same API already accepted (Volcengine's 1001 "重复请求").
        code_as_string: answer every ``code`` as a string (some deployments do).
        download_timeout_s: timeout for fetching URL-mode audio.
        transcript_dirs: folders whose ``X.txt`` next to ``X.<media>`` are registered at start.
        faults: what goes wrong and how often.
        vendors: per-vendor options, keyed by vendor name (e.g. ``{"volcengine": VolcengineConfig(...)}``).
        workers: threads that process jobs.
        jobs_dir: where finished jobs are kept across restarts (None: in memory only). A real
            vendor remembers a job after the client's process is gone; with this, so does an
            embedded sandbox, and a rerun can resume a job by its id.
    """

    processing_ms: int = 1000
    processing_ms_per_audio_s: float = 20.0
    max_hold_s: float = 10.0
    max_upload_bytes: int = 200 * MB
    max_duration_s: float = 5 * 3600.0
    qps_limit: float | None = None
    call_allowance: int | None = None
    max_running_jobs: int | None = None
    reject_duplicates: bool = False
    code_as_string: bool = False
    download_timeout_s: float = 30.0
    transcript_dirs: tuple[Path, ...] = DEFAULT_TRANSCRIPT_DIRS
    faults: FaultConfig = field(default_factory=FaultConfig)
    vendors: Mapping[str, Any] = field(default_factory=dict)
    workers: int = 4
    jobs_dir: Path | None = None

    def vendor(self, name: str, default_factory: Callable[[], T]) -> T:
        """The options for vendor ``name``, or its defaults."""
        options = self.vendors.get(name)
        return options if options is not None else default_factory()

    def processing_time_s(self, audio_s: float) -> float:
        """Simulated processing time for audio of ``audio_s`` seconds."""
        return (self.processing_ms + self.processing_ms_per_audio_s * audio_s) / 1000


@dataclass(frozen=True)
class JobOutcome:
    """What a job's work produced: a vendor payload, or a vendor code with its message."""

    result: Any = None
    error_code: int | str | None = None
    error_message: str = ""
    audio_s: float = 0.0

    @property
    def failed(self) -> bool:
        return self.error_code is not None


#: Finished sandbox jobs older than this are forgotten (a real vendor keeps results for a while too).
KEEP_JOBS_DAYS = 14


def default_jobs_dir() -> Path:
    """``$XDG_CACHE_HOME/subtitle-pipeline/sandbox-jobs`` (``~/.cache/...``), with jobs past
    :data:`KEEP_JOBS_DAYS` removed; where the embedded and the standalone sandbox keep finished jobs."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "subtitle-pipeline" / "sandbox-jobs"
    cutoff = time.time() - KEEP_JOBS_DAYS * 86400
    for kept in root.glob("*.json") if root.is_dir() else ():
        try:
            if kept.stat().st_mtime < cutoff:
                kept.unlink()
        except OSError:
            pass
    return root


JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Job:
    """One asynchronous task. ``outcome`` is hidden from queries until ``ready_at``."""

    id: str
    vendor: str
    kind: str
    account: str
    created_at: float
    params: Mapping[str, Any] = field(default_factory=dict)
    outcome: JobOutcome | None = None
    ready_at: float | None = None
    done_event: threading.Event = field(default_factory=threading.Event)

    def finished(self, now: float | None = None) -> bool:
        """True once the work is done and the simulated processing time has passed."""
        return self.ready_at is not None and (now if now is not None else time.monotonic()) >= self.ready_at

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds until the job is visible as finished, or None while its work still runs."""
        if self.ready_at is None:
            return None
        return max(0.0, self.ready_at - (now if now is not None else time.monotonic()))


class JobStore:
    """Jobs by id, processed on a thread pool."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="sandbox-job")

    def __len__(self) -> int:
        return len(self._jobs)

    def get(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None else self._load(job_id)

    def _load(self, job_id: str) -> Job | None:
        """A job finished by an earlier sandbox process, from ``jobs_dir``."""
        if self.config.jobs_dir is None or not JOB_ID.fullmatch(job_id):
            return None
        try:
            kept = json.loads((self.config.jobs_dir / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        job = Job(id=job_id, vendor=kept["vendor"], kind=kept["kind"], account=kept["account"],
                  created_at=time.monotonic(), params=kept.get("params") or {},
                  outcome=JobOutcome(**kept["outcome"]), ready_at=time.monotonic())
        job.done_event.set()
        with self._lock:
            return self._jobs.setdefault(job_id, job)

    def _keep(self, job: Job) -> None:
        if self.config.jobs_dir is None or job.outcome is None:
            return
        try:
            text = json.dumps({"vendor": job.vendor, "kind": job.kind, "account": job.account, "params": job.params,
                               "outcome": asdict(job.outcome)}, ensure_ascii=False)
        except (TypeError, ValueError):
            return  # an outcome that is not plain data (files on disk) lives with this process only
        self.config.jobs_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.config.jobs_dir / f".{job.id}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.config.jobs_dir / f"{job.id}.json")

    def all(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def running(self) -> int:
        """Jobs not yet visible as finished."""
        now = time.monotonic()
        return sum(1 for job in self.all() if not job.finished(now))

    def create(self, vendor: str, kind: str, account: str, work: Callable[[], JobOutcome],
               params: Mapping[str, Any] | None = None) -> Job:
        """Register a job and start ``work`` on a worker thread; returns at once."""
        job = Job(id=str(uuid.uuid4()), vendor=vendor, kind=kind, account=account,
                  created_at=time.monotonic(), params=dict(params or {}))
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[], JobOutcome]) -> None:
        try:
            outcome = work()
        except Exception as exc:  # an unexpected bug must end the job, not hang it
            outcome = JobOutcome(error_code=1099, error_message=f"internal sandbox error: {type(exc).__name__}")
        job.outcome = outcome
        job.ready_at = max(time.monotonic(), job.created_at + self.config.processing_time_s(outcome.audio_s))
        self._keep(job)
        job.done_event.set()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class SubmissionCounter:
    """Accepted submissions per content sha256 and per URL, overall and per API.

    URL-mode content is hashed when the job downloads it, so ``by_sha256`` covers both
    modes. ``by_api`` keys are ``"<api>|sha256:<hex>"`` and ``"<api>|url:<url>"`` (api e.g.
    ``"volcengine.caption"``): the same audio sent once for captions and once for
    alignment is two different requests, not a duplicate.
    """

    by_sha256: Counter[str] = field(default_factory=Counter)
    by_url: Counter[str] = field(default_factory=Counter)
    by_api: Counter[str] = field(default_factory=Counter)
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count_submission(self, api: str, sha256: str | None = None, url: str | None = None) -> None:
        with self._lock:
            self.total += 1
            if sha256:
                self.by_sha256[sha256] += 1
                self.by_api[f"{api}|sha256:{sha256}"] += 1
            if url:
                self.by_url[url] += 1
                self.by_api[f"{api}|url:{url}"] += 1

    def count_content(self, api: str, sha256: str) -> None:
        """Hash of content fetched later (URL mode), for an already counted submission."""
        with self._lock:
            self.by_sha256[sha256] += 1
            self.by_api[f"{api}|sha256:{sha256}"] += 1

    def seen(self, api: str, sha256: str | None = None, url: str | None = None) -> bool:
        """True if this API already accepted this content or URL."""
        with self._lock:
            return bool((sha256 and self.by_api[f"{api}|sha256:{sha256}"]) or (url and self.by_api[f"{api}|url:{url}"]))

    def duplicates(self) -> dict[str, int]:
        """Content or URLs one API accepted more than once (empty when the client behaved)."""
        with self._lock:
            return {key: count for key, count in self.by_api.items() if count > 1}

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self.total, "by_sha256": dict(self.by_sha256), "by_url": dict(self.by_url),
                    "by_api": dict(self.by_api)}


class RateWindow:
    """Requests per account in the last second, for a QPS limit."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, account: str, limit: float | None, now: float | None = None) -> bool:
        """Record one request; False if it exceeds ``limit`` per second (then it is not recorded)."""
        if limit is None:
            return True
        now = now if now is not None else time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(account, deque())
            while hits and now - hits[0] >= 1.0:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True


class SandboxState:
    """Everything the vendor apps share; ``SandboxServer.state`` gives tests direct access."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.jobs = JobStore(self.config)
        self.submissions = SubmissionCounter()
        self.requests: Counter[str] = Counter()
        self.allowance_used: Counter[str] = Counter()
        self.rate = RateWindow()
        self.faults = FaultInjector(self.config.faults)
        self.registry = TranscriptRegistry()
        for directory in self.config.transcript_dirs:
            if Path(directory).is_dir():
                self.registry.register_dir(directory)
        self._workdir = Path(tempfile.mkdtemp(prefix="sandbox-"))
        self._lock = threading.Lock()

    def count_request(self, endpoint: str) -> None:
        with self._lock:
            self.requests[endpoint] += 1

    def use_allowance(self, account: str) -> bool:
        """Take one call from the account's allowance; False when it is used up."""
        limit = self.config.call_allowance
        with self._lock:
            if limit is not None and self.allowance_used[account] >= limit:
                return False
            self.allowance_used[account] += 1
            return True

    def new_upload_path(self, suffix: str = "") -> Path:
        """A fresh file path in the sandbox's scratch folder."""
        return self._workdir / f"{uuid.uuid4().hex}{suffix}"

    def stats(self) -> dict[str, Any]:
        """Counters for ``GET /sandbox/stats`` and for tests (no credentials in here)."""
        jobs = self.jobs.all()
        now = time.monotonic()
        finished = [j for j in jobs if j.finished(now)]
        failed = [j for j in finished if j.outcome is not None and j.outcome.failed]
        return {
            "requests": dict(self.requests),
            "submissions": self.submissions.as_dict(),
            "duplicates": self.submissions.duplicates(),
            "jobs": {"total": len(jobs), "processing": len(jobs) - len(finished),
                     "succeeded": len(finished) - len(failed), "failed": len(failed)},
            "faults_injected": dict(self.faults.injected),
            "transcripts_registered": len(self.registry),
        }

    def close(self) -> None:
        """Stop workers and delete uploads."""
        self.jobs.close()
        shutil.rmtree(self._workdir, ignore_errors=True)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
