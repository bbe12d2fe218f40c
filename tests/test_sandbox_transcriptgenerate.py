"""Contract tests: the TranscriptGenerate sandbox answers as the vendor document says.

The real ``TranscriptGenerateClient`` talks to a ``SandboxServer``; raw httpx is used where the
client would refuse before sending (empty or foreign links) or to read exact JSON shapes.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline import errors, sources
from pipeline.media import tools
from pipeline.media.probe import probe
from pipeline.sandbox import PLACEHOLDER_TEXT, ErrorRule, FaultConfig, SandboxConfig, SandboxServer
from pipeline.sandbox.media_library import MediaLibraryConfig, library_for
from pipeline.sandbox.state import SandboxState
from pipeline.sandbox.transcriptgenerate import TranscriptGenerateConfig
from pipeline.vendors.http import NO_RETRY
from pipeline.vendors.polling import PollPolicy
from pipeline.vendors.transcriptgenerate import (
    TaskOptions,
    TranscriptGenerateClient,
    TranscriptGenerateCredentials,
)

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ZH, EN = SAMPLES / "zh_demo.mp4", SAMPLES / "en_demo.mp4"
ZH_TEXT = (SAMPLES / "zh_demo.txt").read_text(encoding="utf-8").strip()
EN_TEXT = (SAMPLES / "en_demo.txt").read_text(encoding="utf-8").strip()
ZH_LINK = "https://v.douyin.com/zhDemo01/"
EN_LINK = "https://www.kuaishou.com/short-video/enDemo01"
XHS_LINK = "https://www.xiaohongshu.com/discovery/item/enDemo02"
# Links no test maps: they resolve by URL hash to the default media, the vertical samples.
ROTATED_LINK = "https://v.douyin.com/abc/"  # → zh_demo.vertical-rotated.mp4 (stored 1920x1080, rotation side data)
UPRIGHT_LINK = "https://v.douyin.com/iRNBho6u/"  # → en_demo.vertical.mp4 (stored 1080x1920); the README's link
SHARE = f"7.43 复制打开抖音，看看【某某的作品】今天的晚霞太美了 #日落 {ZH_LINK} E@u.Fs 09/15 tRK:/ "
API = "/open-gateway/transcript-api/v1"
KEY, SECRET = "ak_sandbox", "sk_sandbox"
OTHER_KEY, OTHER_SECRET = "ak_other", "sk_other"
HEADERS = {"X-API-Key": KEY, "X-API-Secret": SECRET}
FAST_POLL = PollPolicy(interval=0.05, max_interval=0.2, backoff=1.5, deadline=20.0, held_threshold=float("inf"))
CREATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")

# Accounts for tests sharing one sandbox: each test gets its own key, so slots, quota and
# tasks never leak between tests, while the sample fingerprints are computed once.
ACCOUNTS = {f"ak_test{n}": f"sk_test{n}" for n in range(64)}
_next_account = itertools.count()

MakeSandbox = Callable[..., SandboxServer]


def start_sandbox(processing_ms: int = 200, faults: FaultConfig | None = None,
                  links: dict[str, Path] | None = None, **options: Any) -> SandboxServer:
    """A sandbox with TranscriptGenerate options; the three sample links map to fixed media."""
    tg = TranscriptGenerateConfig(extra_accounts={OTHER_KEY: OTHER_SECRET, **ACCOUNTS}, **options)
    library = MediaLibraryConfig(links={ZH_LINK: ZH, EN_LINK: EN, XHS_LINK: EN, **(links or {})})
    config = SandboxConfig(processing_ms=processing_ms, processing_ms_per_audio_s=0, faults=faults or FaultConfig(),
                           vendors={"transcriptgenerate": tg, "media_library": library})
    return SandboxServer(config, vendors=["transcriptgenerate"]).start()


@pytest.fixture(scope="module")
def shared() -> Iterator[SandboxServer]:
    """One default sandbox for the tests that need no special knob."""
    server = start_sandbox()
    yield server
    server.stop()


@pytest.fixture
def account() -> tuple[str, str]:
    """A key and secret no other test uses (on the shared sandbox)."""
    key = f"ak_test{next(_next_account)}"
    return key, ACCOUNTS[key]


@pytest.fixture
def make_sandbox() -> Iterator[MakeSandbox]:
    """Start sandboxes with special options; stopped after the test."""
    servers: list[SandboxServer] = []

    def make(**options: Any) -> SandboxServer:
        servers.append(start_sandbox(**options))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def client_for(sandbox: SandboxServer, key: str = KEY, secret: str = SECRET) -> TranscriptGenerateClient:
    return TranscriptGenerateClient(TranscriptGenerateCredentials(key, secret), f"{sandbox.base_url}/open-gateway",
                                    retry=NO_RETRY, poll=FAST_POLL, slot_wait=20.0)


def headers_of(account: tuple[str, str]) -> dict[str, str]:
    return {"X-API-Key": account[0], "X-API-Secret": account[1]}


def raw(sandbox: SandboxServer, method: str, path: str, headers: dict[str, str] | None = HEADERS,
        **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{sandbox.base_url}{API}{path}", headers=headers, timeout=10.0, **kwargs)


def create_raw(sandbox: SandboxServer, body: dict[str, Any], headers: dict[str, str] = HEADERS) -> httpx.Response:
    return raw(sandbox, "POST", "/task/create", headers=headers, json=body)


# --------------------------------------------------------------------------- authentication


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": KEY}, {"X-API-Secret": SECRET}], ids=["none", "no-secret", "no-key"])
def test_missing_credentials_answer_401_with_the_documented_message(shared: SandboxServer,
                                                                    headers: dict[str, str]) -> None:
    for method, path in (("POST", "/task/create"), ("GET", "/task/query?taskId=1"), ("GET", "/quota/usage"),
                         ("GET", "/quota/concurrency")):
        response = raw(shared, method, path, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == 401
        assert response.json()["msg"] == ("Missing API Key or Secret. Please include X-API-Key and X-API-Secret "
                                           "in the request headers.")


def test_wrong_secret_is_an_authentication_error(shared: SandboxServer) -> None:
    with client_for(shared, KEY, "sk_wrong") as client, pytest.raises(errors.AuthenticationError):
        client.quota_usage()
    assert raw(shared, "GET", "/quota/usage", headers={"X-API-Key": "ak_nobody", "X-API-Secret": SECRET}).status_code == 401
    assert "sk_sandbox" not in repr(TranscriptGenerateConfig())


# --------------------------------------------------------------------------- task/create error rows


@pytest.mark.parametrize(("work_url", "message"), [
    ("", "Video URL cannot be empty"),
    ("   ", "Video URL cannot be empty"),
    ("复制打开抖音，看看这个作品", "Failed to extract a valid platform URL from the input"),
    ("https://www.douyin.com/", "Failed to extract a valid platform URL from the input"),
    ("https://www.bilibili.com/video/BV1xx411c7mD", "This platform is not supported. Please try a different URL."),
    ("https://example.com/videos/123", "This platform is not supported. Please try a different URL."),
    ("https://v.douyin.com/" + "a" * 3000, "The URL is too long. Please check and try again."),
], ids=["empty", "blank", "no-link", "home-page", "bilibili", "unknown-host", "too-long"])
def test_create_refuses_bad_work_urls_with_code_500(shared: SandboxServer, work_url: str, message: str) -> None:
    before = shared.state.submissions.total
    response = create_raw(shared, {"workUrl": work_url})
    assert (response.status_code, response.json()["code"], response.json()["msg"]) == (500, 500, message)
    assert shared.state.submissions.total == before


def test_create_without_work_url_field_is_empty(shared: SandboxServer) -> None:
    body = create_raw(shared, {"targetLanguage": "auto"}).json()
    assert (body["code"], body["msg"]) == (500, "Video URL cannot be empty")


def test_create_takes_the_link_out_of_a_pasted_share_text(shared: SandboxServer, account: tuple[str, str]) -> None:
    link = f"https://v.douyin.com/share{account[0]}/"
    body = create_raw(shared, {"workUrl": f"3.14 复制打开抖音，看看【作品】{link} E@u.Fs"}, headers_of(account)).json()
    assert body["code"] == 200 and body["msg"] == "Task submitted"
    assert body["data"]["status"] == "WAITING"
    assert body["data"]["message"] == "Task submitted, processing in progress"
    assert re.fullmatch(r"\d{19}", body["data"]["taskId"])
    assert shared.state.submissions.by_url[link] == 1


def test_non_professional_account_gets_601(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(professional=False)
    with client_for(sandbox) as client, pytest.raises(errors.AuthenticationError) as caught:
        client.submit(SHARE)
    assert caught.value.code == "601"
    assert caught.value.vendor_message == ("API access is available for Professional members only. "
                                           "Please upgrade your plan.")
    assert sandbox.state.submissions.total == 0


def test_translation_needs_membership(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(member=False)
    with client_for(sandbox) as client:
        with pytest.raises(errors.AuthenticationError) as caught:
            client.submit(SHARE, TaskOptions(target_language="en"))
        assert caught.value.vendor_message == ("Multi-language translation is available for members only. "
                                               "Please upgrade your plan.")
        assert client.submit(SHARE)  # auto (no translation) is fine without membership


def test_translation_is_the_registered_one_or_marked_not_invented(shared: SandboxServer,
                                                                    account: tuple[str, str]) -> None:
    with client_for(shared, *account) as client:
        english = client.transcribe(SHARE, TaskOptions(target_language="en"))
        japanese = client.transcribe(SHARE, TaskOptions(target_language="ja"))
    assert english.text_content == (SAMPLES / "zh_demo.en.txt").read_text(encoding="utf-8").strip()
    assert japanese.text_content == f"[sandbox translation to ja] {ZH_TEXT}"


# --------------------------------------------------------------------------- concurrency


def test_concurrency_full_then_a_slot_frees(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(processing_ms=600, max_concurrency=1)
    with client_for(sandbox) as client:
        first = client.submit(SHARE)
        with pytest.raises(errors.ConcurrencyLimitError) as caught:
            client.submit(EN_LINK)
        assert caught.value.vendor_message == "Concurrency limit reached. Please wait for existing tasks to complete."
        status = client.concurrency()
        assert (status.current, status.maximum, status.available, status.can_add_task) == (1, 1, 0, False)
        waits: list[int] = []
        second = client.submit_when_slot_free(EN_LINK, on_wait=lambda s: waits.append(s.current))
        assert client.query(first).status == "SUCCESS"
        assert client.wait(second).text_content == EN_TEXT
        assert client.concurrency().available == 1
    assert sandbox.state.submissions.duplicates() == {}  # the refused create was not counted


def test_concurrency_answer_shape(shared: SandboxServer, account: tuple[str, str]) -> None:
    create_raw(shared, {"workUrl": ZH_LINK}, headers_of(account))
    data = raw(shared, "GET", "/quota/concurrency", headers=headers_of(account)).json()["data"]
    assert data == {"currentConcurrency": 1, "maxConcurrency": 2, "availableConcurrency": 1, "canAddTask": True}
    # Slots are per key: another account's view is empty.
    other = raw(shared, "GET", "/quota/concurrency", headers={"X-API-Key": OTHER_KEY, "X-API-Secret": OTHER_SECRET})
    assert other.json()["data"]["currentConcurrency"] == 0


# --------------------------------------------------------------------------- quota


def test_quota_is_deducted_by_duration_once(shared: SandboxServer, account: tuple[str, str]) -> None:
    with client_for(shared, *account) as client:
        before = raw(shared, "GET", "/quota/usage", headers=headers_of(account)).json()["data"]
        assert before == {"unlimited": False, "availableSeconds": 7200, "availableMinutes": "120.0",
                          "totalSeconds": 7200, "totalMinutes": "120.0", "usedSeconds": 0, "usedMinutes": "0.0",
                          "deductionType": "monthly"}
        task = client.transcribe(SHARE)
        assert task.duration == pytest.approx(24.5, abs=0.1)
        client.query(task.task_id)  # asking again costs nothing
        usage = client.quota_usage()
    assert (usage.used_seconds, usage.available_seconds, usage.total_seconds) == (25, 7175, 7200)
    assert usage.available_minutes == pytest.approx(119.6) and usage.deduction_type == "monthly"


def test_insufficient_quota_is_refused_at_create(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(processing_ms=400, total_seconds=20)
    with client_for(sandbox) as client:
        with pytest.raises(errors.QuotaExceededError) as caught:
            client.submit(SHARE)  # 24.5 s > 20 s
        assert caught.value.code == "601"
        assert caught.value.vendor_message == "Insufficient quota remaining. Please upgrade your plan."
        first = client.submit(EN_LINK)  # 14.6 s fits
        with pytest.raises(errors.QuotaExceededError):
            client.submit(XHS_LINK)  # the running task holds 15 of the 20 s
        client.wait(first)
        usage = client.quota_usage()
        assert (usage.used_seconds, usage.available_seconds) == (15, 5)
        assert not usage.covers(14.6)


def test_unlimited_quota_shape(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(total_seconds=None)
    with client_for(sandbox) as client:
        client.transcribe(EN_LINK)
        usage = client.quota_usage()
    data = raw(sandbox, "GET", "/quota/usage").json()["data"]
    assert data == {"unlimited": True, "availableSeconds": -1, "availableMinutes": -1, "totalSeconds": -1,
                    "usedSeconds": 15}
    assert usage.unlimited and usage.available_seconds is None and usage.covers(10**9)


# --------------------------------------------------------------------------- task/query


def test_query_waiting_then_success_with_every_field(shared: SandboxServer, account: tuple[str, str]) -> None:
    task_id = create_raw(shared, {"workUrl": SHARE}, headers_of(account)).json()["data"]["taskId"]
    waiting = raw(shared, "GET", "/task/query", headers=headers_of(account), params={"taskId": task_id}).json()
    assert waiting["code"] == 200 and waiting["msg"] == "Success"
    assert waiting["data"]["status"] == "WAITING" and waiting["data"]["errorMessage"] is None
    assert CREATE_TIME.match(waiting["data"]["createTime"])
    with client_for(shared, *account) as client:
        task = client.wait(task_id)
    assert task.status == "SUCCESS" and task.error_message == "Video processing succeeded!"
    assert task.text_content == ZH_TEXT
    assert task.platform == "DOUYIN" and task.work_url == ZH_LINK
    assert task.title and "sandbox" in task.title
    assert task.create_time == waiting["data"]["createTime"]
    assert task.duration == pytest.approx(24.5, abs=0.1)
    assert task.video_url and task.cover
    video = httpx.get(task.video_url, timeout=10.0)
    assert video.status_code == 200 and int(video.headers["content-length"]) == ZH.stat().st_size
    assert video.content == ZH.read_bytes()
    cover = httpx.get(task.cover, timeout=10.0)
    assert cover.status_code == 200 and cover.content[:2] == b"\xff\xd8"  # a JPEG frame


def test_other_platforms_are_named_in_the_result(shared: SandboxServer, account: tuple[str, str]) -> None:
    with client_for(shared, *account) as client:
        xhs = client.wait(client.submit(XHS_LINK))
        kuaishou = client.wait(client.submit(EN_LINK))
    assert (xhs.platform, kuaishou.platform) == ("XHS", "KUAISHOU")
    assert xhs.text_content == kuaishou.text_content == EN_TEXT


@pytest.mark.parametrize(("link", "stored", "text"), [(ROTATED_LINK, (1920, 1080), ZH_TEXT),
                                                     (UPRIGHT_LINK, (1080, 1920), EN_TEXT)], ids=["rotated", "upright"])
def test_share_links_download_vertical_video_like_the_platforms(shared: SandboxServer, account: tuple[str, str],
                                                                tmp_path: Path, link: str, stored: tuple[int, int],
                                                                text: str) -> None:
    with client_for(shared, *account) as client:
        task = client.wait(client.submit(link))
    assert task.video_url
    picture = probe(sources.download(task.video_url, tmp_path, allowed_origins=(shared.base_url,))).video_streams[0]
    assert picture.display_size == (1080, 1920)  # 9:16 as shown
    assert (picture.width, picture.height) == stored
    assert picture.rotation % 180 == (90 if stored[0] > stored[1] else 0)  # a quarter turn makes it portrait
    assert task.text_content == text  # the demo clip's very sound, so its registered transcript
    cover = probe(sources.download(task.cover, tmp_path, allowed_origins=(shared.base_url,))).streams[0]  # mjpeg: not counted as a video stream
    assert cover.display_size == (320, 568)  # the cover frame is taken upright too


def test_a_library_without_vertical_video_still_resolves_links(tmp_path: Path) -> None:
    (tmp_path / "zh_demo.mp4").write_bytes(ZH.read_bytes())
    (tmp_path / "zh_demo.txt").write_text(ZH_TEXT, encoding="utf-8")
    library = library_for(SandboxState(SandboxConfig(processing_ms=0, transcript_dirs=(tmp_path,))))
    assert library.media_for(ROTATED_LINK) == (tmp_path / "zh_demo.mp4").resolve()


def test_default_share_link_media_are_only_the_vertical_samples() -> None:
    library = library_for(SandboxState(SandboxConfig(processing_ms=0)))
    assert {m.name for m in library.media} >= {"zh_demo.mp4", "en_demo.mp4"}
    assert sorted(m.name for m in library.share_media()) == ["en_demo.vertical.mp4", "zh_demo.vertical-rotated.mp4"]


def test_unregistered_media_gets_the_marked_placeholder(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    beeps = tmp_path / "beeps.wav"
    subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "aevalsrc=0.5*sin(2*PI*440*t)*gt(mod(t\\,1.6)\\,0.8):s=16000:d=3.2", str(beeps)], check=True)
    link = "https://v.douyin.com/beeps01/"
    with client_for(make_sandbox(links={link: beeps})) as client:
        task = client.transcribe(link)
    assert task.text_content == PLACEHOLDER_TEXT
    assert task.cover == ""  # audio only: no frame to show


def test_failure_ends_with_error_message(make_sandbox: MakeSandbox) -> None:
    faults = FaultConfig(task_errors=(ErrorRule(code="FAILURE", endpoint="transcriptgenerate.task.create"),))
    sandbox = make_sandbox(faults=faults)
    with client_for(sandbox) as client:
        task_id = client.submit(EN_LINK)
        with pytest.raises(errors.TaskFailedError) as caught:
            client.wait(task_id)
        assert caught.value.vendor_message == "Video processing failed!"
        task = client.query(task_id)
        assert task.status == "FAILURE" and task.text_content is None
        assert client.quota_usage().used_seconds == 0  # a failed task costs nothing
        assert client.concurrency().current == 0


def test_query_error_rows(shared: SandboxServer, account: tuple[str, str]) -> None:
    empty = raw(shared, "GET", "/task/query", params={"taskId": ""})
    assert (empty.status_code, empty.json()["code"], empty.json()["msg"]) == (500, 500, "Task ID cannot be empty")
    assert raw(shared, "GET", "/task/query").json()["msg"] == "Task ID cannot be empty"
    with client_for(shared, *account) as client, client_for(shared, OTHER_KEY, OTHER_SECRET) as other:
        with pytest.raises(errors.TaskNotFoundError) as missing:
            client.query("1893456789012345678")
        assert missing.value.vendor_message == "Task not found"
        task_id = client.submit(EN_LINK)
        with pytest.raises(errors.TaskNotFoundError) as foreign:
            other.query(task_id)
        assert foreign.value.vendor_message == "You do not have permission to access this task"


def test_injected_business_error_uses_the_vendor_envelope(make_sandbox: MakeSandbox) -> None:
    faults = FaultConfig(errors=(ErrorRule(code=500, endpoint="transcriptgenerate.quota.*", message="Database busy"),))
    response = raw(make_sandbox(faults=faults), "GET", "/quota/usage")
    assert (response.status_code, response.json()["code"], response.json()["msg"]) == (500, 500, "Database busy")


# --------------------------------------------------------------------------- links and accounting


def test_video_links_expire(shared: SandboxServer, account: tuple[str, str]) -> None:
    with client_for(shared, *account) as client:
        task = client.transcribe(EN_LINK)
        assert task.video_url
        library = library_for(shared.state)
        library.links.clock = lambda: time.monotonic() + 3601  # one hour later
        try:
            assert httpx.get(task.video_url, timeout=10.0).status_code == 403
        finally:
            library.links.clock = time.monotonic
        fresh = client.query(task.task_id).video_url  # every query mints a fresh link
    assert fresh and fresh != task.video_url and httpx.get(fresh, timeout=10.0).status_code == 200
    assert httpx.get(f"{shared.base_url}/files/nope/x.mp4", timeout=10.0).status_code == 404


def test_each_submission_is_counted_by_url_and_content(shared: SandboxServer, account: tuple[str, str]) -> None:
    link = f"https://v.douyin.com/count{account[0]}/"  # resolves to a sample by URL hash
    api = f"transcriptgenerate.task|url:{link}"
    with client_for(shared, *account) as client:
        client.transcribe(link)
        assert shared.state.submissions.by_api[api] == 1
        client.transcribe(link)
    assert shared.state.submissions.duplicates()[api] == 2
    assert any(key.startswith("transcriptgenerate.task|sha256:") for key in shared.state.submissions.duplicates())
