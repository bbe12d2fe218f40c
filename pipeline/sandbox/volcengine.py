"""Volcengine caption (音视频字幕生成) and ATA (自动字幕打轴) as their documents describe them.

Routes, under the real prefix ``/api/v1/vc``:

    POST /submit        caption: JSON {"url"} or a raw audio body (Content-Type audio/* or video/*)
    GET  /query         caption result
    POST /ata/submit    ATA: multipart (file ``data``, text ``audio-text``), JSON {"url", "audio_text"},
                        or a raw audio body with ``audio_text`` in the query string
    GET  /ata/query     ATA result

Every answer is HTTP 200 with ``{"code", "message", ...}``; codes are ints except on ATA
submit, whose document shows ``"code": "0"`` (``SandboxConfig.code_as_string`` makes all
of them strings, as some deployments do).

Where each code is answered — the client must handle both places for the audio codes:

    at submit   1001 missing/invalid parameters, unsupported Content-Type, empty body,
                     non-http(s) URL, duplicate request (only with ``reject_duplicates``)
                1002 bad ``Authorization: Bearer; {token}`` or wrong appid
                1003 QPS limit of the appid exceeded (also on query)
                1004 call allowance used up (accepted submissions per appid)
                1005 busy: ``max_running_jobs`` unfinished jobs
                1011 uploaded body larger than ``max_upload_bytes``
    at query    1001 missing id / unknown id ("task not found")
                1001 URL mode: the audio URL could not be downloaded
                1011 URL mode: the downloaded audio is too large
                1012 not decodable by ffprobe/ffmpeg, or no audio stream
                1010 longer than ``max_duration_s``
                1013 no speech detected
                1020/1021/1022/1099 from ``FaultConfig.task_errors`` (or ``errors`` on a query endpoint)
                2000 still processing; 0 with utterances when done

Any request-level code can also be injected with ``FaultConfig.errors`` on the endpoints
``volcengine.caption.submit``, ``volcengine.caption.query``, ``volcengine.ata.submit``,
``volcengine.ata.query``.

Caption text follows the official parameter notes: punctuation only with ``use_punc=True``
*and* ``caption_type=speech`` (both default otherwise: ``use_punc`` False, ``caption_type``
auto). ``use_itn`` is accepted and does nothing (the sandbox returns registered text as is);
``use_capitalize`` (default True) upper-cases a first lower-case letter; ``max_lines`` multiplies
``words_per_line`` into the longest utterance, and no line breaks
are inserted into the text. ``with_speaker_info=True`` adds ``"attribute": {"speaker": "1"}``
to each utterance and each of its words, as the parameter notes say, but only where the
registered transcript names its speakers (``X.speakers.txt``): the sandbox tells no voices
apart, so it invents none.

This module is the app: the endpoints and the checks every request passes. The pieces it
stands on have their own modules: ``volcengine_codes`` (codes, messages, ``Refusal``),
``volcengine_params`` (submit parameters), ``volcengine_requests`` (reading bodies),
``volcengine_jobs`` (a job's work: fetch, check, shape) and ``volcengine_shaping``
(the text options applied to timed sentences).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, request_response

from pipeline.sandbox import speech
from pipeline.sandbox.faults import FaultGuard
from pipeline.sandbox.state import Job, SandboxState
from pipeline.sandbox.volcengine_codes import MESSAGES, PROCESSING, Refusal, describe
from pipeline.sandbox.volcengine_jobs import AudioSource, job_work
from pipeline.sandbox.volcengine_params import AtaParams, CaptionParams
from pipeline.sandbox.volcengine_requests import (
    SUFFIXES,
    body_capped,
    body_to_file,
    checked_url,
    is_audio_type,
    json_body,
    media_type,
    parse_multipart,
)
from pipeline.sandbox.volcengine_shaping import ata_shaper, caption_shaper

VENDOR = "volcengine"
PREFIX = "/api/v1/vc"


@dataclass(frozen=True)
class VolcengineConfig:
    """Credentials the sandbox accepts. The token is kept out of ``repr`` so it never lands in logs."""

    appid: str = "sandbox-appid"
    token: str = field(default="sandbox-token", repr=False)


# --------------------------------------------------------------------------- the app


class VolcengineSandbox:
    """The four endpoints over one ``SandboxState``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.options: VolcengineConfig = state.config.vendor(VENDOR, VolcengineConfig)

    # ---- answers

    def answer(self, code: int | str, message: str, *, string_code: bool = False, **extra: Any) -> JSONResponse:
        as_string = string_code or self.state.config.code_as_string
        value: int | str = str(code) if as_string else (int(code) if str(code).lstrip("-").isdigit() else code)
        return JSONResponse({**extra, "code": value, "message": message})

    # ---- checks every request passes

    def authorise(self, request: Request, endpoint: str) -> str:
        """appid, token, QPS and injected errors; returns the appid (the account)."""
        self.state.count_request(endpoint)
        appid = request.query_params.get("appid", "")
        if not appid:
            raise Refusal(1001, "appid is required in the query string")
        if request.headers.get("authorization", "") != f"Bearer; {self.options.token}":
            raise Refusal(1002, 'send the header "Authorization: Bearer; {token}" (with the semicolon)')
        if appid != self.options.appid:
            raise Refusal(1002, "appid not granted for this token")
        if not self.state.rate.allow(appid, self.state.config.qps_limit):
            raise Refusal(1003)
        rule = self.state.faults.pick_error(endpoint)
        if rule is not None:
            raise Refusal(rule.code, message=rule.message)
        return appid

    def admit(self, appid: str) -> None:
        """Allowance and load, checked once a submission is known to be valid."""
        limit = self.state.config.max_running_jobs
        if limit is not None and self.state.jobs.running() >= limit:
            raise Refusal(1005, f"{limit} tasks still processing")
        if not self.state.use_allowance(appid):
            raise Refusal(1004)

    def refuse_duplicate(self, api: str, sha256: str | None, url: str | None) -> None:
        if self.state.config.reject_duplicates and self.state.submissions.seen(api, sha256, url):
            raise Refusal(1001, "duplicate request: this audio was already submitted")

    def start_job(self, kind: str, appid: str, endpoint: str, source: AudioSource, sha256: str | None,
                  shape: Callable[[speech.AudioAnalysis], list[dict[str, Any]]], params: Mapping[str, Any]) -> str:
        api = f"{VENDOR}.{kind}"
        self.refuse_duplicate(api, sha256, source.url)
        self.admit(appid)
        rule = self.state.faults.pick_task_error(endpoint)
        task_error = (rule.code, rule.message or describe(rule.code)) if rule else None
        work = job_work(self.state, api, source, task_error, shape)
        job = self.state.jobs.create(VENDOR, kind, appid, work, params)
        self.state.submissions.count_submission(api, sha256, source.url)
        return job.id

    async def uploaded(self, request: Request) -> tuple[AudioSource, str | None]:
        target = self.state.new_upload_path(SUFFIXES.get(media_type(request), ".bin"))
        _, sha256 = await body_to_file(request, target, self.state.config.max_upload_bytes)
        return AudioSource(path=target), sha256

    # ---- caption

    async def caption_source(self, request: Request) -> tuple[AudioSource, str | None]:
        """(audio, its sha256 if uploaded) from a JSON {"url"} or a raw audio body."""
        kind = media_type(request)
        if kind == "application/json":
            return AudioSource(url=checked_url(await json_body(request))), None
        if is_audio_type(kind):
            return await self.uploaded(request)
        raise Refusal(1001, f"Content-Type {kind or '(none)'} not accepted: send application/json or audio/<ext>")

    async def caption_submit(self, request: Request) -> JSONResponse:
        endpoint = f"{VENDOR}.caption.submit"
        source: AudioSource | None = None
        try:
            appid = self.authorise(request, endpoint)
            params = CaptionParams.from_query(request.query_params)
            source, sha256 = await self.caption_source(request)
            job_id = self.start_job("caption", appid, endpoint, source, sha256,
                                    caption_shaper(self.state, params), vars(params))
        except Refusal as refusal:
            if source is not None and source.path is not None:
                source.path.unlink(missing_ok=True)
            return self.answer(refusal.code, refusal.text)
        return self.answer(0, "Success", id=job_id)

    # ---- ATA

    async def ata_source(self, request: Request) -> tuple[AudioSource, str | None, str]:
        """(audio, its sha256 if uploaded, the text) from any of the three request shapes."""
        kind = media_type(request)
        if kind == "multipart/form-data":
            body = await body_capped(request, self.state.config.max_upload_bytes + 1024 * 1024)
            fields = parse_multipart(body, request.headers["content-type"])
            data = fields.get("data")
            if not data:
                raise Refusal(1001, "multipart field data (the audio file) is required")
            if len(data) > self.state.config.max_upload_bytes:
                raise Refusal(1011, f"{len(data)} bytes exceeds {self.state.config.max_upload_bytes} bytes")
            text = (fields.get("audio-text") or fields.get("audio_text") or b"").decode("utf-8", "replace")
            target = self.state.new_upload_path(".bin")
            target.write_bytes(data)
            return AudioSource(path=target), hashlib.sha256(data).hexdigest(), text
        if kind == "application/json":
            payload = await json_body(request)
            audio_text = payload.get("audio_text")
            return AudioSource(url=checked_url(payload)), None, audio_text if isinstance(audio_text, str) else ""
        if is_audio_type(kind):
            source, sha256 = await self.uploaded(request)
            return source, sha256, request.query_params.get("audio_text", "")
        raise Refusal(1001, f"Content-Type {kind or '(none)'} not accepted: send multipart/form-data, JSON or audio/<ext>")

    async def ata_submit(self, request: Request) -> JSONResponse:
        endpoint = f"{VENDOR}.ata.submit"
        source: AudioSource | None = None
        try:
            appid = self.authorise(request, endpoint)
            params = AtaParams.from_query(request.query_params)
            source, sha256, text = await self.ata_source(request)
            if not any(t.weight for s in speech.split_sentences(text) for t in speech.tokenize(s)):
                raise Refusal(1001, "audio_text (multipart field audio-text) is required")
            job_id = self.start_job("ata", appid, endpoint, source, sha256, ata_shaper(text, params),
                                    {**vars(params), "audio_text_chars": len(text)})
        except Refusal as refusal:
            if source is not None and source.path is not None:
                source.path.unlink(missing_ok=True)
            return self.answer(refusal.code, refusal.text, string_code=True)
        return self.answer("0", "Success", string_code=True, id=job_id)

    # ---- queries

    async def query(self, request: Request, kind: str) -> JSONResponse:
        endpoint = f"{VENDOR}.{kind}.query"
        job_id = request.query_params.get("id", "")
        try:
            appid = self.authorise(request, endpoint)
            if not job_id:
                raise Refusal(1001, "id is required")
            job = self.state.jobs.get(job_id)
            if job is None or job.vendor != VENDOR or job.kind != kind or job.account != appid:
                raise Refusal(1001, f"task not found: {job_id}")
            blocking = request.query_params.get("blocking", "1")
            if blocking not in {"0", "1"}:
                raise Refusal(1001, f"blocking must be 0 or 1, got {blocking!r}")
            if blocking == "1":
                await self.hold(job)
        except Refusal as refusal:
            extra: dict[str, Any] = {"id": job_id} if job_id else {}  # fields of the JSON answer (answer()'s **extra)
            return self.answer(refusal.code, refusal.text, **extra)
        if not job.finished() or job.outcome is None:
            return self.answer(PROCESSING, MESSAGES[PROCESSING], id=job.id)
        if job.outcome.failed:
            assert job.outcome.error_code is not None
            return self.answer(job.outcome.error_code, job.outcome.error_message, id=job.id)
        return self.answer(0, "Success", id=job.id, **job.outcome.result)

    async def hold(self, job: Job) -> None:
        """Wait for the job to finish, at most ``max_hold_s`` (then the answer is 2000)."""
        deadline = time.monotonic() + self.state.config.max_hold_s
        while not job.finished():
            now = time.monotonic()
            if now >= deadline:
                return
            left = job.seconds_left(now)
            await asyncio.sleep(min(deadline - now, left if left is not None else 0.02, 0.05) or 0.001)

    async def caption_query(self, request: Request) -> JSONResponse:
        return await self.query(request, "caption")

    async def ata_query(self, request: Request) -> JSONResponse:
        return await self.query(request, "ata")


def routes(state: SandboxState) -> list[BaseRoute]:
    """The Volcengine routes under their real paths, each behind the transport-fault guard."""
    app = VolcengineSandbox(state)
    table = (
        ("/submit", "POST", "caption.submit", app.caption_submit),
        ("/query", "GET", "caption.query", app.caption_query),
        ("/ata/submit", "POST", "ata.submit", app.ata_submit),
        ("/ata/query", "GET", "ata.query", app.ata_query),
    )
    return [
        Route(PREFIX + path, FaultGuard(request_response(handler), state.faults, f"{VENDOR}.{name}"), methods=[method])
        for path, method, name, handler in table
    ]
