"""A record of submitted vendor jobs, so a rerun after a crash reuses a job instead of paying again.

The key is what determines the vendor's answer: the audio's content hash, the endpoint and the
options. The record is written (atomically) the moment the vendor returns a task id, before
any waiting, so a crash while polling loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.fileio import write_text_atomic

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

HASH_CHUNK = 1024 * 1024


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

    def submit_once(self, key: str, submit: Callable[[], str], **meta: Any) -> tuple[str, bool]:
        """The task id for ``key``: the recorded one, or ``submit()``'s, recorded at once.

        Returns (task id, whether it was reused). Two threads with the same key (the same clip
        twice in a batch) submit once: the second waits and reuses. A job marked "failed" is
        submitted again.
        """
        with self._key(key):
            known = self.get(key)
            if known and known.get("task_id") and known.get("status") != "failed":
                return str(known["task_id"]), True
            task_id = submit()
            self.record(key, task_id=task_id, status="submitted", **meta)
            return task_id, False

    def mark_task(self, task_id: str, status: str) -> None:
        """Set ``status`` on every entry that holds ``task_id``."""
        with self._whole():
            data = self._load()
            hits = [key for key, entry in data.items() if entry.get("task_id") == task_id]
            for key in hits:
                data[key]["status"] = status
            if hits:
                write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))

    def forget(self, key: str) -> None:
        with self._whole():
            data = self._load()
            if data.pop(key, None) is not None:
                write_text_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
