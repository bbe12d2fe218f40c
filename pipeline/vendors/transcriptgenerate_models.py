"""What goes to and comes back from TranscriptGenerate: credentials, task options and the answers.

The client speaks HTTP; these records are what callers and flows hold: the key pair (secret
masked in repr), the task options checked before anything is sent, and the ``task/query``,
``quota/usage`` and ``quota/concurrency`` answers read leniently from the vendor's JSON
(numbers may arrive as strings, -1 means unlimited), every documented field kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline import errors

# Documented common codes; the full list lives on the vendor's site, so others are accepted if
# they look like language codes.
LANGUAGES = ("auto", "en", "ja", "ko", "zh", "fr", "de", "es")
_LANGUAGE_CODE = re.compile(r"^(auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")

STATUS_WAITING = "WAITING"
STATUS_SUCCESS = "SUCCESS"
STATUS_FAILURE = "FAILURE"


@dataclass(frozen=True)
class TranscriptGenerateCredentials:
    """``api_key`` identifies the account; ``api_secret`` is the secret (masked in repr)."""

    api_key: str
    api_secret: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TranscriptGenerateCredentials:
        """Read ``TRANSCRIPTGENERATE_API_KEY`` and ``TRANSCRIPTGENERATE_API_SECRET``.

        Raises:
            InputError: when either is missing.
        """
        env = os.environ if environ is None else environ
        names = ("TRANSCRIPTGENERATE_API_KEY", "TRANSCRIPTGENERATE_API_SECRET")
        missing = [name for name in names if not env.get(name)]
        if missing:
            raise errors.InputError(f"{' and '.join(missing)} not set; export them or use the sandbox (the default target)")
        return cls(env[names[0]], env[names[1]])

    def __repr__(self) -> str:
        return f"TranscriptGenerateCredentials(api_key={self.api_key!r}, api_secret='***')"


@dataclass(frozen=True)
class TaskOptions:
    """``target_language``: "auto" keeps the spoken language; a code such as "en" translates
    (members only, so the vendor answers 601 for other plans)."""

    target_language: str = "auto"

    def __post_init__(self) -> None:
        if not _LANGUAGE_CODE.match(self.target_language or ""):
            raise errors.InputError(
                f"target_language={self.target_language!r} is not a language code; use one of {', '.join(LANGUAGES)}"
            )


@dataclass(frozen=True)
class TranscriptTask:
    """One ``task/query`` answer, every documented field (``None`` where the vendor sent none).

    ``error_message`` is the vendor's status text for every status ("Video processing
    succeeded!" included); ``text_content`` and ``title`` come only with SUCCESS.
    """

    task_id: str
    status: str
    error_message: str | None = None
    text_content: str | None = None
    title: str | None = None
    platform: str | None = None
    duration: float | None = None
    video_url: str | None = None
    work_url: str | None = None
    cover: str | None = None
    create_time: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TranscriptTask:
        return cls(
            task_id=str(data.get("taskId") or ""),
            status=str(data.get("status") or "").upper(),
            error_message=_text(data.get("errorMessage")),
            text_content=_text(data.get("textContent")),
            title=_text(data.get("title")),
            platform=_text(data.get("platform")),
            duration=_number(data.get("duration")),
            video_url=_text(data.get("videoUrl")),
            work_url=_text(data.get("workUrl")),
            cover=_text(data.get("cover")),
            create_time=_text(data.get("createTime")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class QuotaUsage:
    """Remaining transcription time. Every amount is ``None`` when unlimited (the vendor's -1)
    or not sent (unlimited accounts get no ``totalMinutes``)."""

    unlimited: bool
    available_seconds: float | None = None
    available_minutes: float | None = None
    total_seconds: float | None = None
    total_minutes: float | None = None
    used_seconds: float | None = None
    used_minutes: float | None = None
    deduction_type: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> QuotaUsage:
        unlimited = bool(data.get("unlimited")) or _number(data.get("availableSeconds")) == -1
        return cls(
            unlimited=unlimited,
            available_seconds=_amount(data.get("availableSeconds")),
            available_minutes=_amount(data.get("availableMinutes")),
            total_seconds=_amount(data.get("totalSeconds")),
            total_minutes=_amount(data.get("totalMinutes")),
            used_seconds=_amount(data.get("usedSeconds")),
            used_minutes=_amount(data.get("usedMinutes")),
            deduction_type=_text(data.get("deductionType")),
        )

    def covers(self, seconds: float) -> bool:
        """True when ``seconds`` of video fit in what is left (always true when unlimited)."""
        return self.unlimited or (self.available_seconds or 0.0) >= seconds


@dataclass(frozen=True)
class ConcurrencyStatus:
    """``quota/concurrency``: running tasks, the account's maximum, free slots."""

    current: int
    maximum: int
    available: int
    can_add_task: bool

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ConcurrencyStatus:
        available = int(_number(data.get("availableConcurrency")) or 0)
        can_add = data.get("canAddTask")
        return cls(
            current=int(_number(data.get("currentConcurrency")) or 0),
            maximum=int(_number(data.get("maxConcurrency")) or 0),
            available=available,
            can_add_task=bool(can_add) if can_add is not None else available > 0,
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any) -> float | None:
    """Numbers arrive as numbers or strings ("60.0"); anything else is treated as absent."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _amount(value: Any) -> float | None:
    number = _number(value)
    return None if number is None or number == -1 else number


__all__ = [
    "LANGUAGES",
    "STATUS_FAILURE",
    "STATUS_SUCCESS",
    "STATUS_WAITING",
    "ConcurrencyStatus",
    "QuotaUsage",
    "TaskOptions",
    "TranscriptGenerateCredentials",
    "TranscriptTask",
]
