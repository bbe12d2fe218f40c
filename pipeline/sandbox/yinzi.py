"""Yinzi (音子AI) open API as ``vendor-docs/yinzi-open-api.txt`` describes it.

Routes, under the real prefix ``/api/open/v1``:

    POST order/create          {"orderType", "stuff": {"pathKey"}} → orderNo (async order)
    GET  order/query?orderNo=  pending → processing → finish (or failed / timeout)
    POST short-video/analyze   {"link"} → title, author, cover, videoUrl, musicUrl, balance

Answers are ``{"code", "data", "msg"}`` with code 0 on success. The key is accepted as
``Authorization: Bearer <key>`` and as ``?apiKey=<key>`` (the document allows both; the header
wins when both are sent). Error answers carry the HTTP status equal to their code (400, 401,
500); the document does not say, and the client reads the body first either way.

    401 API Key is required              neither header nor query key
    401 Invalid API Key                  a key the sandbox does not know (``YinziConfig``)
    400 pathKey is required              stuff.pathKey missing or blank
    400 pathKey must be an http(s) URL   anything else (the sandbox fetches only http/https)
    400 orderType is invalid / orderNo is required / link is required / Unsupported short video link
    400 Order not found                  unknown order, and also another key's order
    500 ErrorCode.USER_BLANCE_NOT_ENOUGH the vendor's spelling; see "Money"

**Money.** Each key starts with ``balance`` points. ``short-video/analyze`` charges
``analyze_cost`` at once. An order costs ``ceil(points_per_minute × minutes of audio)``, at
least ``min_cost``, and is charged at the **first query that sees it finished**: that answer
and every later one show the same ``cost``, and the balance drops exactly once. Create refuses
a key whose balance is below ``min_cost``; if the balance no longer covers the cost when the
order finishes, that query answers USER_BLANCE_NOT_ENOUGH and the order stays uncharged until
a later query finds enough. Failed and timed-out orders cost nothing.

**Processing.** The sandbox downloads ``stuff.pathKey`` itself (a short-video link from
``analyze`` works: it points at the sandbox's own file links). An order is ``pending`` until a
worker picks it up (and for ``queue_ms`` at least), ``processing`` while it works and until the
simulated processing time has passed, then ``finish``. ``FaultConfig.task_errors`` on
``yinzi.order.create`` end it ``failed`` (or ``timeout`` when the rule's code is "timeout"),
with the rule's message as ``reason``. A download that fails, a file without audio, or (for
extract-text) audio without sound also end in ``failed`` with a reason.

**Separation honesty.** The sandbox cannot separate sources. Its stems are made by ffmpeg
filters and are stand-ins with the right shape (same duration, real MP3 audio), not separated
tracks: ``vocals.mp3`` is the mix band-passed to the voice band (300–3400 Hz);
``accompaniment.mp3`` is what that band leaves out (below 300 Hz plus above 3400 Hz). Voice and
music overlap in frequency, so both stems contain some of each.

**Transcript honesty.** ``extract-text`` returns ``caption.srt`` (business ``caption``): the
transcript registered for the audio (``speech.TranscriptRegistry``), one cue per sentence,
timed by speech detection on the downloaded file; unregistered audio gets
``speech.PLACEHOLDER_TEXT`` cues over its detected speech. Nothing is recognised.

Result links (``stuffs[].url``) and analyze's links are ``media_library`` links: minted fresh
on each answer, refused (HTTP 403) ``link_ttl_s`` after that (default one hour, as documented).

Fault injection: ``FaultConfig.errors`` on ``yinzi.order.create``, ``yinzi.order.query``,
``yinzi.short-video.analyze`` answer the rule's code and message (default: a standard one).
Submissions are counted per order type: ``yinzi.<orderType>`` with the pathKey URL, then the
sha256 of what was downloaded.
"""

from __future__ import annotations

import json
import math
import secrets
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, request_response

from pipeline.errors import NotMediaError
from pipeline.media.probe import probe
from pipeline.sandbox import media_library, speech
from pipeline.sandbox.faults import FaultGuard
from pipeline.sandbox.media_library import FetchError, MediaLibrary, WorkUrlError, run_ffmpeg
from pipeline.sandbox.state import Job, JobOutcome, SandboxState, sha256_file
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.formats import srt_text

VENDOR = "yinzi"
PREFIX = "/api/open/v1"

PENDING, PROCESSING, FINISH, FAILED, TIMEOUT = "pending", "processing", "finish", "failed", "timeout"
# Which result files each order type yields, by business name.
ORDER_TYPES: dict[str, tuple[str, ...]] = {
    "track-separation": ("vocals", "accompaniment"),
    "extract-voice": ("vocals",),
    "extract-music": ("accompaniment",),
    "extract-text": ("caption",),
}
# ffmpeg filter graphs of the stand-in stems (see the module docstring: not real separation).
STEM_FILTERS = {
    "vocals": "[0:a:0]highpass=f=300,lowpass=f=3400[out]",
    "accompaniment": "[0:a:0]asplit=2[lo][hi];[lo]lowpass=f=300[l];[hi]highpass=f=3400[h];"
                     "[l][h]amix=inputs=2:normalize=0[out]",
}

MSG_KEY_REQUIRED = "API Key is required"
MSG_KEY_INVALID = "Invalid API Key"
MSG_PATH_KEY_REQUIRED = "pathKey is required"
MSG_PATH_KEY_SCHEME = "pathKey must be an http(s) URL"
MSG_ORDER_TYPE = "orderType is invalid; use one of " + ", ".join(ORDER_TYPES)
MSG_ORDER_NO_REQUIRED = "orderNo is required"
MSG_ORDER_NOT_FOUND = "Order not found"
MSG_LINK_REQUIRED = "link is required"
MSG_LINK_UNSUPPORTED = "Unsupported short video link"
MSG_BALANCE = "ErrorCode.USER_BLANCE_NOT_ENOUGH"
MSG_INTERNAL = "Internal server error"
REASON_FAILED = "Order processing failed"
REASON_TIMEOUT = "Order processing timed out"
DEFAULT_MESSAGES = {400: "Bad request", 401: MSG_KEY_INVALID, 500: MSG_INTERNAL}
ORDER_NO_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class YinziConfig:
    """The account the sandbox plays. Keys are kept out of ``repr`` so they never reach logs.

    Attributes:
        api_key: the key accepted; ``extra_keys`` are more accounts (own orders, own balance).
        balance: starting points of every key.
        points_per_minute: order price per minute of audio (rounded up to whole points).
        min_cost: the least an order costs; also the balance create requires.
        analyze_cost: the price of one short-video/analyze call.
        queue_ms: an order shows ``pending`` at least this long after create.
        platforms: share-link platforms analyze accepts (the document's list).
        max_link_chars: longer analyze input is refused as an unsupported link.
    """

    api_key: str = field(default="yz_sandbox", repr=False)
    extra_keys: tuple[str, ...] = field(default=(), repr=False)
    balance: float = 1000.0
    points_per_minute: float = 10.0
    min_cost: float = 1.0
    analyze_cost: float = 10.0
    queue_ms: int = 0
    platforms: tuple[str, ...] = ("DOUYIN", "KUAISHOU", "XHS", "WEIBO")
    max_link_chars: int = 2048

    def knows(self, key: str) -> bool:
        return key == self.api_key or key in self.extra_keys

    def cost_of(self, duration_s: float) -> float:
        """Points for ``duration_s`` seconds of audio."""
        return max(self.min_cost, float(math.ceil(self.points_per_minute * duration_s / 60 - 1e-9)))


def points(value: float) -> float | int:
    """Points as the document shows them: whole numbers as integers (10, not 10.0)."""
    return int(value) if float(value).is_integer() else value


class Refusal(Exception):
    """An answer with a non-zero code, raised to leave a handler early."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ResultFile:
    """One produced file: ``business`` as the document names it (vocals, accompaniment, caption)."""

    business: str
    name: str
    path: Path


@dataclass
class Order:
    """One order: who made it, its job, and the charge once taken."""

    order_no: str
    order_type: str
    account: str
    path_key: str
    message_id: str
    job: Job | None = None
    started: threading.Event = field(default_factory=threading.Event)
    cost: float | None = None

    def status(self, queue_s: float, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        job = self.job
        if job is None or now < job.created_at + queue_s or not self.started.is_set():
            return PENDING
        if not job.finished(now) or job.outcome is None:
            return PROCESSING
        if job.outcome.failed:
            return TIMEOUT if job.outcome.error_code == TIMEOUT else FAILED
        return FINISH


# --------------------------------------------------------------------------- job work


def make_stem(source: Path, business: str, target: Path) -> None:
    run_ffmpeg("-i", str(source), "-filter_complex", STEM_FILTERS[business], "-map", "[out]",
               "-c:a", "libmp3lame", "-b:a", "128k", str(target))


def make_caption(state: SandboxState, source: Path, target: Path) -> bool:
    """Write the SRT of the registered transcript (or placeholders); False when nothing is audible."""
    analysis = speech.analyse(source)
    if analysis.is_silent:
        return False
    utterances, _ = speech.transcribe(analysis, state.registry)
    cues = [Cue(u.start_ms, max(u.end_ms, u.start_ms + 1), (u.text,)) for u in utterances]
    target.write_text(srt_text(cues), encoding="utf-8")
    return True


def produce(state: SandboxState, order_type: str, source: Path, out_dir: Path) -> list[ResultFile] | str:
    """The order's result files, or the reason it failed."""
    files: list[ResultFile] = []
    for business in ORDER_TYPES[order_type]:
        if business == "caption":
            target = out_dir / "caption.srt"
            if not make_caption(state, source, target):
                return "No speech detected in the resource"
        else:
            target = out_dir / f"{business}.mp3"
            make_stem(source, business, target)
        files.append(ResultFile(business, target.name, target))
    return files


def order_work(state: SandboxState, order: Order, task_error: tuple[str, str] | None) -> JobOutcome:
    """What the job thread does: fetch pathKey, check it has sound, make the result files."""
    order.started.set()
    source = state.new_upload_path(Path(order.path_key.split("?")[0]).suffix[:8])
    duration = 0.0
    try:
        media_library.fetch(order.path_key, source, state.config.max_upload_bytes, state.config.download_timeout_s)
        state.submissions.count_content(f"{VENDOR}.{order.order_type}", sha256_file(source))
        info = probe(source)
        if info.audio is None:
            return JobOutcome(error_code=FAILED, error_message="The resource has no audio track")
        duration = info.duration_s
        if task_error is not None:
            return JobOutcome(error_code=task_error[0], error_message=task_error[1], audio_s=duration)
        out_dir = state.new_upload_path()
        out_dir.mkdir()
        files = produce(state, order.order_type, source, out_dir)
    except FetchError as error:
        return JobOutcome(error_code=FAILED, error_message=f"Failed to download resource: {error}")
    except NotMediaError:
        return JobOutcome(error_code=FAILED, error_message="The resource is not a readable audio or video file",
                          audio_s=duration)
    finally:
        source.unlink(missing_ok=True)
    if isinstance(files, str):
        return JobOutcome(error_code=FAILED, error_message=files, audio_s=duration)
    return JobOutcome(result={"files": files, "duration": duration}, audio_s=duration)


# --------------------------------------------------------------------------- the app


class YinziSandbox:
    """The three endpoints over one ``SandboxState``; accounts are API keys."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.options: YinziConfig = state.config.vendor(VENDOR, YinziConfig)
        self.library: MediaLibrary = media_library.library_for(state)
        self.orders: dict[str, Order] = {}
        self.balances: dict[str, float] = {}
        self._lock = threading.Lock()

    # ---- answers

    @staticmethod
    def answer(data: Mapping[str, Any]) -> JSONResponse:
        return JSONResponse({"code": 0, "data": dict(data), "msg": "success"})

    @staticmethod
    def refuse(refusal: Refusal) -> JSONResponse:
        status = refusal.code if refusal.code in (400, 401, 500) else 200
        return JSONResponse({"code": refusal.code, "data": None, "msg": refusal.message}, status_code=status)

    # ---- checks every request passes

    def authorise(self, request: Request, endpoint: str) -> str:
        """The key from the header (preferred) or ``?apiKey=``, then injected errors; returns the key."""
        self.state.count_request(endpoint)
        header = request.headers.get("authorization", "").strip()
        if header:
            scheme, _, key = header.partition(" ")
            key = key.strip() if scheme.lower() == "bearer" else ""
            if not key:
                raise Refusal(401, MSG_KEY_INVALID)
        else:
            key = request.query_params.get("apiKey", "").strip()
            if not key:
                raise Refusal(401, MSG_KEY_REQUIRED)
        if not self.options.knows(key):
            raise Refusal(401, MSG_KEY_INVALID)
        rule = self.state.faults.pick_error(endpoint)
        if rule is not None:
            code = int(rule.code) if str(rule.code).isdigit() else 500
            raise Refusal(code, rule.message or DEFAULT_MESSAGES.get(code, MSG_INTERNAL))
        return key

    # ---- money

    def balance(self, account: str) -> float:
        with self._lock:
            return self.balances.setdefault(account, self.options.balance)

    def charge(self, account: str, points: float) -> float:
        """Take ``points``; returns the new balance.

        Raises:
            Refusal: USER_BLANCE_NOT_ENOUGH, and nothing is taken.
        """
        with self._lock:
            balance = self.balances.setdefault(account, self.options.balance)
            if balance < points:
                raise Refusal(500, MSG_BALANCE)
            self.balances[account] = balance - points
            return self.balances[account]

    def settle(self, order: Order) -> None:
        """Charge a finished order once (the first query that sees it finished)."""
        with self._lock:
            if order.cost is not None:
                return
        assert order.job is not None and order.job.outcome is not None
        cost = self.options.cost_of(order.job.outcome.audio_s)
        with self._lock:
            if order.cost is not None:  # another query charged it meanwhile
                return
            balance = self.balances.setdefault(order.account, self.options.balance)
            if balance < cost:
                raise Refusal(500, MSG_BALANCE)
            self.balances[order.account] = balance - cost
            order.cost = cost

    # ---- order/create

    async def json_body(self, request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Refusal(400, "request body must be JSON") from None
        if not isinstance(data, dict):
            raise Refusal(400, "request body must be a JSON object")
        return data

    @staticmethod
    def checked_order(data: Mapping[str, Any]) -> tuple[str, str]:
        """(orderType, pathKey), validated."""
        order_type = data.get("orderType")
        if order_type not in ORDER_TYPES:
            raise Refusal(400, MSG_ORDER_TYPE)
        stuff = data.get("stuff")
        path_key = stuff.get("pathKey") if isinstance(stuff, dict) else None
        if not isinstance(path_key, str) or not path_key.strip():
            raise Refusal(400, MSG_PATH_KEY_REQUIRED)
        path_key = path_key.strip()
        if not path_key.lower().startswith(("http://", "https://")):
            raise Refusal(400, MSG_PATH_KEY_SCHEME)
        return str(order_type), path_key

    async def create(self, request: Request) -> JSONResponse:
        endpoint = f"{VENDOR}.order.create"
        try:
            account = self.authorise(request, endpoint)
            order_type, path_key = self.checked_order(await self.json_body(request))
            if self.balance(account) < self.options.min_cost:
                raise Refusal(500, MSG_BALANCE)
        except Refusal as refusal:
            return self.refuse(refusal)
        order = self.start(account, order_type, path_key, endpoint)
        return self.answer({"orderNo": order.order_no, "orderType": order_type,
                            "orderStatus": order.status(self.options.queue_ms / 1000),
                            "payStatus": "waiting", "messageId": order.message_id})

    def start(self, account: str, order_type: str, path_key: str, endpoint: str) -> Order:
        rule = self.state.faults.pick_task_error(endpoint)
        task_error = None
        if rule is not None:
            timed_out = str(rule.code).lower() == TIMEOUT
            task_error = (TIMEOUT if timed_out else FAILED, rule.message or (REASON_TIMEOUT if timed_out else REASON_FAILED))
        order = Order(order_no="".join(secrets.choice(ORDER_NO_ALPHABET) for _ in range(18)), order_type=order_type,
                      account=account, path_key=path_key, message_id=f"task-{secrets.token_hex(6)}")
        with self._lock:
            self.orders[order.order_no] = order
        order.job = self.state.jobs.create(VENDOR, order_type, account,
                                           lambda: order_work(self.state, order, task_error),
                                           {"orderNo": order.order_no, "pathKey": path_key})
        self.state.submissions.count_submission(f"{VENDOR}.{order_type}", url=path_key)
        return order

    # ---- order/query

    async def query(self, request: Request) -> JSONResponse:
        endpoint = f"{VENDOR}.order.query"
        try:
            account = self.authorise(request, endpoint)
            order = self.find(request.query_params.get("orderNo", "").strip(), account)
            status = order.status(self.options.queue_ms / 1000)
            if status == FINISH:
                self.settle(order)
        except Refusal as refusal:
            return self.refuse(refusal)
        data: dict[str, Any] = {"orderNo": order.order_no, "orderType": order.order_type, "status": status,
                                "cost": 0, "reason": None, "stuffs": [], "balance": points(self.balance(account))}
        assert order.job is not None
        if status in (FAILED, TIMEOUT) and order.job.outcome is not None:
            data["reason"] = order.job.outcome.error_message or REASON_FAILED
        elif status == FINISH and order.job.outcome is not None:
            data["cost"] = points(order.cost or 0)
            data["stuffs"] = [
                {"name": f.name, "business": f.business, "url": self.library.link(request, f.path, f.name)}
                for f in order.job.outcome.result["files"]
            ]
        return self.answer(data)

    def find(self, order_no: str, account: str) -> Order:
        if not order_no:
            raise Refusal(400, MSG_ORDER_NO_REQUIRED)
        with self._lock:
            order = self.orders.get(order_no)
        # Another key's order is "not found" too: the document says so, and it leaks nothing.
        if order is None or order.account != account:
            raise Refusal(400, MSG_ORDER_NOT_FOUND)
        return order

    # ---- short-video/analyze

    async def analyze(self, request: Request) -> JSONResponse:
        endpoint = f"{VENDOR}.short-video.analyze"
        try:
            account = self.authorise(request, endpoint)
            link = (await self.json_body(request)).get("link")
            if not isinstance(link, str) or not link.strip():
                raise Refusal(400, MSG_LINK_REQUIRED)
            try:
                url, platform = media_library.parse_work_url(link, self.options.platforms, self.options.max_link_chars)
            except WorkUrlError:
                raise Refusal(400, MSG_LINK_UNSUPPORTED) from None
            work = self.library.resolve(url, platform)
            cover, music = await run_in_threadpool(self.derived, work.media)
            balance = self.charge(account, self.options.analyze_cost)
        except Refusal as refusal:
            return self.refuse(refusal)
        except LookupError:
            return self.refuse(Refusal(500, MSG_INTERNAL))
        return self.answer({
            "title": work.title,
            "author": work.author,
            "cover": self.library.link(request, cover, f"{work.work_id}.jpg"),
            "videoUrl": self.library.link(request, work.media, f"{work.work_id}{work.media.suffix}"),
            "musicUrl": self.library.link(request, music, f"{work.work_id}-music.mp3"),
            "balance": points(balance),
        })

    def derived(self, media: Path) -> tuple[Path | None, Path | None]:
        """(cover frame, sound track) of a library file; made before charging so a failure costs nothing."""
        try:
            return self.library.cover(media), self.library.audio_track(media)
        except NotMediaError:
            raise Refusal(500, MSG_INTERNAL) from None


def routes(state: SandboxState) -> list[BaseRoute]:
    """The Yinzi routes under their real paths, plus the sandbox's file links."""
    app = YinziSandbox(state)
    table = (
        ("/order/create", "POST", "order.create", app.create),
        ("/order/query", "GET", "order.query", app.query),
        ("/short-video/analyze", "POST", "short-video.analyze", app.analyze),
    )
    return [
        Route(PREFIX + path, FaultGuard(request_response(handler), state.faults, f"{VENDOR}.{name}"), methods=[method])
        for path, method, name, handler in table
    ] + media_library.file_routes(state)


__all__ = ["ORDER_TYPES", "PREFIX", "YinziConfig", "YinziSandbox", "routes"]
