"""TranscriptGenerate open API as ``vendor-docs/transcriptgenerate-open-api.txt`` describes it.

Routes, under the real prefix ``/open-gateway/transcript-api/v1``:

    POST task/create         {"workUrl", "targetLanguage"?} → taskId, status WAITING
    GET  task/query?taskId=  WAITING → SUCCESS (every documented field) or FAILURE
    GET  quota/usage         limited or unlimited shape
    GET  quota/concurrency   live numbers for the calling key

Every answer is ``{"code", "msg", "data"}``. HTTP status: 200 for code 200, 401 for 401, 500
for 500 (the document's HTTP table); code 601 has no HTTP row, so it comes with HTTP
``warning_http_status`` (default 200). Credentials are the headers ``X-API-Key`` and
``X-API-Secret`` (``TranscriptGenerateConfig``; more keys in ``extra_accounts``).

task/create checks, in this order (first failing one answers):

    500 Video URL cannot be empty                         workUrl missing or blank
    500 The URL is too long …                             input longer than ``max_url_chars``
    500 Failed to extract a valid platform URL …          no http(s) link naming a work
    500 This platform is not supported …                  a link from a platform outside ``platforms``
    601 API access is available for Professional …        ``professional=False``
    601 Multi-language translation … members only …       targetLanguage not auto and ``member=False``
    601 Concurrency limit reached …                       ``max_concurrency`` tasks of this key WAITING
    601 Insufficient quota remaining …                    see "Quota" below

**Quota** is checked at create, because the sandbox knows the video's duration the moment
the link resolves (a real service would learn it while downloading; checking early spares the
client a task that can only fail). A task is refused when the available seconds minus the
seconds held by this key's still-WAITING tasks are fewer than the video's duration (rounded
up to whole seconds). The duration is deducted once, when the task is seen to succeed;
FAILURE costs nothing. So quota never goes negative and a created task never fails for quota.
``total_seconds=None`` is the unlimited account (the document's second usage shape).

**Text.** The sandbox recognises no speech: ``textContent`` is the transcript registered for
the resolved media (matched by loudness fingerprint through ``speech.TranscriptRegistry``),
else ``speech.PLACEHOLDER_TEXT``. A translation request returns the translation registered
with that transcript (``X.<lang>.txt`` beside ``X.txt``, e.g. ``samples/zh_demo.en.txt``);
without one, the transcript itself prefixed with ``[sandbox translation to xx]``: the sandbox
never translates. The share link resolves to a sample
through ``media_library``; ``videoUrl`` and ``cover`` are expiring sandbox links, fresh on every
query. ``createTime`` is China Standard Time, "YYYY-MM-DD HH:MM:SS"; task ids are 19-digit
numbers, as in the document.

Fault injection: ``FaultConfig.errors`` on ``transcriptgenerate.task.create``,
``transcriptgenerate.task.query``, ``transcriptgenerate.quota.usage``,
``transcriptgenerate.quota.concurrency`` answer the rule's code (message: the rule's, else a
standard one); ``FaultConfig.task_errors`` on ``transcriptgenerate.task.create`` make the task
end in FAILURE with the rule's message (default "Video processing failed!").
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, request_response

from pipeline.errors import NotMediaError
from pipeline.sandbox import media_library, speech
from pipeline.sandbox.faults import FaultGuard
from pipeline.sandbox.media_library import MediaLibrary, Work, WorkUrlError
from pipeline.sandbox.state import Job, JobOutcome, SandboxState

VENDOR = "transcriptgenerate"
PREFIX = "/open-gateway/transcript-api/v1"
CHINA = timezone(timedelta(hours=8))

WAITING, SUCCESS, FAILURE = "WAITING", "SUCCESS", "FAILURE"

MSG_AUTH_MISSING = "Missing API Key or Secret. Please include X-API-Key and X-API-Secret in the request headers."
MSG_AUTH_INVALID = "Invalid API Key or Secret. Please check your credentials."
MSG_EMPTY = "Video URL cannot be empty"
MSG_UNRECOGNISED = "Failed to extract a valid platform URL from the input"
MSG_UNSUPPORTED = "This platform is not supported. Please try a different URL."
MSG_TOO_LONG = "The URL is too long. Please check and try again."
MSG_NOT_PROFESSIONAL = "API access is available for Professional members only. Please upgrade your plan."
MSG_CONCURRENCY = "Concurrency limit reached. Please wait for existing tasks to complete."
MSG_QUOTA = "Insufficient quota remaining. Please upgrade your plan."
MSG_TRANSLATION = "Multi-language translation is available for members only. Please upgrade your plan."
MSG_TASK_ID_EMPTY = "Task ID cannot be empty"
MSG_TASK_NOT_FOUND = "Task not found"
MSG_NO_PERMISSION = "You do not have permission to access this task"
MSG_SUBMITTED = "Task submitted, processing in progress"
MSG_SUCCEEDED = "Video processing succeeded!"
MSG_FAILED = "Video processing failed!"
MSG_SYSTEM = "System error, please try again later"
URL_ERRORS = {"empty": MSG_EMPTY, "too_long": MSG_TOO_LONG, "unrecognised": MSG_UNRECOGNISED,
              "unsupported": MSG_UNSUPPORTED}
# Standard text for an injected business error that names no message.
DEFAULT_MESSAGES = {401: MSG_AUTH_INVALID, 500: MSG_SYSTEM, 601: MSG_CONCURRENCY}


@dataclass(frozen=True)
class TranscriptGenerateConfig:
    """The account the sandbox plays. Secrets are kept out of ``repr`` so they never reach logs.

    Attributes:
        api_key, api_secret: the credentials accepted (``X-API-Key`` / ``X-API-Secret``).
        extra_accounts: more key → secret pairs (each its own account: tasks, quota, slots).
        professional: False answers every create with the Professional-members-only 601.
        member: False refuses translation (targetLanguage other than auto) with 601.
        max_concurrency: WAITING tasks per key before "Concurrency limit reached".
        total_seconds: quota per key in seconds; None is an unlimited account.
        deduction_type: "monthly" or "daily", reported by quota/usage (nothing resets in a sandbox run).
        platforms: platform codes accepted in workUrl (the document's table).
        max_url_chars: longer workUrl input is "too long".
        warning_http_status: HTTP status sent with code 601 (the document gives none).
    """

    api_key: str = "ak_sandbox"
    api_secret: str = field(default="sk_sandbox", repr=False)
    extra_accounts: Mapping[str, str] = field(default_factory=dict, repr=False)
    professional: bool = True
    member: bool = True
    max_concurrency: int = 2
    total_seconds: int | None = 7200
    deduction_type: str = "monthly"
    platforms: tuple[str, ...] = ("DOUYIN", "XHS", "KUAISHOU")
    max_url_chars: int = 2048
    warning_http_status: int = 200

    def secret_for(self, key: str) -> str | None:
        """The secret of ``key``, or None for a key the sandbox does not know."""
        if key == self.api_key:
            return self.api_secret
        return self.extra_accounts.get(key)


class Refusal(Exception):
    """An answer with a non-200 code, raised to leave a handler early."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Task:
    """One created task: who made it, what it resolved to, and whether its quota was settled."""

    task_id: str
    account: str
    job: Job
    work: Work
    target_language: str
    create_time: str
    billed_seconds: int
    settled: bool = False

    def status(self, now: float | None = None) -> str:
        if not self.job.finished(now) or self.job.outcome is None:
            return WAITING
        return FAILURE if self.job.outcome.failed else SUCCESS


def china_time() -> str:
    """Now as the vendor writes it ("2026-06-04 17:30:00", China Standard Time)."""
    return datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def minutes(seconds: float) -> str:
    """Minutes as the document shows them: a string with one decimal ("60.0")."""
    return f"{seconds / 60:.1f}"


def transcript_work(state: SandboxState, library: MediaLibrary, work: Work, duration_s: float,
                    task_error: tuple[int | str, str] | None) -> JobOutcome:
    """What the job thread does: measure the media and find its registered transcript.

    Undecodable media or media without sound ends in FAILURE, as a failed extraction would.
    """
    try:
        analysis = library.analysis(work.media)
    except NotMediaError:
        return JobOutcome(error_code=FAILURE, error_message=MSG_FAILED, audio_s=duration_s)
    if task_error is not None:
        return JobOutcome(error_code=task_error[0], error_message=task_error[1], audio_s=duration_s)
    if analysis.is_silent:
        return JobOutcome(error_code=FAILURE, error_message=MSG_FAILED, audio_s=duration_s)
    found = state.registry.lookup(analysis)
    text, translations = found if found else (speech.PLACEHOLDER_TEXT, {})
    return JobOutcome(result={"text": text.strip(), "translations": {k: v.strip() for k, v in translations.items()}},
                      audio_s=duration_s)


class TranscriptGenerateSandbox:
    """The four endpoints over one ``SandboxState``; accounts are API keys."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.options: TranscriptGenerateConfig = state.config.vendor(VENDOR, TranscriptGenerateConfig)
        self.library: MediaLibrary = media_library.library_for(state)
        self.tasks: dict[str, Task] = {}
        self.used_seconds: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # ---- answers

    def answer(self, data: Mapping[str, Any], msg: str = "Success") -> JSONResponse:
        return JSONResponse({"code": 200, "msg": msg, "data": dict(data)})

    def refuse(self, refusal: Refusal) -> JSONResponse:
        if refusal.code in (401, 500):
            status = refusal.code
        elif refusal.code == 601:
            status = self.options.warning_http_status
        else:
            status = 200
        return JSONResponse({"code": refusal.code, "msg": refusal.message, "data": None}, status_code=status)

    # ---- checks every request passes

    def authorise(self, request: Request, endpoint: str) -> str:
        """Key and secret, then injected errors; returns the key (the account)."""
        self.state.count_request(endpoint)
        key = request.headers.get("x-api-key", "")
        secret = request.headers.get("x-api-secret", "")
        if not key or not secret:
            raise Refusal(401, MSG_AUTH_MISSING)
        if self.options.secret_for(key) != secret:
            raise Refusal(401, MSG_AUTH_INVALID)
        rule = self.state.faults.pick_error(endpoint)
        if rule is not None:
            code = int(rule.code) if str(rule.code).isdigit() else 500
            raise Refusal(code, rule.message or DEFAULT_MESSAGES.get(code, MSG_SYSTEM))
        return key

    # ---- accounting

    def settle(self) -> None:
        """Deduct the quota of tasks now visibly SUCCESS, exactly once each."""
        now = time.monotonic()
        with self._lock:
            for task in self.tasks.values():
                if not task.settled and task.status(now) != WAITING:
                    task.settled = True
                    if task.status(now) == SUCCESS:
                        self.used_seconds[task.account] = self.used_seconds.get(task.account, 0) + task.billed_seconds

    def waiting(self, account: str) -> list[Task]:
        now = time.monotonic()
        with self._lock:
            return [t for t in self.tasks.values() if t.account == account and t.status(now) == WAITING]

    def available(self, account: str) -> int | None:
        """Seconds left for ``account`` (None: unlimited)."""
        total = self.options.total_seconds
        return None if total is None else max(0, total - self.used_seconds.get(account, 0))

    def new_task_id(self) -> str:
        """A 19-digit id like the vendor's (milliseconds since 2000, then a sequence number)."""
        millis = int(time.time() * 1000) - 946_684_800_000
        return str(1_000_000_000_000_000_000 + millis * 1000 + next(self._ids) % 1000)

    # ---- task/create

    async def create_body(self, request: Request) -> tuple[str, str]:
        """(workUrl, targetLanguage) from the JSON body; a body that is not JSON counts as empty."""
        try:
            data = json.loads(await request.body() or b"{}")
        except (ValueError, UnicodeDecodeError):
            data = {}
        data = data if isinstance(data, dict) else {}
        work_url = data.get("workUrl")
        language = data.get("targetLanguage")
        return (work_url if isinstance(work_url, str) else "",
                language.strip() if isinstance(language, str) and language.strip() else "auto")

    def check_work_url(self, work_url: str) -> Work:
        try:
            url, platform = media_library.parse_work_url(work_url, self.options.platforms, self.options.max_url_chars)
        except WorkUrlError as error:
            raise Refusal(500, URL_ERRORS[error.kind]) from None
        try:
            return self.library.resolve(url, platform)
        except LookupError:
            raise Refusal(500, MSG_SYSTEM) from None

    def admit(self, account: str, language: str, billed_seconds: int = 0) -> None:
        """Membership, translation, slots and quota, in the module's documented order.

        Called once before the media is probed (so cheap refusals cost no ffprobe) and once
        after with its duration; nothing awaits between the second call and the task's creation,
        so two concurrent creates cannot both take the last slot or the last seconds.
        """
        if not self.options.professional:
            raise Refusal(601, MSG_NOT_PROFESSIONAL)
        if language.lower() != "auto" and not self.options.member:
            raise Refusal(601, MSG_TRANSLATION)
        waiting = self.waiting(account)
        if len(waiting) >= self.options.max_concurrency:
            raise Refusal(601, MSG_CONCURRENCY)
        available = self.available(account)
        held = sum(t.billed_seconds for t in waiting)
        if available is not None and available - held < billed_seconds:
            raise Refusal(601, MSG_QUOTA)

    async def create(self, request: Request) -> JSONResponse:
        endpoint = f"{VENDOR}.task.create"
        try:
            account = self.authorise(request, endpoint)
            self.settle()
            work_url, language = await self.create_body(request)
            work = self.check_work_url(work_url)
            self.admit(account, language)
            duration_s = await run_in_threadpool(self.duration_of, work)
            self.admit(account, language, math.ceil(duration_s))  # again: other creates ran while probing
        except Refusal as refusal:
            return self.refuse(refusal)
        task = self.start(account, work, language, duration_s, endpoint)
        return self.answer({"taskId": task.task_id, "status": WAITING, "message": MSG_SUBMITTED}, msg="Task submitted")

    def duration_of(self, work: Work) -> float:
        try:
            return self.library.probe(work.media).duration_s
        except NotMediaError:
            raise Refusal(500, MSG_SYSTEM) from None

    def start(self, account: str, work: Work, language: str, duration_s: float, endpoint: str) -> Task:
        rule = self.state.faults.pick_task_error(endpoint)
        task_error = (FAILURE, rule.message or MSG_FAILED) if rule else None
        job = self.state.jobs.create(VENDOR, "task", account,
                                     lambda: transcript_work(self.state, self.library, work, duration_s, task_error),
                                     {"workUrl": work.url, "targetLanguage": language})
        task = Task(self.new_task_id(), account, job, work, language, china_time(), math.ceil(duration_s))
        with self._lock:
            self.tasks[task.task_id] = task
        self.state.submissions.count_submission(f"{VENDOR}.task", url=work.url)
        self.state.submissions.count_content(f"{VENDOR}.task", self.library.sha256(work.media))
        return task

    # ---- task/query

    async def query(self, request: Request) -> JSONResponse:
        endpoint = f"{VENDOR}.task.query"
        try:
            account = self.authorise(request, endpoint)
            self.settle()
            task = self.find(request.query_params.get("taskId", "").strip(), account)
        except Refusal as refusal:
            return self.refuse(refusal)
        status = task.status()
        data: dict[str, Any] = {"taskId": task.task_id, "status": status, "errorMessage": None,
                                "createTime": task.create_time}
        if status == FAILURE:
            assert task.job.outcome is not None
            data["errorMessage"] = task.job.outcome.error_message or MSG_FAILED
        elif status == SUCCESS:
            data.update(await run_in_threadpool(self.success_fields, request, task))
        return self.answer(data)

    def find(self, task_id: str, account: str) -> Task:
        if not task_id:
            raise Refusal(500, MSG_TASK_ID_EMPTY)
        with self._lock:
            task = self.tasks.get(task_id)
        if task is None:
            raise Refusal(500, MSG_TASK_NOT_FOUND)
        if task.account != account:
            raise Refusal(500, MSG_NO_PERMISSION)
        return task

    def success_fields(self, request: Request, task: Task) -> dict[str, Any]:
        """The SUCCESS-only fields; links are minted fresh and expire after the library's TTL."""
        assert task.job.outcome is not None
        text = task.job.outcome.result["text"]
        language = task.target_language.lower()
        if language != "auto":
            registered = task.job.outcome.result.get("translations", {}).get(language)
            text = registered or f"[sandbox translation to {task.target_language}] {text}"
        media = task.work.media
        return {
            "errorMessage": MSG_SUCCEEDED,
            "textContent": text,
            "title": task.work.title,
            "platform": task.work.platform,
            "duration": round(task.job.outcome.audio_s, 2),
            "videoUrl": self.library.link(request, media, f"{task.work.work_id}{media.suffix}"),
            "workUrl": task.work.url,
            "cover": self.library.link(request, self.library.cover(media), f"{task.work.work_id}.jpg"),
        }

    # ---- quota

    async def usage(self, request: Request) -> JSONResponse:
        try:
            account = self.authorise(request, f"{VENDOR}.quota.usage")
        except Refusal as refusal:
            return self.refuse(refusal)
        self.settle()
        used = self.used_seconds.get(account, 0)
        total = self.options.total_seconds
        if total is None:
            return self.answer({"unlimited": True, "availableSeconds": -1, "availableMinutes": -1,
                                "totalSeconds": -1, "usedSeconds": used})
        available = max(0, total - used)
        return self.answer({
            "unlimited": False, "availableSeconds": available, "availableMinutes": minutes(available),
            "totalSeconds": total, "totalMinutes": minutes(total), "usedSeconds": used,
            "usedMinutes": minutes(used), "deductionType": self.options.deduction_type,
        })

    async def concurrency(self, request: Request) -> JSONResponse:
        try:
            account = self.authorise(request, f"{VENDOR}.quota.concurrency")
        except Refusal as refusal:
            return self.refuse(refusal)
        self.settle()
        current = len(self.waiting(account))
        maximum = self.options.max_concurrency
        available = max(0, maximum - current)
        return self.answer({"currentConcurrency": current, "maxConcurrency": maximum,
                            "availableConcurrency": available, "canAddTask": available > 0})


def routes(state: SandboxState) -> list[BaseRoute]:
    """The TranscriptGenerate routes under their real paths, plus the sandbox's file links."""
    app = TranscriptGenerateSandbox(state)
    table = (
        ("/task/create", "POST", "task.create", app.create),
        ("/task/query", "GET", "task.query", app.query),
        ("/quota/usage", "GET", "quota.usage", app.usage),
        ("/quota/concurrency", "GET", "quota.concurrency", app.concurrency),
    )
    return [
        Route(PREFIX + path, FaultGuard(request_response(handler), state.faults, f"{VENDOR}.{name}"), methods=[method])
        for path, method, name, handler in table
    ] + media_library.file_routes(state)


__all__ = ["PREFIX", "TranscriptGenerateConfig", "TranscriptGenerateSandbox", "routes"]
