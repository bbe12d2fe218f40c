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
are inserted into the text.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, request_response

from pipeline.errors import NotMediaError
from pipeline.media.probe import probe
from pipeline.sandbox import speech
from pipeline.sandbox.faults import FaultGuard
from pipeline.sandbox.state import Job, JobOutcome, SandboxState, sha256_file
from pipeline.transcript import Utterance, Word

VENDOR = "volcengine"
PREFIX = "/api/v1/vc"
LANGUAGES = frozenset({"zh-CN", "en-US", "ja-JP", "ko-KR", "es-MX", "ru-RU", "fr-FR", "yue", "wuu", "nan", "ug"})
CAPTION_TYPES = frozenset({"auto", "speech", "singing"})
ATA_CAPTION_TYPES = frozenset({"speech", "singing"})
PROCESSING = 2000
MIN_SILENT_UTTERANCE_MS = 300
SUFFIXES = {
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
    "audio/mp4": ".m4a", "audio/m4a": ".m4a", "audio/x-m4a": ".m4a", "audio/aac": ".aac", "audio/ogg": ".ogg",
    "video/mp4": ".mp4", "video/quicktime": ".mov",
}

MESSAGES: dict[int, str] = {
    0: "Success",
    PROCESSING: "Processing [正在处理]",
    1001: "invalid request parameters [请求参数无效]",
    1002: "no access permission: token invalid, expired or not granted for this service [无访问权限]",
    1003: "requests too frequent: QPS limit of this appid exceeded [访问超频]",
    1004: "call allowance of this appid used up [访问超额]",
    1005: "server busy, try again later [服务器繁忙]",
    1010: "audio too long [音频过长]",
    1011: "audio too large [音频过大]",
    1012: "invalid audio format: header wrong or audio cannot be decoded [音频格式无效]",
    1013: "audio is silent: nothing recognised [音频静音]",
    1020: "recognition wait timeout [识别等待超时]",
    1021: "recognition processing timeout [识别处理超时]",
    1022: "recognition error [识别错误]",
    1099: "unknown error [未知错误]",
}


@dataclass(frozen=True)
class VolcengineConfig:
    """Credentials the sandbox accepts. The token is kept out of ``repr`` so it never lands in logs."""

    appid: str = "sandbox-appid"
    token: str = field(default="sandbox-token", repr=False)


class Refusal(Exception):
    """An answer with a non-zero vendor code, raised to leave a handler early."""

    def __init__(self, code: int | str, detail: str = "", message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.text = message or describe(code, detail)


def describe(code: int | str, detail: str = "") -> str:
    """The vendor message for ``code``, with a detail saying what exactly was wrong."""
    base = MESSAGES.get(int(code), "error") if str(code).lstrip("-").isdigit() else "error"
    return f"{base}: {detail}" if detail else base


# --------------------------------------------------------------------------- parameters


def parse_bool(params: Mapping[str, str], name: str, default: bool) -> bool:
    """Volcengine's booleans are "True"/"False"; lower case and 1/0 are tolerated."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise Refusal(1001, f"{name} must be True or False, got {raw!r}")


def parse_positive_int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Refusal(1001, f"{name} must be a positive integer, got {raw!r}") from None
    if value <= 0:
        raise Refusal(1001, f"{name} must be a positive integer, got {raw!r}")
    return value


@dataclass(frozen=True)
class CaptionParams:
    """The caption submit parameters the sandbox acts on (unknown ones are ignored, as the vendor does)."""

    language: str
    caption_type: str = "auto"
    use_punc: bool = False
    use_itn: bool = False
    use_ddc: bool = False
    with_speaker_info: bool = False
    use_capitalize: bool = True
    words_per_line: int = 46
    max_lines: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> CaptionParams:
        """Validate like the vendor: 1001 names the field."""
        language = params.get("language", "")
        if not language:
            raise Refusal(1001, "language is required (e.g. zh-CN, en-US)")
        if language not in LANGUAGES:
            raise Refusal(1001, f"language {language!r} not supported; use one of {', '.join(sorted(LANGUAGES))}")
        caption_type = params.get("caption_type") or "auto"
        if caption_type not in CAPTION_TYPES:
            raise Refusal(1001, f"caption_type must be auto, speech or singing, got {caption_type!r}")
        if params.get("boosting_table_id") or params.get("boosting_table_name"):
            if not params.get("asr_appid"):
                raise Refusal(1001, "boosting_table_id/boosting_table_name need asr_appid")
        return cls(
            language=language,
            caption_type=caption_type,
            use_punc=parse_bool(params, "use_punc", False),
            use_itn=parse_bool(params, "use_itn", False),
            use_ddc=parse_bool(params, "use_ddc", False),
            with_speaker_info=parse_bool(params, "with_speaker_info", False),
            use_capitalize=parse_bool(params, "use_capitalize", True),
            words_per_line=parse_positive_int(params, "words_per_line", 46),
            max_lines=parse_positive_int(params, "max_lines", 1),
        )


@dataclass(frozen=True)
class AtaParams:
    """The ATA submit parameters."""

    caption_type: str
    sta_punc_mode: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> AtaParams:
        caption_type = params.get("caption_type", "")
        if caption_type not in ATA_CAPTION_TYPES:
            raise Refusal(1001, f"caption_type is required: speech or singing, got {caption_type!r}")
        raw_mode = params.get("sta_punc_mode") or "1"
        if raw_mode not in {"1", "2", "3"}:
            raise Refusal(1001, f"sta_punc_mode must be 1, 2 or 3, got {raw_mode!r}")
        return cls(caption_type=caption_type, sta_punc_mode=int(raw_mode))


# --------------------------------------------------------------------------- text shaping


def strip_punctuation(text: str, chars: str | None = None) -> str:
    """``text`` without punctuation (all of it, or only ``chars``)."""
    if chars is None:
        return "".join(c for c in text if not speech.is_punctuation(c))
    return "".join(c for c in text if c not in chars)


def _rebuild(utterance: Utterance, words: Sequence[Word], text: str | None = None) -> Utterance | None:
    words = [w for w in words if w.text]
    if not words:
        return None
    return Utterance(text if text is not None else speech.join_tokens(w.text for w in words),
                     words[0].start_ms, words[-1].end_ms, tuple(words))


def without_punctuation(utterance: Utterance) -> Utterance | None:
    return _rebuild(utterance, [replace(w, text=strip_punctuation(w.text)) for w in utterance.words])


def capitalised(utterance: Utterance) -> Utterance:
    """First letter of the utterance in upper case (English sentences start that way)."""
    if not utterance.words or not utterance.words[0].text[:1].islower():
        return utterance
    first = utterance.words[0]
    words = (replace(first, text=first.text[0].upper() + first.text[1:]), *utterance.words[1:])
    return _rebuild(utterance, words) or utterance


def split_long(utterance: Utterance, max_chars: int) -> list[Utterance]:
    """Split an utterance longer than ``max_chars`` at word boundaries, preferring punctuation."""
    pieces: list[Utterance] = []
    words = list(utterance.words)
    while words:
        count = 0
        while count < len(words) and len(speech.join_tokens(w.text for w in words[: count + 1])) <= max_chars:
            count += 1
        count = max(count, 1)
        if count < len(words):
            for k in range(count, max(count // 2, 1) - 1, -1):
                if speech.is_punctuation(words[k - 1].text[-1]):
                    count = k
                    break
        piece = _rebuild(utterance, words[:count])
        if piece is not None:
            pieces.append(piece)
        words = words[count:]
    return pieces


def ata_punctuation(utterance: Utterance, mode: int) -> Utterance | None:
    """``sta_punc_mode``: 1 drops a final comma/period, 2 turns clause punctuation into spaces, 3 keeps all."""
    if mode == 3:
        return utterance
    words = list(utterance.words)
    if mode == 1:
        last = words[-1]
        words[-1] = replace(last, text=last.text.rstrip("，。,."))
        return _rebuild(utterance, words)
    clause = "，。、；：,.;:"
    cores = [replace(w, text=strip_punctuation(w.text, clause)) for w in words]
    text = ""
    for k, (word, core) in enumerate(zip(words, cores, strict=True)):
        text = speech.join_tokens([text, core.text]) if core.text else text
        if core.text != word.text and k < len(words) - 1 and not text.endswith(" "):
            text += " "
    return _rebuild(utterance, cores, " ".join(text.split()))


def utterance_json(utterance: Utterance, attribute: Mapping[str, str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": utterance.text,
        "start_time": utterance.start_ms,
        "end_time": utterance.end_ms,
        "words": [{"text": w.text, "start_time": w.start_ms, "end_time": w.end_ms} for w in utterance.words],
    }
    if attribute:
        data["attribute"] = dict(attribute)
    return data


def caption_utterances(utterances: Sequence[Utterance], params: CaptionParams) -> list[dict[str, Any]]:
    """Shape timed sentences the way the caption API returns them for these parameters."""
    shaped: list[Utterance] = []
    for utterance in utterances:
        if utterance.text == speech.PLACEHOLDER_TEXT:  # the marker stays readable whatever the options
            shaped.append(utterance)
            continue
        current: Utterance | None = utterance
        if not (params.use_punc and params.caption_type == "speech"):
            current = without_punctuation(utterance)
        if current is None:
            continue
        if params.use_capitalize:
            current = capitalised(current)
        shaped.extend(split_long(current, params.words_per_line * params.max_lines))
    out: list[dict[str, Any]] = []
    speaker = {"speaker": "1"} if params.with_speaker_info else None
    for k, utterance in enumerate(shaped):
        if params.use_ddc and k and utterance.start_ms - shaped[k - 1].end_ms >= MIN_SILENT_UTTERANCE_MS:
            gap = Utterance("", shaped[k - 1].end_ms, utterance.start_ms)
            out.append(utterance_json(gap, {"event": "silent"}))
        out.append(utterance_json(utterance, speaker))
    return out


# --------------------------------------------------------------------------- job work


@dataclass(frozen=True)
class AudioSource:
    """Where a job's audio is: an uploaded file, or a URL still to fetch."""

    path: Path | None = None
    url: str | None = None


def download(url: str, target: Path, max_bytes: int, timeout_s: float) -> None:
    """Fetch URL-mode audio like the vendor does.

    Raises:
        Refusal: 1001 when it cannot be fetched, 1011 when it is too large.
    """
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise Refusal(1001, f"audio url answered HTTP {response.status_code}")
            size = 0
            with target.open("wb") as handle:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise Refusal(1011, f"audio at url exceeds {max_bytes} bytes")
                    handle.write(chunk)
    except httpx.HTTPError as exc:
        raise Refusal(1001, f"audio url could not be downloaded ({type(exc).__name__})") from None


def load_audio(state: SandboxState, source: AudioSource, api: str) -> Path:
    """The job's audio as a local file (downloading URL mode, and counting its content hash)."""
    if source.path is not None:
        return source.path
    assert source.url is not None
    target = state.new_upload_path(Path(urlsplit(source.url).path).suffix[:8])
    download(source.url, target, state.config.max_upload_bytes, state.config.download_timeout_s)
    state.submissions.count_content(api, sha256_file(target))
    return target


def checked_analysis(state: SandboxState, path: Path) -> tuple[float, speech.AudioAnalysis]:
    """Probe and measure the audio; refusals 1012, 1010 and 1013 in that order.

    A file whose header promises more audio than decodes (a cut-off download) is 1012:
    the header is wrong, whatever a lenient decoder makes of the rest.
    """
    try:
        info = probe(path)
    except NotMediaError:
        raise Refusal(1012, "ffprobe cannot read the file") from None
    if info.audio is None:
        raise Refusal(1012, "no audio stream")
    if info.duration_s > state.config.max_duration_s:
        raise Refusal(1010, f"{info.duration_s:.1f} s exceeds {state.config.max_duration_s:.0f} s")
    try:
        analysis = speech.analyse(path)
    except NotMediaError:
        raise Refusal(1012, "audio cannot be decoded") from None
    declared = info.audio.duration_s or info.duration_s
    if declared and analysis.duration_ms / 1000 < 0.9 * declared - 0.5:
        raise Refusal(1012, f"header declares {declared:.1f} s but only {analysis.duration_ms / 1000:.1f} s decode (truncated?)")
    if analysis.is_silent:
        raise Refusal(1013)
    return info.duration_s, analysis


def job_work(state: SandboxState, api: str, source: AudioSource, task_error: tuple[int | str, str] | None,
             shape: Callable[[speech.AudioAnalysis], list[dict[str, Any]]]) -> Callable[[], JobOutcome]:
    """The function a job runs on its worker thread."""

    def work() -> JobOutcome:
        path: Path | None = None
        duration = 0.0
        try:
            path = load_audio(state, source, api)
            duration, analysis = checked_analysis(state, path)
            if task_error is not None:
                return JobOutcome(error_code=task_error[0], error_message=task_error[1], audio_s=duration)
            return JobOutcome(result={"duration": duration, "utterances": shape(analysis)}, audio_s=duration)
        except Refusal as refusal:
            return JobOutcome(error_code=refusal.code, error_message=refusal.text, audio_s=duration)
        finally:
            if path is not None:
                path.unlink(missing_ok=True)

    return work


def caption_shaper(state: SandboxState, params: CaptionParams) -> Callable[[speech.AudioAnalysis], list[dict[str, Any]]]:
    def shape(analysis: speech.AudioAnalysis) -> list[dict[str, Any]]:
        utterances, _ = speech.transcribe(analysis, state.registry)
        return caption_utterances(utterances, params)

    return shape


def ata_shaper(text: str, params: AtaParams) -> Callable[[speech.AudioAnalysis], list[dict[str, Any]]]:
    def shape(analysis: speech.AudioAnalysis) -> list[dict[str, Any]]:
        shaped = (ata_punctuation(u, params.sta_punc_mode) for u in speech.align(text, analysis.regions))
        return [utterance_json(u) for u in shaped if u is not None]

    return shape


# --------------------------------------------------------------------------- request bodies


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_audio_type(kind: str) -> bool:
    return kind.startswith(("audio/", "video/")) or kind == "application/octet-stream"


async def body_to_file(request: Request, target: Path, max_bytes: int) -> tuple[int, str]:
    """Stream the body into ``target``; returns (size, sha256).

    Raises:
        Refusal: 1011 when larger than ``max_bytes`` (the rest is read and discarded so the
        client gets the answer instead of a broken pipe), 1001 when empty.
    """
    digest, size, too_big = hashlib.sha256(), 0, False
    with target.open("wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                too_big = True
            if not too_big:
                handle.write(chunk)
                digest.update(chunk)
    if too_big:
        target.unlink(missing_ok=True)
        raise Refusal(1011, f"{size} bytes exceeds {max_bytes} bytes")
    if size == 0:
        target.unlink(missing_ok=True)
        raise Refusal(1001, "empty body: send the audio, or JSON with url")
    return size, digest.hexdigest()


async def body_capped(request: Request, max_bytes: int) -> bytes:
    """The whole body in memory, refusing 1011 past ``max_bytes``."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= max_bytes:
            chunks.append(chunk)
    if size > max_bytes:
        raise Refusal(1011, f"{size} bytes exceeds {max_bytes} bytes")
    return b"".join(chunks)


def parse_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """Fields of a multipart/form-data body by name (stdlib parser; no python-multipart needed)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise Refusal(1001, "multipart body could not be parsed")
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = payload if isinstance(payload, bytes) else b""
    return fields


async def json_body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await body_capped(request, 1024 * 1024) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Refusal(1001, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refusal(1001, "JSON body must be an object")
    return data


def checked_url(data: Mapping[str, Any]) -> str:
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise Refusal(1001, "url is required in the JSON body")
    if urlsplit(url).scheme not in {"http", "https"}:
        raise Refusal(1001, "url must be http or https")
    return url


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
