"""A record of submitted vendor jobs, so a rerun after a crash reuses a job instead of paying again.

The key is what determines the vendor's answer: the audio's content hash, the endpoint and the
options. The ledger is written ahead: the intent (status ``submitting``) before the request goes
out, the task id the moment the vendor returns it, before any waiting. So a crash while polling
loses nothing, and a submit whose answer never came back (a dropped connection, a crash in
between) is known to be **in doubt**: the vendor may have the job and charge it. An in-doubt
job is never submitted again on its own (:class:`SubmissionInDoubtError`); ``release_in_doubt``
is the deliberate way to do it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pipeline.errors import SubmissionInDoubtError, TransportError
from pipeline.fileio import write_text_atomic
from pipeline.vendors.http import is_undelivered

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

HASH_CHUNK = 1024 * 1024
LEDGER_NAME = ".jobs.json"  # the ledger's file name in an output folder
SUBMITTING = "submitting"   # the intent, written before the request goes out
IN_DOUBT = "in_doubt"       # the request went out, its answer did not come back
RESUBMIT = "resubmit"       # in doubt, and released by the user: submit again on purpose
EXPIRED = "expired"         # the vendor no longer knows the task id (results kept for a while only)
RESUBMIT_HINT = "rerun with --resubmit-in-doubt to submit it again (and maybe pay twice)"


def answer_was_lost(exc: BaseException) -> bool:
    """True when a failed submit may still have created the job at the vendor.

    A coded refusal or a connection that never opened created nothing; a cut connection, a read
    timeout or a 5xx after the request was sent may have.
    """
    if getattr(exc, "maybe_processed", False):
        return True
    cause = exc.__cause__ if isinstance(exc, TransportError) else exc
    return isinstance(cause, httpx.HTTPError) and not is_undelivered(cause)


def in_doubt_message(what: str, entry: dict[str, Any]) -> str:
    since = f" (sent {entry['intent_at']})" if entry.get("intent_at") else ""
    return (f"{what}: the submit was sent but its answer was lost{since}; the vendor may have accepted it and will "
            f"charge it; check the vendor's console, then {RESUBMIT_HINT}")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Content hash of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def job_key(vendor: str, endpoint: str, content_sha256: str, options: Any) -> str:
    """A stable key for "this content, sent to this endpoint with these options"."""
    material = json.dumps([vendor, endpoint, content_sha256, repr(options)], ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()


_LOCKS: dict[object, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(name: object) -> threading.Lock:
    # One lock per file (and per job key), shared by every ledger object: batch items run in threads.
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(name, threading.Lock())


@contextmanager
def _locked(lock_file: Path, thread_lock: threading.Lock) -> Iterator[None]:
    """Hold ``thread_lock`` and, across processes, an exclusive ``flock`` on ``lock_file``.

    ``flock`` (not POSIX record locks, which closing any descriptor of the file releases for the
    whole process) keeps other processes out: Dask worker processes, a second batch on the same
    folder. Where ``fcntl`` is missing (Windows) only the thread lock applies.
    """
    with thread_lock:
        if fcntl is None:
            yield
            return
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_file, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class JobLedger:
    """Task ids by job key, stored as JSON in ``path``; safe across threads and processes.

    Locks live in ``<path>.locks/`` (empty files; safe to delete when no run is active).
    """

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path).resolve()
        self._locks = self.path.with_name(self.path.name + ".locks")

    def _whole(self) -> AbstractContextManager[None]:
        return _locked(self._locks / "ledger", _lock_for(self.path))

    def _key(self, key: str) -> AbstractContextManager[None]:
        # One small lock file per job: a slow submit holds up only its own key.
        name = hashlib.sha256(key.encode()).hexdigest()[:24]
        return _locked(self._locks / name, _lock_for((self.path, key)))

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            # A ledger damaged by hand is not worth failing a run for; it is rewritten whole.
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> dict[str, Any] | None:
        with self._whole():
            return self._load().get(key)

    def record(self, key: str, **entry: Any) -> None:
        with self._whole():
            data = self._load()
            data[key] = {**data.get(key, {}), **entry}
            write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))

    def submit_once(self, key: str, submit: Callable[[], str], what: str = "submit",
                    before_intent: Callable[[], object] | None = None, **meta: Any) -> tuple[str, bool]:
        """The task id for ``key``: the recorded one, or ``submit()``'s, recorded at once.

        Returns (task id, whether it was reused). Two threads with the same key (the same clip
        twice in a batch) submit once: the second waits and reuses. A job marked "failed" is
        submitted again. The intent is recorded before ``submit()`` runs (``before_intent``, when
        given, runs just before that: a wait that belongs before the window); ``what`` names the
        item in the in-doubt message.

        Raises:
            SubmissionInDoubtError: an earlier submit of ``key`` (or this one) went out and its
                answer was lost; nothing is sent until ``release_in_doubt``.
        """
        with self._key(key):
            known = self.get(key) or {}
            if known.get("task_id") and known.get("status") not in ("failed", EXPIRED):
                return str(known["task_id"]), True
            if known.get("status") in (SUBMITTING, IN_DOUBT):
                # SUBMITTING here means the run that wrote it died between sending and recording.
                self.record(key, status=IN_DOUBT)
                raise SubmissionInDoubtError(in_doubt_message(what, known))
            if before_intent is not None:
                before_intent()  # waits that would widen the window between intent and request
            intent_at = time.strftime("%Y-%m-%d %H:%M:%S")
            if known.get("status") == RESUBMIT:
                meta["resubmitted_after_doubt"] = True  # the earlier, doubtful job may exist and be charged too
            if known.get("status") in ("failed", EXPIRED):
                # The vendor's job failed, or it no longer knows it: this one replaces it, on purpose.
                counter = "failed_jobs" if known["status"] == "failed" else "expired_jobs"
                meta[counter] = int(known.get(counter) or 0) + 1
            self.record(key, status=SUBMITTING, task_id=None, intent_at=intent_at, **meta)
            try:
                task_id = submit()
            except Exception as exc:
                if answer_was_lost(exc):
                    self.record(key, status=IN_DOUBT, error=str(exc)[:200])
                    raise SubmissionInDoubtError(in_doubt_message(what, {"intent_at": intent_at})) from exc
                # Refused or never delivered: nothing new exists at the vendor. What was known
                # before (a failed job and how many were paid for) stays for the next attempt.
                self.restore(key, known)
                raise
            except BaseException:
                # Interrupted while the request may be in flight: in doubt, as after a crash.
                self.record(key, status=IN_DOUBT)
                raise
            self.record(key, task_id=task_id, status="submitted", **meta)
            return task_id, False

    def in_doubt(self) -> list[str]:
        """Keys of submits whose answer was lost (or whose run died while sending)."""
        with self._whole():
            return [k for k, e in self._load().items() if e.get("status") in (SUBMITTING, IN_DOUBT)]

    def release_in_doubt(self) -> int:
        """Allow every in-doubt submit to be sent again (the user's deliberate choice); returns how many.

        Call only while no run uses this ledger: a ``submitting`` entry of a live run looks the same.
        """
        with self._whole():
            data = self._load()
            keys = [k for k, e in data.items() if e.get("status") in (SUBMITTING, IN_DOUBT)]
            for key in keys:
                data[key]["status"] = RESUBMIT
            if keys:
                write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
            return len(keys)

    def mark_task(self, task_id: str, status: str) -> None:
        """Set ``status`` on every entry that holds ``task_id``."""
        with self._whole():
            data = self._load()
            hits = [key for key, entry in data.items() if entry.get("task_id") == task_id]
            for key in hits:
                data[key]["status"] = status
            if hits:
                write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))

    def restore(self, key: str, entry: dict[str, Any]) -> None:
        """Put ``key`` back as ``entry`` (an empty one: as if never recorded)."""
        if not entry:
            self.forget(key)
            return
        with self._whole():
            data = self._load()
            data[key] = dict(entry)
            write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))

    def forget(self, key: str) -> None:
        with self._whole():
            data = self._load()
            if data.pop(key, None) is not None:
                write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
