"""Requests paced per vendor account, so a batch stays under the vendor's QPS instead of suffering 1003s."""

from __future__ import annotations

import threading

import httpx
import pytest

from pipeline import errors
from pipeline.vendors.http import RetryPolicy
from pipeline.vendors.pacing import Pace, Pacer, account_key, pace_from_settings, pacer_for
from pipeline.vendors.volcengine import VolcengineClient, VolcengineCredentials


class FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def send_times(pacer: Pacer, fake: FakeTime, count: int) -> list[float]:
    times = []
    for _ in range(count):
        pacer.wait()
        times.append(round(fake.now - 100.0, 3))
    return times


def test_requests_are_spaced_at_the_pace() -> None:
    fake = FakeTime()
    pacer = Pacer(Pace(4.0), clock=fake.clock, sleep=fake.sleep)
    assert send_times(pacer, fake, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_an_idle_account_may_send_a_short_burst_but_no_more() -> None:
    fake = FakeTime()
    pacer = Pacer(Pace(2.0, burst=3), clock=fake.clock, sleep=fake.sleep)
    fake.now += 60  # quiet for a minute
    assert [t - 60 for t in send_times(pacer, fake, 5)] == [0.0, 0.0, 0.0, 0.5, 1.0]


def test_too_frequent_holds_every_request_back_then_halves_the_pace() -> None:
    fake = FakeTime()
    pacer = Pacer(Pace(4.0), clock=fake.clock, sleep=fake.sleep)
    pacer.wait()
    pacer.back_off(1.0)
    assert send_times(pacer, fake, 3) == [1.0, 1.5, 2.0]  # after the hold, 2/s instead of 4/s
    fake.now += 60  # the slow spell is over
    start = fake.now - 100.0
    assert [round(t - start, 3) for t in send_times(pacer, fake, 2)] == [0.0, 0.25]


def test_unpaced_sends_at_once() -> None:
    fake = FakeTime()
    pacer = Pacer(Pace(None), clock=fake.clock, sleep=fake.sleep)
    send_times(pacer, fake, 20)
    assert fake.slept == []


@pytest.mark.parametrize(("value", "expected"), [("", 5.0), ("2.5", 2.5), ("0", None), ("fast", 5.0)])
def test_the_pace_comes_from_settings(value: str, expected: float | None) -> None:
    assert pace_from_settings("volcengine", {"SUBTITLE_PIPELINE_VOLCENGINE_QPS": value}).per_second == expected


def test_clients_of_one_account_share_a_pacer_and_other_accounts_do_not() -> None:
    def client(appid: str) -> VolcengineClient:
        return VolcengineClient(VolcengineCredentials(appid, "t"), "http://vendor.test/api/v1/vc", pace=Pace(3.0),
                                transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"code": 0})))

    a1, a2, b = client("app-a"), client("app-a"), client("app-b")
    assert a1.pacer is a2.pacer is pacer_for("volcengine", account_key("http://vendor.test/api/v1/vc", "app-a"))
    assert b.pacer is not a1.pacer
    assert VolcengineClient(VolcengineCredentials("app-a", "t")).pacer is None  # a library default: unpaced


def test_the_account_key_never_holds_the_secret() -> None:
    assert "s3cret" not in account_key("https://api.example", "s3cret-key")
    assert account_key("https://api.example", "a") != account_key("https://api.example", "b")


def _rate_limited_answers(sandbox_url: str, pace: Pace | None, threads: int = 3, each: int = 6) -> int:
    """How many of ``threads * each`` queries one appid's clients got "too frequent" for."""
    refused = []

    def run() -> None:
        with VolcengineClient(VolcengineCredentials("sandbox-appid", "sandbox-token"), f"{sandbox_url}/api/v1/vc",
                              pace=pace, retry=RetryPolicy(attempts=1, rate_limited_attempts=1)) as client:
            for _ in range(each):
                try:
                    client.query_caption("no-such-task")
                except errors.RateLimitedError:
                    refused.append(1)
                except errors.PipelineError:
                    pass  # the unknown task's own answer: the request was let through

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return len(refused)


def test_paced_clients_stay_under_the_vendors_qps_where_unpaced_ones_are_refused() -> None:
    from pipeline.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(qps_limit=3)) as sandbox:
        assert _rate_limited_answers(sandbox.base_url, None) > 0
    with SandboxServer(SandboxConfig(qps_limit=3)) as sandbox:
        assert _rate_limited_answers(sandbox.base_url, Pace(2.5)) == 0


def test_a_1003_holds_back_every_request_of_the_appid() -> None:
    answers = iter([{"code": 1003, "message": "too frequent"}, {"code": 0, "id": "task-1"}])
    client = VolcengineClient(VolcengineCredentials("app-1003", "t"), "http://vendor.test/api/v1/vc", pace=Pace(50.0),
                              retry=RetryPolicy(attempts=1, rate_limited_attempts=1),
                              transport=httpx.MockTransport(lambda r: httpx.Response(200, json=next(answers))))
    assert client.pacer is not None
    with pytest.raises(errors.RateLimitedError):
        client.submit_caption_url("https://media.test/a.mp3")
    assert client.pacer._hold_until > client.pacer._clock()  # the next request of this appid waits


def test_a_turn_taken_ahead_lets_the_next_request_of_that_thread_go_at_once() -> None:
    fake = FakeTime()
    pacer = Pacer(Pace(2.0), clock=fake.clock, sleep=fake.sleep)
    pacer.wait()
    assert pacer.take_turn_ahead() == 0.5  # the wait happens here, before the submit's intent is written
    assert pacer.wait() == 0.0  # the request itself then goes without waiting
    assert pacer.wait() == 0.5  # and the pace holds after it
