"""Contract tests: the Yinzi sandbox answers as the vendor document says.

The real ``YinziClient`` talks to a ``SandboxServer``; raw httpx is used where the client would
refuse before sending (missing pathKey, foreign links) or to read exact JSON shapes. Media for
``pathKey`` is served by the sandbox's own expiring file links.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline import errors
from pipeline.media.probe import probe
from pipeline.sandbox import ErrorRule, FaultConfig, SandboxConfig, SandboxServer
from pipeline.sandbox.media_library import MediaLibraryConfig, library_for
from pipeline.sandbox.yinzi import YinziConfig
from pipeline.subtitles.formats import read_cues
from pipeline.vendors.http import NO_RETRY
from pipeline.vendors.polling import Pending, PollPolicy
from pipeline.vendors.yinzi import OrderResult, YinziClient, YinziCredentials

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ZH, EN = SAMPLES / "zh_demo.mp4", SAMPLES / "en_demo.mp4"
EN_LINES = (SAMPLES / "en_demo.txt").read_text(encoding="utf-8").strip().splitlines()
ZH_LINK = "https://v.douyin.com/zhDemo01/"
API = "/api/open/v1"
KEY = "yz_sandbox"
OTHER_KEY = "yz_other"
BALANCE_MSG = "ErrorCode.USER_BLANCE_NOT_ENOUGH"
FAST_POLL = PollPolicy(interval=0.05, max_interval=0.2, backoff=1.5, deadline=20.0, held_threshold=float("inf"))
EN_COST = 3  # ceil(10 points/min × 14.6 s)
# Each test on the shared sandbox takes its own key: its own orders and its own balance.
KEYS = tuple(f"yz_test{n}" for n in range(64))
_next_key = itertools.count()

MakeSandbox = Callable[..., SandboxServer]


def start_sandbox(processing_ms: int = 200, faults: FaultConfig | None = None, **options: Any) -> SandboxServer:
    yinzi = YinziConfig(extra_keys=(OTHER_KEY, *KEYS), **options)
    config = SandboxConfig(processing_ms=processing_ms, processing_ms_per_audio_s=0, faults=faults or FaultConfig(),
                           vendors={"yinzi": yinzi, "media_library": MediaLibraryConfig(links={ZH_LINK: ZH})})
    return SandboxServer(config, vendors=["yinzi"]).start()


@pytest.fixture(scope="module")
def shared() -> Iterator[SandboxServer]:
    server = start_sandbox()
    yield server
    server.stop()


@pytest.fixture
def key() -> str:
    return KEYS[next(_next_key)]


@pytest.fixture
def make_sandbox() -> Iterator[MakeSandbox]:
    servers: list[SandboxServer] = []

    def make(**options: Any) -> SandboxServer:
        servers.append(start_sandbox(**options))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def client_for(sandbox: SandboxServer, key: str = KEY, **kwargs: Any) -> YinziClient:
    return YinziClient(YinziCredentials(key), sandbox.base_url, retry=NO_RETRY, poll=FAST_POLL, **kwargs)


def hosted(sandbox: SandboxServer, media: Path = EN) -> str:
    """An http link to ``media`` for pathKey (the sandbox's own expiring file link)."""
    return library_for(sandbox.state).url_for(sandbox.base_url, media, media.name)


def raw(sandbox: SandboxServer, method: str, path: str, key: str | None = KEY, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, f"{sandbox.base_url}{API}{path}", headers=headers, timeout=10.0, **kwargs)


def query_raw(sandbox: SandboxServer, order_no: str, key: str = KEY) -> dict[str, Any]:
    return raw(sandbox, "GET", "/order/query", key, params={"orderNo": order_no}).json()


def wait_raw(sandbox: SandboxServer, order_no: str, key: str = KEY) -> dict[str, Any]:
    """Poll until the order leaves pending/processing; returns the first such answer."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        body = query_raw(sandbox, order_no, key)
        if body["code"] != 0 or body["data"]["status"] not in ("pending", "processing"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"order {order_no} still running")


# --------------------------------------------------------------------------- authentication


def test_missing_key_is_401_api_key_is_required(shared: SandboxServer) -> None:
    for method, path in (("POST", "/order/create"), ("GET", "/order/query?orderNo=x"), ("POST", "/short-video/analyze")):
        response = raw(shared, method, path, key=None)
        assert response.status_code == 401
        assert (response.json()["code"], response.json()["msg"]) == (401, "API Key is required")


def test_invalid_key_is_401(shared: SandboxServer) -> None:
    with client_for(shared, "yz_wrong") as client, pytest.raises(errors.AuthenticationError) as caught:
        client.query_order("abc")
    assert caught.value.vendor_message == "Invalid API Key"
    by_query = httpx.get(f"{shared.base_url}{API}/order/query", params={"orderNo": "x", "apiKey": "yz_wrong"})
    assert (by_query.status_code, by_query.json()["msg"]) == (401, "Invalid API Key")
    assert "yz_sandbox" not in repr(YinziConfig())


def test_query_string_auth_is_accepted(shared: SandboxServer, key: str) -> None:
    response = httpx.post(f"{shared.base_url}{API}/short-video/analyze", params={"apiKey": key},
                          json={"link": ZH_LINK}, timeout=10.0)
    assert response.status_code == 200 and response.json()["code"] == 0
    assert response.json()["data"]["balance"] == 990


# --------------------------------------------------------------------------- order/create errors


@pytest.mark.parametrize(("body", "message"), [
    ({"orderType": "extract-voice"}, "pathKey is required"),
    ({"orderType": "extract-voice", "stuff": {}}, "pathKey is required"),
    ({"orderType": "extract-voice", "stuff": {"pathKey": "  "}}, "pathKey is required"),
    ({"orderType": "extract-voice", "stuff": {"pathKey": "/home/me/song.mp3"}}, "pathKey must be an http(s) URL"),
    ({"orderType": "karaoke", "stuff": {"pathKey": "https://example.com/a.mp3"}}, "orderType is invalid"),
], ids=["no-stuff", "no-path-key", "blank", "local-path", "bad-type"])
def test_create_refuses_bad_requests_with_400(shared: SandboxServer, body: dict[str, Any], message: str) -> None:
    before = shared.state.submissions.total
    response = raw(shared, "POST", "/order/create", json=body)
    assert response.status_code == 400 and response.json()["code"] == 400
    assert response.json()["msg"].startswith(message)
    assert shared.state.submissions.total == before


def test_create_answer_shape(shared: SandboxServer, key: str) -> None:
    body = raw(shared, "POST", "/order/create", key,
               json={"orderType": "extract-voice", "stuff": {"pathKey": hosted(shared)}}).json()
    assert body["code"] == 0 and body["msg"] == "success"
    data = body["data"]
    assert len(data["orderNo"]) == 18 and data["orderNo"].isalnum()
    assert data["orderType"] == "extract-voice" and data["payStatus"] == "waiting"
    assert data["orderStatus"] in ("pending", "processing") and data["messageId"]


# --------------------------------------------------------------------------- orders end to end


@pytest.mark.parametrize(("order_type", "expected"), [
    ("track-separation", {"vocals": "vocals.mp3", "accompaniment": "accompaniment.mp3"}),
    ("extract-voice", {"vocals": "vocals.mp3"}),
    ("extract-music", {"accompaniment": "accompaniment.mp3"}),
    ("extract-text", {"caption": "caption.srt"}),
])
def test_order_types_end_to_end(shared: SandboxServer, key: str, tmp_path: Path, order_type: str,
                                expected: dict[str, str]) -> None:
    with client_for(shared, key) as client:
        result = client.wait_order(client.create_order(order_type, hosted(shared)))
        paths = client.download_stuffs(result, tmp_path)
    assert (result.status, result.order_type, result.cost, result.balance) == ("finish", order_type, EN_COST, 1000 - EN_COST)
    assert {s.business: s.name for s in result.stuffs} == expected
    assert {business: path.name for business, path in paths.items()} == expected
    source_s = probe(EN).duration_s
    for business, path in paths.items():
        if business == "caption":
            cues = read_cues(path)
            assert [" ".join(cue.lines) for cue in cues] == EN_LINES  # the registered transcript, timed
            assert 0 < cues[0].start_ms < cues[-1].end_ms <= source_s * 1000
        else:
            info = probe(path)
            assert info.audio is not None and info.audio.codec_name == "mp3"
            assert info.duration_s == pytest.approx(source_s, abs=0.3)
    if order_type == "track-separation":
        assert paths["vocals"].read_bytes() != paths["accompaniment"].read_bytes()


def test_statuses_go_pending_processing_finish(make_sandbox: MakeSandbox) -> None:
    # Wide enough windows that a loaded machine still sees every state.
    sandbox = make_sandbox(processing_ms=3000, queue_ms=1500)
    created = raw(sandbox, "POST", "/order/create",
                  json={"orderType": "extract-voice", "stuff": {"pathKey": hosted(sandbox)}}).json()["data"]
    assert created["orderStatus"] == "pending"
    seen: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not seen or seen[-1] != "finish"):
        status = query_raw(sandbox, created["orderNo"])["data"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.03)
    assert seen == ["pending", "processing", "finish"]


def test_cost_is_charged_once_at_the_first_finished_query(shared: SandboxServer, key: str) -> None:
    order_no = raw(shared, "POST", "/order/create", key,
                   json={"orderType": "extract-music", "stuff": {"pathKey": hosted(shared)}}).json()["data"]["orderNo"]
    running = query_raw(shared, order_no, key)["data"]
    assert running["status"] in ("pending", "processing")
    assert (running["cost"], running["balance"], running["stuffs"], running["reason"]) == (0, 1000, [], None)
    first = wait_raw(shared, order_no, key)["data"]
    assert (first["status"], first["cost"], first["balance"]) == ("finish", EN_COST, 1000 - EN_COST)
    again = query_raw(shared, order_no, key)["data"]
    assert (again["cost"], again["balance"]) == (EN_COST, 1000 - EN_COST)
    assert again["stuffs"][0]["url"] != first["stuffs"][0]["url"]  # links are minted per answer


def test_expired_result_links_are_refused_and_a_new_query_refreshes_them(shared: SandboxServer, key: str,
                                                                       tmp_path: Path) -> None:
    library = library_for(shared.state)
    with client_for(shared, key) as client:
        result = client.wait_order(client.create_order("extract-voice", hosted(shared)))
        library.links.clock = lambda: time.monotonic() + 3601  # an hour later
        try:
            with pytest.raises(errors.VendorError) as caught:
                client.download_stuffs(result, tmp_path / "late")
            assert caught.value.code == "403"
        finally:
            library.links.clock = time.monotonic
    # A client that knows the links are old asks again (free) and gets working ones.
    with client_for(shared, key, wall_clock=lambda: time.time() + 3600) as late_client:
        paths = late_client.download_stuffs(result, tmp_path / "fresh")
    assert probe(paths["vocals"]).audio is not None
    assert query_raw(shared, result.order_no, key)["data"]["balance"] == 1000 - EN_COST


# --------------------------------------------------------------------------- order/query errors


def test_order_not_found_also_for_another_keys_order(shared: SandboxServer, key: str) -> None:
    empty = raw(shared, "GET", "/order/query", params={"orderNo": ""})
    assert (empty.status_code, empty.json()["msg"]) == (400, "orderNo is required")
    with client_for(shared, key) as client, client_for(shared, OTHER_KEY) as other:
        with pytest.raises(errors.TaskNotFoundError) as missing:
            client.query_order("abc123XYZ789defGHI")
        assert missing.value.vendor_message == "Order not found"
        order_no = client.create_order("extract-voice", hosted(shared))
        with pytest.raises(errors.TaskNotFoundError) as foreign:
            other.query_order(order_no)
        assert foreign.value.vendor_message == "Order not found"


@pytest.mark.parametrize(("code", "status"), [("failed", "failed"), ("timeout", "timeout")])
def test_failed_and_timed_out_orders_cost_nothing(make_sandbox: MakeSandbox, code: str, status: str) -> None:
    faults = FaultConfig(task_errors=(ErrorRule(code=code, endpoint="yinzi.order.create", message="engine gave up"),))
    sandbox = make_sandbox(faults=faults)
    with client_for(sandbox) as client:
        order_no = client.create_order("track-separation", hosted(sandbox))
        with pytest.raises(errors.TaskFailedError) as caught:
            client.wait_order(order_no)
    assert caught.value.vendor_message == "engine gave up"
    data = query_raw(sandbox, order_no)["data"]
    assert (data["status"], data["reason"], data["cost"], data["stuffs"], data["balance"]) == (
        status, "engine gave up", 0, [], 1000)


def test_unreachable_path_key_fails_the_order(shared: SandboxServer, key: str) -> None:
    body = raw(shared, "POST", "/order/create", key,
               json={"orderType": "extract-text", "stuff": {"pathKey": f"{shared.base_url}/files/gone/a.mp3"}}).json()
    data = wait_raw(shared, body["data"]["orderNo"], key)["data"]
    assert data["status"] == "failed" and "HTTP 404" in data["reason"] and data["cost"] == 0


def test_injected_error_on_create_is_not_resent(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(faults=FaultConfig(errors=(ErrorRule(code=500, endpoint="yinzi.order.create"),)))
    with client_for(sandbox) as client, pytest.raises(errors.ServerBusyError):
        client.create_order("extract-voice", hosted(sandbox))
    assert sandbox.state.requests["yinzi.order.create"] == 1
    assert sandbox.state.submissions.total == 0


# --------------------------------------------------------------------------- short-video/analyze


def test_analyze_charges_immediately_and_links_work(shared: SandboxServer, key: str) -> None:
    with client_for(shared, key) as client:
        video = client.analyze_short_video(f"7.43 复制打开抖音，看看【作品】 {ZH_LINK} E@u.Fs")
        assert video.balance == 990
        assert client.analyze_short_video(ZH_LINK).balance == 980  # every call is charged
    assert video.title and "sandbox" in video.title and video.author
    assert video.video_url and video.cover and video.music_url
    clip = httpx.get(video.video_url, timeout=10.0)
    assert int(clip.headers["content-length"]) == ZH.stat().st_size and clip.content == ZH.read_bytes()
    assert httpx.get(video.cover, timeout=10.0).content[:2] == b"\xff\xd8"
    music = httpx.get(video.music_url, timeout=10.0)
    assert music.status_code == 200 and music.headers["content-type"] == "audio/mpeg"


def test_analyze_video_url_is_a_vertical_phone_file(shared: SandboxServer, key: str, tmp_path: Path) -> None:
    link = "https://v.douyin.com/abc/"  # unmapped: the URL hash picks zh_demo.vertical-rotated.mp4
    with client_for(shared, key) as client:
        video = client.analyze_short_video(link)
    assert video.video_url
    clip = tmp_path / "work.mp4"
    clip.write_bytes(httpx.get(video.video_url, timeout=10.0).content)
    picture = probe(clip).video_streams[0]
    assert (picture.width, picture.height) == (1920, 1080) and picture.rotation % 180 == 90
    assert picture.display_size == (1080, 1920)


def test_analyze_refuses_empty_and_unsupported_links_without_charging(shared: SandboxServer, key: str) -> None:
    for body, message in (({}, "link is required"), ({"link": "https://www.bilibili.com/video/BV1xx411c7mD"},
                                                     "Unsupported short video link")):
        response = raw(shared, "POST", "/short-video/analyze", key, json=body)
        assert (response.status_code, response.json()["code"], response.json()["msg"]) == (400, 400, message)
    weibo = raw(shared, "POST", "/short-video/analyze", key, json={"link": "https://weibo.com/tv/show/1034:49"})
    assert weibo.json()["code"] == 0 and weibo.json()["data"]["balance"] == 990  # only the good call was charged


# --------------------------------------------------------------------------- balance


def test_balance_not_enough_for_analyze_or_to_pay_a_finished_order(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(balance=2)
    with client_for(sandbox) as client:
        with pytest.raises(errors.QuotaExceededError) as analyze:
            client.analyze_short_video(ZH_LINK)  # costs 10
        assert analyze.value.vendor_message == BALANCE_MSG
        order_no = client.create_order("extract-voice", hosted(sandbox))  # 2 ≥ min_cost: accepted
        with pytest.raises(errors.QuotaExceededError) as pay:
            client.wait_order(order_no)  # finished, but costs 3
        assert pay.value.vendor_message == BALANCE_MSG
    # Nothing was taken: asking again still finds the order unpaid and the balance short.
    for _ in range(2):
        body = query_raw(sandbox, order_no)
        assert (body["code"], body["msg"], body["data"]) == (500, BALANCE_MSG, None)


def test_create_refused_when_the_balance_cannot_pay_anything(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(balance=0.5)
    with client_for(sandbox) as client, pytest.raises(errors.QuotaExceededError) as caught:
        client.create_order("extract-text", hosted(sandbox))
    assert caught.value.vendor_message == BALANCE_MSG
    assert sandbox.state.submissions.total == 0


# --------------------------------------------------------------------------- accounting


def test_submissions_are_counted_by_url_and_content(shared: SandboxServer, key: str) -> None:
    url = hosted(shared)
    with client_for(shared, key) as client:
        result = client.wait_order(client.create_order("extract-voice", url))
    assert isinstance(result, OrderResult) and not isinstance(result, Pending)
    counts = shared.state.submissions
    assert counts.by_api[f"yinzi.extract-voice|url:{url}"] == 1
    assert counts.by_url[url] == 1
    assert any(k.startswith("yinzi.extract-voice|sha256:") for k in counts.by_api)
