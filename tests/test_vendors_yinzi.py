"""Yinzi client against MockTransport handlers that answer the documented JSON shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline import errors
from pipeline.vendors.http import RetryPolicy
from pipeline.vendors.polling import Pending, PollPolicy
from pipeline.vendors.yinzi import (
    ORDER_TYPES,
    Order,
    OrderResult,
    ShortVideo,
    Stuff,
    YinziClient,
    YinziCredentials,
    error_for,
    stuff_filename,
)

BASE = "https://api.yinziai.com"
API = "/api/open/v1"
KEY = "yz_live_0123456789abcdef-secret"
ORDER_NO = "abc123XYZ789defGHI"
AUDIO = "https://example.com/audio.mp3"
CDN = "cdn.example.com"


class FakeTime:
    """Monotonic and wall clocks that only move when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.wall = 1_760_000_000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.wall += seconds

    def clock(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        return self.wall


class Vendor:
    """Records requests; answers API paths from queues of (status, JSON) and CDN paths with bytes."""

    def __init__(self, routes: dict[str, list[tuple[int, Any]]] | None = None, files: dict[str, Any] | None = None) -> None:
        self.routes = routes or {}
        self.files = files or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == CDN:
            answer = self.files[request.url.path]
            return answer(request) if callable(answer) else httpx.Response(200, content=answer)
        queue = self.routes[request.url.path]
        status, body = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(body, str | bytes):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body)

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host != CDN]


def ok(data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 200, {"code": 0, "data": data, "msg": "success"}


def fail(code: int, msg: str, http: int = 200) -> tuple[int, dict[str, Any]]:
    return http, {"code": code, "data": None, "msg": msg}


def created(order_type: str = "track-separation") -> tuple[int, dict[str, Any]]:
    return ok({"orderNo": ORDER_NO, "orderType": order_type, "orderStatus": "processing",
               "payStatus": "waiting", "messageId": "task-id-123"})


def state(status: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    data = {"orderNo": ORDER_NO, "orderType": "track-separation", "status": status, "cost": 0,
            "reason": None, "stuffs": [], "balance": 1000}
    data.update(extra)
    return ok(data)


STUFFS = [
    {"name": "vocals.mp3", "business": "vocals", "url": f"https://{CDN}/result/vocals.mp3"},
    {"name": "accompaniment.mp3", "business": "accompaniment", "url": f"https://{CDN}/result/accompaniment.mp3"},
]
FINISHED = state("finish", cost=10, stuffs=STUFFS, balance=990)
ANALYZED = ok({"title": "視頻標題", "author": "作者暱稱", "cover": "https://cdn.example.com/cover.jpg",
               "videoUrl": "https://cdn.example.com/video.mp4", "musicUrl": "https://cdn.example.com/music.mp3",
               "balance": 990})


def make_client(vendor: Callable[[httpx.Request], httpx.Response], clock: FakeTime | None = None, **kwargs: Any) -> YinziClient:
    clock = clock or FakeTime()
    kwargs.setdefault("retry", RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.01))
    return YinziClient(
        YinziCredentials(KEY), BASE, transport=httpx.MockTransport(vendor),
        sleep=clock.sleep, clock=clock.clock, wall_clock=clock.wall_clock, **kwargs,
    )


def assert_key_only_in_header(request: httpx.Request) -> None:
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in str(request.url)
    assert "apiKey" not in str(request.url)


# -- credentials ------------------------------------------------------------------------------


def test_from_env_and_masked_repr() -> None:
    creds = YinziCredentials.from_env({"YINZI_API_KEY": KEY})
    assert creds.api_key == KEY
    assert KEY not in repr(creds)
    assert KEY not in repr(make_client(Vendor()))


def test_from_env_missing_key() -> None:
    with pytest.raises(errors.InputError, match="YINZI_API_KEY"):
        YinziCredentials.from_env({})


# -- order/create -----------------------------------------------------------------------------


@pytest.mark.parametrize("order_type", ORDER_TYPES)
def test_create_order_for_each_type(order_type: str) -> None:
    vendor = Vendor({f"{API}/order/create": [created(order_type)]})
    order = make_client(vendor).create_order_details(order_type, AUDIO)
    assert order == Order(ORDER_NO, order_type, "processing", "waiting", "task-id-123")
    (request,) = vendor.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}{API}/order/create"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"orderType": order_type, "stuff": {"pathKey": AUDIO}}
    assert_key_only_in_header(request)


def test_create_order_returns_the_order_number() -> None:
    assert make_client(Vendor({f"{API}/order/create": [created()]})).create_order("extract-voice", AUDIO) == ORDER_NO


def test_unknown_order_type_is_rejected_locally() -> None:
    vendor = Vendor()
    with pytest.raises(errors.InputError, match="track-separation"):
        make_client(vendor).create_order("separate", AUDIO)
    assert vendor.requests == []


@pytest.mark.parametrize("path_key", ["/home/me/audio.mp3", "audio.mp3", "./clips/a.wav", "file:///tmp/a.mp3", "C:\\music\\a.mp3"])
def test_local_paths_are_refused_with_advice_to_host_them(path_key: str) -> None:
    vendor = Vendor()
    with pytest.raises(errors.InputError, match="URL only") as info:
        make_client(vendor).create_order("extract-voice", path_key)
    assert "http(s) URL" in str(info.value)
    assert vendor.requests == []


def test_existing_local_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "a.mp3"
    file.write_bytes(b"ID3")
    with pytest.raises(errors.InputError, match="URL only"):
        make_client(Vendor()).create_order("extract-voice", file)


def test_empty_path_key_uses_the_vendor_message() -> None:
    with pytest.raises(errors.InputError, match="pathKey is required"):
        make_client(Vendor()).create_order("extract-voice", "")


def test_other_schemes_are_refused() -> None:
    with pytest.raises(errors.InputError, match="not an http"):
        make_client(Vendor()).create_order("extract-voice", "ftp://example.com/a.mp3")


def test_create_order_is_not_resent_after_a_server_error() -> None:
    vendor = Vendor({f"{API}/order/create": [fail(500, "Internal Server Error", 500), created()]})
    with pytest.raises(errors.ServerBusyError):
        make_client(vendor).create_order("extract-text", AUDIO)
    assert len(vendor.requests) == 1


def test_create_order_is_resent_when_the_connection_never_opened() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=created()[1])

    assert make_client(handler).create_order("extract-music", AUDIO) == ORDER_NO
    assert calls["n"] == 2


# -- order/query ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_query_pending_and_processing_are_pending(status: str) -> None:
    vendor = Vendor({f"{API}/order/query": [state(status)]})
    answer = make_client(vendor).query_order(ORDER_NO)
    assert answer == Pending(status)
    (request,) = vendor.requests
    assert request.method == "GET"
    assert request.url.path == f"{API}/order/query"
    assert request.url.params["orderNo"] == ORDER_NO
    assert_key_only_in_header(request)


def test_query_finish_returns_every_field() -> None:
    clock = FakeTime()
    result = make_client(Vendor({f"{API}/order/query": [FINISHED]}), clock).query_order(ORDER_NO)
    assert result == OrderResult(
        order_no=ORDER_NO, order_type="track-separation", status="finish", cost=10, reason=None,
        stuffs=(Stuff("vocals.mp3", "vocals", STUFFS[0]["url"]), Stuff("accompaniment.mp3", "accompaniment", STUFFS[1]["url"])),
        balance=990, received_at=clock.wall,
    )


@pytest.mark.parametrize(("status", "reason"), [("failed", "音频解码失败"), ("timeout", None)])
def test_query_failed_and_timeout_raise_task_failed(status: str, reason: str | None) -> None:
    vendor = Vendor({f"{API}/order/query": [state(status, reason=reason)]})
    with pytest.raises(errors.TaskFailedError) as info:
        make_client(vendor).query_order(ORDER_NO)
    assert info.value.vendor_message == (reason or f"order {status}")
    assert ORDER_NO in str(info.value)


def test_wait_order_polls_until_finish() -> None:
    clock = FakeTime()
    vendor = Vendor({f"{API}/order/query": [state("pending"), state("processing"), state("processing"), FINISHED]})
    seen: list[str] = []
    result = make_client(vendor, clock).wait_order(ORDER_NO, on_pending=lambda _n, detail: seen.append(detail))
    assert result.cost == 10 and len(result.stuffs) == 2
    assert seen == ["pending", "processing", "processing"]
    assert len(clock.sleeps) == 3 and clock.sleeps == sorted(clock.sleeps)


def test_wait_order_failure() -> None:
    vendor = Vendor({f"{API}/order/query": [state("processing"), state("failed", reason="bad media")]})
    with pytest.raises(errors.TaskFailedError, match="bad media"):
        make_client(vendor).wait_order(ORDER_NO)


def test_wait_order_deadline() -> None:
    clock = FakeTime()
    vendor = Vendor({f"{API}/order/query": [state("processing")]})
    client = make_client(vendor, clock, poll=PollPolicy(interval=3, max_interval=10, deadline=60, held_threshold=float("inf")))
    with pytest.raises(errors.DeadlineExceededError):
        client.wait_order(ORDER_NO)
    assert sum(clock.sleeps) <= 60


def test_query_retries_server_errors() -> None:
    vendor = Vendor({f"{API}/order/query": [fail(500, "Internal Server Error", 500), (502, "bad gateway"), FINISHED]})
    assert isinstance(make_client(vendor).query_order(ORDER_NO), OrderResult)
    assert len(vendor.requests) == 3


def test_empty_order_number_is_rejected_locally() -> None:
    vendor = Vendor()
    with pytest.raises(errors.InputError, match="orderNo"):
        make_client(vendor).query_order(" ")
    assert vendor.requests == []


# -- short-video/analyze ----------------------------------------------------------------------


def test_analyze_sends_the_extracted_link_and_reads_every_field() -> None:
    vendor = Vendor({f"{API}/short-video/analyze": [ANALYZED]})
    text = "7.43 复制打开抖音，看看 https://v.douyin.com/ixxxxxx/ E@u.Fs 09/15 tRK:/"
    video = make_client(vendor).analyze_short_video(text)
    assert video == ShortVideo("視頻標題", "作者暱稱", "https://cdn.example.com/cover.jpg",
                               "https://cdn.example.com/video.mp4", "https://cdn.example.com/music.mp3", 990)
    (request,) = vendor.requests
    assert request.method == "POST"
    assert json.loads(request.content) == {"link": "https://v.douyin.com/ixxxxxx/"}
    assert_key_only_in_header(request)


def test_analyze_without_music() -> None:
    answer = ok({"title": "t", "author": "a", "cover": None, "videoUrl": "https://cdn.example.com/v.mp4", "musicUrl": "", "balance": 5})
    video = make_client(Vendor({f"{API}/short-video/analyze": [answer]})).analyze_short_video("https://weibo.com/1/Nab")
    assert video.music_url is None


@pytest.mark.parametrize("text", ["", "no link here", "https://b23.tv/Ab12Cd3"])
def test_analyze_rejects_bad_links_before_charging(text: str) -> None:
    vendor = Vendor()
    with pytest.raises((errors.InputError, errors.UnsupportedPlatformError)):
        make_client(vendor).analyze_short_video(text)
    assert vendor.requests == []


@pytest.mark.parametrize("failure", ["server", "timeout"])
def test_analyze_is_never_resent_once_it_may_have_charged(failure: str) -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if failure == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(500, json={"code": 500, "msg": "Internal Server Error"})

    with pytest.raises((errors.ServerBusyError, errors.TransportError)) as info:
        make_client(handler).analyze_short_video("https://v.douyin.com/ixxxxxx/")
    assert calls["n"] == 1
    assert KEY not in str(info.value)


# -- documented error rows --------------------------------------------------------------------

ROWS = [
    (401, "API Key is required", errors.AuthenticationError),
    (401, "Invalid API Key", errors.AuthenticationError),
    (400, "pathKey is required", errors.InvalidRequestError),
    (400, "Order not found", errors.TaskNotFoundError),
    (500, "Order not found", errors.TaskNotFoundError),
    (400, "ErrorCode.USER_BLANCE_NOT_ENOUGH", errors.QuotaExceededError),
    (500, "ErrorCode.USER_BLANCE_NOT_ENOUGH", errors.QuotaExceededError),
    (400, "orderType is invalid", errors.InvalidRequestError),
    (401, "token expired", errors.AuthenticationError),
]
ENDPOINTS = {
    "create": (f"{API}/order/create", lambda c: c.create_order("extract-voice", AUDIO)),
    "query": (f"{API}/order/query", lambda c: c.query_order(ORDER_NO)),
    "analyze": (f"{API}/short-video/analyze", lambda c: c.analyze_short_video("https://v.kuaishou.com/2xYz9Q")),
}


@pytest.mark.parametrize("http", ["200", "same"])
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize(("code", "msg", "cls"), ROWS)
def test_error_rows(code: int, msg: str, cls: type[errors.VendorError], endpoint: str, http: str) -> None:
    path, call = ENDPOINTS[endpoint]
    vendor = Vendor({path: [fail(code, msg, 200 if http == "200" else code)]})
    with pytest.raises(cls) as info:
        call(make_client(vendor))
    error = info.value
    assert type(error) is cls
    assert (error.vendor, error.code, error.vendor_message) == ("yinzi", str(code), msg)
    assert error.hint and KEY not in str(error)
    assert len(vendor.requests) == 1


def test_http_401_without_json_body() -> None:
    vendor = Vendor({f"{API}/order/query": [(401, "Unauthorized")]})
    with pytest.raises(errors.AuthenticationError, match="YINZI_API_KEY"):
        make_client(vendor).query_order(ORDER_NO)


def test_corrected_spelling_of_the_balance_code_maps_too() -> None:
    assert isinstance(error_for({"code": 400, "msg": "ErrorCode.USER_BALANCE_NOT_ENOUGH"}), errors.QuotaExceededError)


def test_code_as_string() -> None:
    assert isinstance(error_for({"code": "401", "msg": "Invalid API Key"}), errors.AuthenticationError)


def test_unknown_500_retried_on_query_only() -> None:
    error = error_for({"code": 500, "msg": "boom"})
    assert isinstance(error, errors.ServerBusyError) and error.retryable
    assert error.maybe_processed  # type: ignore[attr-defined]


# -- downloads --------------------------------------------------------------------------------


def finished_result(clock: FakeTime, stuffs: list[dict[str, str]] = STUFFS) -> OrderResult:
    return make_client(Vendor({f"{API}/order/query": [state("finish", cost=10, stuffs=stuffs)]}), clock).query_order(ORDER_NO)  # type: ignore[return-value]


def test_download_stuffs_streams_every_file_without_the_key(tmp_path: Path) -> None:
    clock = FakeTime()
    result = finished_result(clock)
    big = bytes(range(256)) * 4096  # 1 MiB: several chunks
    vendor = Vendor(files={"/result/vocals.mp3": big, "/result/accompaniment.mp3": b"music"})
    paths = make_client(vendor, clock).download_stuffs(result, tmp_path / "stems")
    assert paths == {"vocals": tmp_path / "stems" / "vocals.mp3", "accompaniment": tmp_path / "stems" / "accompaniment.mp3"}
    assert paths["vocals"].read_bytes() == big
    assert paths["accompaniment"].read_bytes() == b"music"
    assert sorted(p.name for p in (tmp_path / "stems").iterdir()) == ["accompaniment.mp3", "vocals.mp3"]
    for request in vendor.requests:
        assert "Authorization" not in request.headers
        assert KEY not in str(request.url)


def test_download_refreshes_links_that_are_about_to_expire(tmp_path: Path) -> None:
    clock = FakeTime()
    result = finished_result(clock)
    clock.wall += 3500  # 58 minutes later
    fresh = [{"name": "vocals.mp3", "business": "vocals", "url": f"https://{CDN}/fresh/vocals.mp3"}]
    vendor = Vendor({f"{API}/order/query": [state("finish", stuffs=fresh)]}, files={"/fresh/vocals.mp3": b"v"})
    paths = make_client(vendor, clock).download_stuffs(result, tmp_path)
    assert paths == {"vocals": tmp_path / "vocals.mp3"}
    assert [r.url.host for r in vendor.requests] == ["api.yinziai.com", CDN]


def test_download_of_an_expired_link_says_so(tmp_path: Path) -> None:
    clock = FakeTime()
    result = finished_result(clock)
    vendor = Vendor(files={"/result/vocals.mp3": lambda _r: httpx.Response(403, text="AccessDenied")})
    with pytest.raises(errors.VendorError, match="expire one hour"):
        make_client(vendor, clock).download_stuffs(result, tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert len(vendor.requests) == 1


def test_truncated_download_leaves_no_file_and_is_retried(tmp_path: Path) -> None:
    clock = FakeTime()
    result = finished_result(clock, STUFFS[:1])
    answers = iter([
        httpx.Response(200, headers={"Content-Length": "10"}, content=b"abc"),
        httpx.Response(200, content=b"0123456789"),
    ])
    vendor = Vendor(files={"/result/vocals.mp3": lambda _r: next(answers)})
    paths = make_client(vendor, clock).download_stuffs(result, tmp_path)
    assert paths["vocals"].read_bytes() == b"0123456789"
    assert [p.name for p in tmp_path.iterdir()] == ["vocals.mp3"]


def test_download_gives_up_and_leaves_no_partial_file(tmp_path: Path) -> None:
    clock = FakeTime()
    result = finished_result(clock, STUFFS[:1])
    vendor = Vendor(files={"/result/vocals.mp3": lambda _r: httpx.Response(503, text="busy")})
    with pytest.raises(errors.TransportError):
        make_client(vendor, clock).download_stuffs(result, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_duplicate_and_unsafe_names(tmp_path: Path) -> None:
    clock = FakeTime()
    stuffs = [
        {"name": "../../etc/out.mp3", "business": "vocals", "url": f"https://{CDN}/r/1.mp3"},
        {"name": "out.mp3", "business": "vocals", "url": f"https://{CDN}/r/2.mp3"},
        {"name": "", "business": "caption", "url": f"https://{CDN}/r/3.srt"},
    ]
    result = finished_result(clock, stuffs)
    vendor = Vendor(files={"/r/1.mp3": b"1", "/r/2.mp3": b"2", "/r/3.srt": b"3"})
    paths = make_client(vendor, clock).download_stuffs(result, tmp_path)
    assert paths == {"vocals": tmp_path / "out.mp3", "1-out.mp3": tmp_path / "1-out.mp3", "caption": tmp_path / "caption.srt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1-out.mp3", "caption.srt", "out.mp3"]


def test_stuff_filename_strips_directories() -> None:
    assert stuff_filename(Stuff("..\\x\\vocals.mp3", "vocals", "https://c/v.mp3")) == "vocals.mp3"
    assert stuff_filename(Stuff("..", "vocals", "https://c/v.mp3")) == "vocals.mp3"
