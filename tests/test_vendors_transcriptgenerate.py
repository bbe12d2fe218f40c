"""TranscriptGenerate client against MockTransport handlers that answer the documented JSON shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pipeline import errors
from pipeline.vendors.http import RetryPolicy
from pipeline.vendors.transcriptgenerate import (
    ConcurrencyStatus,
    QuotaUsage,
    TaskOptions,
    TranscriptGenerateClient,
    TranscriptGenerateCredentials,
    TranscriptTask,
    error_for,
)

BASE = "https://api.transcriptgenerate.com/open-gateway"
API = "/open-gateway/transcript-api/v1"
KEY = "ak_1a2b3c4d5e"
SECRET = "sk_9f8e7d6c5b-topsecret"
SHARE = "7.43 复制打开抖音，看看【某某的作品】今天的晚霞太美了 #日落 https://v.douyin.com/iRNBho6u/ E@u.Fs 09/15 tRK:/ "
TASK_ID = "1893456789012345678"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


class Vendor:
    """Records requests and answers each path from a queue of (HTTP status, JSON body)."""

    def __init__(self, routes: dict[str, list[tuple[int, Any]]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes[request.url.path]
        status, body = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(body, str | bytes):
            return httpx.Response(status, content=body)
        return httpx.Response(status, json=body)

    def paths(self) -> list[str]:
        return [r.url.path.rsplit("/v1/", 1)[1] for r in self.requests]


def ok(data: dict[str, Any], msg: str = "Success") -> tuple[int, dict[str, Any]]:
    return 200, {"code": 200, "msg": msg, "data": data}


def fail(code: int, msg: str, http: int = 200) -> tuple[int, dict[str, Any]]:
    return http, {"code": code, "msg": msg}


CREATED = ok({"taskId": TASK_ID, "status": "WAITING", "message": "Task submitted, processing in progress"}, "Task submitted")
WAITING = ok({"taskId": TASK_ID, "status": "WAITING", "errorMessage": None, "createTime": "2026-06-04 17:30:00"})
SUCCESS_DATA = {
    "taskId": TASK_ID,
    "status": "SUCCESS",
    "errorMessage": "Video processing succeeded!",
    "textContent": "Full transcript extracted from the video...",
    "title": "Video Title",
    "platform": "DOUYIN",
    "duration": 60.5,
    "videoUrl": "https://example.com/video.mp4",
    "workUrl": "https://v.douyin.com/xxxxxx",
    "cover": "https://example.com/cover.jpg",
    "createTime": "2026-06-04 17:30:00",
}
SUCCESS = ok(SUCCESS_DATA)
FAILURE = ok({"taskId": TASK_ID, "status": "FAILURE", "errorMessage": "Video processing failed!", "createTime": "2026-06-04 17:30:00"})
CONCURRENCY_FULL = fail(601, "Concurrency limit reached. Please wait for existing tasks to complete.")


def slots(current: int, maximum: int) -> tuple[int, dict[str, Any]]:
    free = maximum - current
    return ok({"currentConcurrency": current, "maxConcurrency": maximum, "availableConcurrency": free, "canAddTask": free > 0})


def make_client(vendor: Handler, clock: FakeTime | None = None, **kwargs: Any) -> TranscriptGenerateClient:
    clock = clock or FakeTime()
    kwargs.setdefault("retry", RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.01))
    return TranscriptGenerateClient(
        TranscriptGenerateCredentials(KEY, SECRET), BASE, transport=httpx.MockTransport(vendor),
        sleep=clock.sleep, clock=clock.clock, **kwargs,
    )


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert SECRET not in str(text)


# -- credentials ------------------------------------------------------------------------------


def test_from_env_reads_both_and_masks_the_secret() -> None:
    creds = TranscriptGenerateCredentials.from_env(
        {"TRANSCRIPTGENERATE_API_KEY": KEY, "TRANSCRIPTGENERATE_API_SECRET": SECRET}
    )
    assert (creds.api_key, creds.api_secret) == (KEY, SECRET)
    assert_no_secret(repr(creds), repr(make_client(Vendor({}))))
    assert "***" in repr(creds)


def test_from_env_names_what_is_missing() -> None:
    with pytest.raises(errors.InputError, match="TRANSCRIPTGENERATE_API_SECRET"):
        TranscriptGenerateCredentials.from_env({"TRANSCRIPTGENERATE_API_KEY": KEY})


# -- task/create ------------------------------------------------------------------------------


def test_create_sends_headers_and_the_extracted_link() -> None:
    vendor = Vendor({f"{API}/task/create": [CREATED]})
    assert make_client(vendor).submit(SHARE) == TASK_ID
    (request,) = vendor.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/transcript-api/v1/task/create"
    assert request.headers["X-API-Key"] == KEY
    assert request.headers["X-API-Secret"] == SECRET
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"workUrl": "https://v.douyin.com/iRNBho6u/", "targetLanguage": "auto"}
    assert_no_secret(request.url)


def test_create_with_translation_target() -> None:
    vendor = Vendor({f"{API}/task/create": [CREATED]})
    make_client(vendor).submit("https://www.xiaohongshu.com/discovery/item/64a1b2", TaskOptions(target_language="en"))
    assert json.loads(vendor.requests[0].content)["targetLanguage"] == "en"


@pytest.mark.parametrize("language", ["", "English", "en us", "EN"])
def test_task_options_reject_non_language_codes(language: str) -> None:
    with pytest.raises(errors.InputError, match="target_language"):
        TaskOptions(target_language=language)


@pytest.mark.parametrize(
    ("text", "cls", "message"),
    [
        ("", errors.InputError, "Video URL cannot be empty"),
        ("今天的晚霞太美了", errors.InputError, "Failed to extract a valid platform URL from the input"),
        ("https://b23.tv/Ab12Cd3", errors.UnsupportedPlatformError, "This platform is not supported. Please try a different URL."),
        ("https://v.douyin.com/" + "a" * 3000, errors.InputError, "The URL is too long. Please check and try again."),
    ],
)
def test_bad_share_text_is_rejected_before_any_request(text: str, cls: type[Exception], message: str) -> None:
    vendor = Vendor({})
    with pytest.raises(cls) as info:
        make_client(vendor).submit(text)
    assert message in str(info.value)
    assert vendor.requests == []


def test_platforms_can_be_widened() -> None:
    vendor = Vendor({f"{API}/task/create": [CREATED]})
    client = make_client(vendor, platforms=("DOUYIN", "XHS", "KUAISHOU", "BILIBILI"))
    assert client.submit("https://b23.tv/Ab12Cd3") == TASK_ID


CREATE_ROWS = [
    (500, "Video URL cannot be empty", errors.InvalidRequestError),
    (500, "Failed to extract a valid platform URL from the input", errors.InvalidRequestError),
    (500, "This platform is not supported. Please try a different URL.", errors.UnsupportedPlatformError),
    (500, "The URL is too long. Please check and try again.", errors.InvalidRequestError),
    (601, "API access is available for Professional members only. Please upgrade your plan.", errors.AuthenticationError),
    (601, "Concurrency limit reached. Please wait for existing tasks to complete.", errors.ConcurrencyLimitError),
    (601, "Insufficient quota remaining. Please upgrade your plan.", errors.QuotaExceededError),
    (601, "Multi-language translation is available for members only. Please upgrade your plan.", errors.AuthenticationError),
    (401, "Missing API Key or Secret. Please include X-API-Key and X-API-Secret in the request headers.", errors.AuthenticationError),
]


@pytest.mark.parametrize("http_status", ["200", "same"])
@pytest.mark.parametrize(("code", "msg", "cls"), CREATE_ROWS)
def test_create_error_rows(code: int, msg: str, cls: type[errors.VendorError], http_status: str) -> None:
    http = 200 if http_status == "200" or code == 601 else code
    vendor = Vendor({f"{API}/task/create": [fail(code, msg, http)]})
    with pytest.raises(cls) as info:
        make_client(vendor).submit(SHARE)
    error = info.value
    assert type(error) is cls
    assert (error.vendor, error.code, error.vendor_message) == ("transcriptgenerate", str(code), msg)
    assert error.hint
    # A refused create is not repeated: concurrency waits are submit_when_slot_free's job.
    assert len(vendor.requests) == 1
    assert_no_secret(error)


def test_http_401_without_json_is_an_authentication_error() -> None:
    vendor = Vendor({f"{API}/task/create": [(401, "Unauthorized")]})
    with pytest.raises(errors.AuthenticationError, match="TRANSCRIPTGENERATE_API_KEY"):
        make_client(vendor).submit(SHARE)


def test_unknown_500_on_create_is_not_resent() -> None:
    vendor = Vendor({f"{API}/task/create": [fail(500, "Internal error", 500), CREATED]})
    with pytest.raises(errors.ServerBusyError):
        make_client(vendor).submit(SHARE)
    assert len(vendor.requests) == 1


def test_create_resent_when_the_connection_never_opened() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=CREATED[1])

    assert make_client(handler).submit(SHARE) == TASK_ID
    assert calls["n"] == 2


def test_create_not_resent_after_a_read_timeout() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(errors.TransportError) as info:
        make_client(handler).submit(SHARE)
    assert calls["n"] == 1
    assert_no_secret(info.value)


# -- concurrency-full waiting -----------------------------------------------------------------


def test_submit_when_slot_free_waits_for_a_slot_then_creates() -> None:
    clock = FakeTime()
    vendor = Vendor({
        f"{API}/task/create": [CONCURRENCY_FULL, CREATED],
        f"{API}/quota/concurrency": [slots(2, 2), slots(2, 2), slots(1, 2)],
    })
    seen: list[ConcurrencyStatus] = []
    task_id = make_client(vendor, clock).submit_when_slot_free(SHARE, on_wait=seen.append)
    assert task_id == TASK_ID
    assert vendor.paths() == ["task/create", "quota/concurrency", "quota/concurrency", "quota/concurrency", "task/create"]
    assert [s.available for s in seen] == [0, 0]
    assert clock.sleeps and all(2.0 <= s <= 5.0 for s in clock.sleeps)


def test_submit_when_slot_free_survives_a_lost_race_for_the_slot() -> None:
    vendor = Vendor({
        f"{API}/task/create": [CONCURRENCY_FULL, CONCURRENCY_FULL, CREATED],
        f"{API}/quota/concurrency": [slots(1, 2)],
    })
    assert make_client(vendor).submit_when_slot_free(SHARE) == TASK_ID
    assert vendor.paths().count("task/create") == 3


def test_submit_when_slot_free_gives_up_at_its_deadline() -> None:
    clock = FakeTime()
    vendor = Vendor({f"{API}/task/create": [CONCURRENCY_FULL], f"{API}/quota/concurrency": [slots(2, 2)]})
    with pytest.raises(errors.DeadlineExceededError, match="no task slot") as info:
        make_client(vendor, clock).submit_when_slot_free(SHARE, max_wait=60)
    assert isinstance(info.value.__cause__, errors.ConcurrencyLimitError)
    assert sum(clock.sleeps) <= 60
    assert vendor.paths().count("task/create") == 1


def test_submit_when_slot_free_does_not_wait_on_other_errors() -> None:
    vendor = Vendor({f"{API}/task/create": [fail(601, "Insufficient quota remaining. Please upgrade your plan.")]})
    with pytest.raises(errors.QuotaExceededError):
        make_client(vendor).submit_when_slot_free(SHARE)
    assert len(vendor.requests) == 1


# -- task/query and waiting -------------------------------------------------------------------


def test_query_waiting_shape() -> None:
    vendor = Vendor({f"{API}/task/query": [WAITING]})
    task = make_client(vendor).query(TASK_ID)
    assert task == TranscriptTask(task_id=TASK_ID, status="WAITING", create_time="2026-06-04 17:30:00")
    (request,) = vendor.requests
    assert request.method == "GET"
    assert request.url.params["taskId"] == TASK_ID
    assert request.headers["X-API-Key"] == KEY and request.headers["X-API-Secret"] == SECRET
    assert_no_secret(request.url)


def test_query_success_has_every_documented_field() -> None:
    task = make_client(Vendor({f"{API}/task/query": [SUCCESS]})).query(TASK_ID)
    assert task == TranscriptTask(
        task_id=TASK_ID,
        status="SUCCESS",
        error_message="Video processing succeeded!",
        text_content="Full transcript extracted from the video...",
        title="Video Title",
        platform="DOUYIN",
        duration=60.5,
        video_url="https://example.com/video.mp4",
        work_url="https://v.douyin.com/xxxxxx",
        cover="https://example.com/cover.jpg",
        create_time="2026-06-04 17:30:00",
    )
    assert task.raw["taskId"] == TASK_ID


def test_query_failure_is_returned_not_raised() -> None:
    task = make_client(Vendor({f"{API}/task/query": [FAILURE]})).query(TASK_ID)
    assert (task.status, task.error_message) == ("FAILURE", "Video processing failed!")


def test_wait_polls_every_2_to_5_seconds_until_success() -> None:
    clock = FakeTime()
    vendor = Vendor({f"{API}/task/query": [WAITING, WAITING, WAITING, WAITING, WAITING, SUCCESS]})
    pending: list[int] = []
    task = make_client(vendor, clock).wait(TASK_ID, on_pending=lambda n, _detail: pending.append(n))
    assert task.text_content == "Full transcript extracted from the video..."
    assert pending == [1, 2, 3, 4, 5]
    assert len(clock.sleeps) == 5 and all(2.0 <= s <= 5.0 for s in clock.sleeps)
    assert clock.sleeps == sorted(clock.sleeps)


def test_wait_raises_task_failed_with_the_error_message() -> None:
    vendor = Vendor({f"{API}/task/query": [WAITING, FAILURE]})
    with pytest.raises(errors.TaskFailedError) as info:
        make_client(vendor).wait(TASK_ID)
    assert info.value.vendor_message == "Video processing failed!"
    assert TASK_ID in str(info.value)


def test_wait_treats_an_unknown_status_as_still_running() -> None:
    odd = ok({"taskId": TASK_ID, "status": "PROCESSING"})
    vendor = Vendor({f"{API}/task/query": [odd, SUCCESS]})
    assert make_client(vendor).wait(TASK_ID).status == "SUCCESS"


def test_wait_gives_up_at_the_poll_deadline() -> None:
    from pipeline.vendors.polling import PollPolicy

    clock = FakeTime()
    vendor = Vendor({f"{API}/task/query": [WAITING]})
    client = make_client(vendor, clock, poll=PollPolicy(interval=2, max_interval=5, deadline=30, held_threshold=float("inf")))
    with pytest.raises(errors.DeadlineExceededError):
        client.wait(TASK_ID)
    assert sum(clock.sleeps) <= 30


def test_transcribe_submits_and_waits() -> None:
    vendor = Vendor({f"{API}/task/create": [CREATED], f"{API}/task/query": [WAITING, SUCCESS]})
    assert make_client(vendor).transcribe(SHARE).title == "Video Title"
    assert vendor.paths() == ["task/create", "task/query", "task/query"]


QUERY_ROWS = [
    ("Task ID cannot be empty", errors.InvalidRequestError),
    ("Task not found", errors.TaskNotFoundError),
    ("You do not have permission to access this task", errors.TaskNotFoundError),
]


@pytest.mark.parametrize("http", [200, 500])
@pytest.mark.parametrize(("msg", "cls"), QUERY_ROWS)
def test_query_error_rows(msg: str, cls: type[errors.VendorError], http: int) -> None:
    vendor = Vendor({f"{API}/task/query": [fail(500, msg, http)]})
    with pytest.raises(cls) as info:
        make_client(vendor).query(TASK_ID)
    assert type(info.value) is cls
    assert info.value.vendor_message == msg
    # Documented rows are answers, not outages: asking again would not change them.
    assert len(vendor.requests) == 1


@pytest.mark.parametrize("task_id", ["", "  "])
def test_empty_task_id_is_rejected_locally(task_id: str) -> None:
    vendor = Vendor({})
    with pytest.raises(errors.InputError, match="Task ID cannot be empty"):
        make_client(vendor).query(task_id)
    assert vendor.requests == []


def test_query_retries_server_trouble_then_succeeds() -> None:
    vendor = Vendor({f"{API}/task/query": [fail(500, "System busy", 500), (502, "<html>bad gateway</html>"), SUCCESS]})
    assert make_client(vendor).query(TASK_ID).status == "SUCCESS"
    assert len(vendor.requests) == 3


def test_query_gives_up_after_the_retry_budget() -> None:
    vendor = Vendor({f"{API}/task/query": [(503, "busy")]})
    with pytest.raises(errors.TransportError, match="HTTP 503"):
        make_client(vendor).query(TASK_ID)
    assert len(vendor.requests) == 3


# -- quota ------------------------------------------------------------------------------------


def test_quota_usage_limited() -> None:
    vendor = Vendor({f"{API}/quota/usage": [ok({
        "unlimited": False, "availableSeconds": 3600, "availableMinutes": "60.0", "totalSeconds": 7200,
        "totalMinutes": "120.0", "usedSeconds": 3600, "usedMinutes": "60.0", "deductionType": "monthly",
    })]})
    usage = make_client(vendor).quota_usage()
    assert usage == QuotaUsage(
        unlimited=False, available_seconds=3600, available_minutes=60.0, total_seconds=7200,
        total_minutes=120.0, used_seconds=3600, used_minutes=60.0, deduction_type="monthly",
    )
    assert usage.covers(3600) and not usage.covers(3601)
    assert vendor.requests[0].headers["X-API-Secret"] == SECRET


def test_quota_usage_unlimited() -> None:
    vendor = Vendor({f"{API}/quota/usage": [ok({
        "unlimited": True, "availableSeconds": -1, "availableMinutes": -1, "totalSeconds": -1, "usedSeconds": 0,
    })]})
    usage = make_client(vendor).quota_usage()
    assert usage == QuotaUsage(unlimited=True, used_seconds=0)
    assert usage.covers(10**9)


def test_quota_concurrency() -> None:
    vendor = Vendor({f"{API}/quota/concurrency": [slots(1, 2)]})
    assert make_client(vendor).concurrency() == ConcurrencyStatus(current=1, maximum=2, available=1, can_add_task=True)


@pytest.mark.parametrize("path", ["quota/usage", "quota/concurrency"])
def test_account_endpoints_map_401(path: str) -> None:
    msg = "Missing API Key or Secret. Please include X-API-Key and X-API-Secret in the request headers."
    vendor = Vendor({f"{API}/{path}": [fail(401, msg, 401)]})
    client = make_client(vendor)
    with pytest.raises(errors.AuthenticationError) as info:
        client.quota_usage() if path == "quota/usage" else client.concurrency()
    assert_no_secret(info.value)


# -- mapping table ----------------------------------------------------------------------------


def test_codes_arrive_as_strings_too() -> None:
    assert isinstance(error_for({"code": "601", "msg": "Insufficient quota remaining."}), errors.QuotaExceededError)


def test_unknown_601_is_a_plain_vendor_error() -> None:
    error = error_for({"code": 601, "msg": "Something new"})
    assert type(error) is errors.VendorError and error.code == "601"


def test_concurrency_error_is_retryable_and_the_others_are_not() -> None:
    assert error_for({"code": 601, "msg": CONCURRENCY_FULL[1]["msg"]}).retryable
    for code, msg, _cls in CREATE_ROWS:
        if "Concurrency" not in msg:
            assert not error_for({"code": code, "msg": msg}).retryable
