from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest

from pipeline.errors import DeadlineExceededError, InvalidRequestError, RateLimitedError, TransportError
from pipeline.vendors.http import Deadline, RetryPolicy, call_with_retries, raise_for_transport_status
from pipeline.vendors.polling import Pending, PollPolicy, poll_until_done


class Flaky:
    def __init__(self, failures: list[BaseException], result: str = "ok") -> None:
        self.failures = failures
        self.calls = 0
        self.result = result

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.result


def test_network_errors_are_retried_with_growing_jittered_delays() -> None:
    sleeps: list[float] = []
    fn = Flaky([httpx.ReadError("x"), httpx.ReadError("x"), httpx.ReadError("x")])
    policy = RetryPolicy(attempts=5, base_delay=1, max_delay=100)
    assert call_with_retries(fn, policy, sleep=sleeps.append, rng=random.Random(1)) == "ok"
    assert fn.calls == 4
    assert len(sleeps) == 3
    assert all(0 <= d <= 2**i for i, d in enumerate(sleeps))


def test_exhausted_retries_raise_transport_error() -> None:
    fn = Flaky([httpx.ConnectError("refused")] * 3)
    with pytest.raises(TransportError, match="ConnectError"):
        call_with_retries(fn, RetryPolicy(attempts=3), sleep=lambda _: None)
    assert fn.calls == 3


def test_non_retryable_vendor_error_is_raised_at_once() -> None:
    fn = Flaky([InvalidRequestError("v", 1001, "bad")])
    with pytest.raises(InvalidRequestError):
        call_with_retries(fn, sleep=lambda _: None)
    assert fn.calls == 1


def test_retryable_vendor_error_is_retried() -> None:
    fn = Flaky([RateLimitedError("v", 1003, "slow down")])
    assert call_with_retries(fn, sleep=lambda _: None) == "ok"


def test_submit_is_not_retried_after_a_read_timeout() -> None:
    # The vendor may have accepted the job: retrying could pay for it twice.
    fn = Flaky([httpx.ReadTimeout("late")])
    with pytest.raises(TransportError):
        call_with_retries(fn, idempotent=False, sleep=lambda _: None)
    assert fn.calls == 1


def test_submit_is_retried_when_the_connection_never_opened() -> None:
    fn = Flaky([httpx.ConnectError("refused")])
    assert call_with_retries(fn, idempotent=False, sleep=lambda _: None) == "ok"


@pytest.mark.parametrize(("status", "retried"), [(503, True), (429, True), (500, False), (504, False)])
def test_submit_retries_only_gateway_refusals(status: int, retried: bool) -> None:
    def fail_once(state: dict[str, int] = {"n": 0}) -> str:  # noqa: B006
        state["n"] += 1
        if state["n"] == 1:
            raise_for_transport_status(httpx.Response(status), "submit")
        return "ok"

    if retried:
        assert call_with_retries(fail_once, idempotent=False, sleep=lambda _: None) == "ok"
    else:
        with pytest.raises(TransportError, match=f"HTTP {status}"):
            call_with_retries(fail_once, idempotent=False, sleep=lambda _: None)


def test_deadline_stops_retrying() -> None:
    now = [0.0]
    deadline = Deadline(5, clock=lambda: now[0])
    now[0] = 4.9
    fn = Flaky([httpx.ReadError("x")] * 10)
    with pytest.raises(DeadlineExceededError):
        call_with_retries(fn, RetryPolicy(attempts=10, base_delay=10, max_delay=10), deadline=deadline,
                          sleep=lambda _: None, rng=random.Random(0))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_polling_backs_off_between_2_and_5_seconds() -> None:
    clock = FakeClock()
    answers: list[object] = [Pending("p")] * 6 + ["done"]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        clock.sleep(s)

    assert poll_until_done(lambda: answers.pop(0), PollPolicy(), sleep=sleep, clock=clock) == "done"
    assert sleeps[0] == 2.0 and max(sleeps) == 5.0
    assert sleeps == sorted(sleeps)


def test_held_blocking_queries_are_repeated_without_sleeping() -> None:
    clock = FakeClock()
    answers: list[object] = [Pending("p"), Pending("p"), "done"]
    sleeps: list[float] = []

    def held_query() -> object:
        clock.now += 10  # the vendor held the request for 10 s
        return answers.pop(0)

    assert poll_until_done(held_query, PollPolicy(), sleep=sleeps.append, clock=clock) == "done"
    assert sleeps == []


def test_polling_gives_up_at_the_deadline_with_a_resume_hint() -> None:
    clock = FakeClock()
    with pytest.raises(DeadlineExceededError, match="resume later with the same task id"):
        poll_until_done(lambda: Pending("p"), PollPolicy(deadline=30), sleep=clock.sleep, clock=clock)
    assert clock.now <= 30


def test_progress_callback_sees_each_pending_answer() -> None:
    clock = FakeClock()
    seen: list[tuple[int, str]] = []
    answers: list[object] = [Pending("queued"), Pending("running"), 1]
    poll_until_done(lambda: answers.pop(0), on_pending=lambda n, d: seen.append((n, d)), sleep=clock.sleep, clock=clock)
    assert seen == [(1, "queued"), (2, "running")]


def test_cancel_stops_waiting_at_once() -> None:
    import threading

    from pipeline.errors import CancelledError

    cancel = threading.Event()
    queries: list[int] = []

    def query() -> object:
        queries.append(1)
        cancel.set()  # e.g. the user pressed Cancel while the query was out
        return Pending("p")

    # A 1-hour interval: the test only finishes if the cancelled wait returns at once.
    with pytest.raises(CancelledError, match="after 1 queries"):
        poll_until_done(query, PollPolicy(interval=3600, deadline=None), cancel=cancel)
    assert len(queries) == 1


def test_too_frequent_answers_get_more_patience_than_other_failures() -> None:
    from pipeline.errors import RateLimitedError, ServerBusyError

    def failing(error: Exception, times: int) -> Callable[[], str]:
        calls = iter(range(times + 1))

        def fn() -> str:
            if next(calls) < times:
                raise error
            return "ok"

        return fn

    policy = RetryPolicy(attempts=3, base_delay=0, max_delay=0)
    assert call_with_retries(failing(RateLimitedError("volcengine", 1003, "too frequent"), 8), policy,
                             sleep=lambda _: None) == "ok"
    with pytest.raises(ServerBusyError):
        call_with_retries(failing(ServerBusyError("volcengine", 1005, "busy"), 8), policy, sleep=lambda _: None)
    with pytest.raises(RateLimitedError):  # patience has an end too
        call_with_retries(failing(RateLimitedError("volcengine", 1003, "too frequent"), 20), policy,
                          sleep=lambda _: None)


@pytest.mark.parametrize(("exc", "says"), [
    (httpx.ConnectError("refused"), "could not be reached"),
    (httpx.ReadTimeout("slow"), "did not answer in time"),
    (httpx.RemoteProtocolError("Server disconnected without sending a response"), "connection was cut"),
])
def test_a_network_failure_says_what_it_means_and_what_to_do(exc: httpx.HTTPError, says: str) -> None:
    def fail() -> None:
        raise exc

    with pytest.raises(TransportError) as caught:
        call_with_retries(fail, RetryPolicy(attempts=1), what="volcengine caption query")
    message = str(caught.value)
    assert message.startswith(f"volcengine caption query failed: {type(exc).__name__}") and says in message


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_gateway_failure_carries_a_hint(status: int) -> None:
    with pytest.raises(TransportError, match=rf"HTTP {status} from the vendor \(.+\)"):
        raise_for_transport_status(httpx.Response(status), "volcengine caption query")


def test_a_retry_line_names_its_request_once_and_a_short_wait_in_ms(caplog: pytest.LogCaptureFixture) -> None:
    fn = Flaky([TransportError("volcengine caption submit: HTTP 503 from the vendor")])
    with caplog.at_level("WARNING", logger="pipeline.vendors.http"):
        call_with_retries(fn, RetryPolicy(attempts=2, base_delay=0.01), sleep=lambda _: None,
                          rng=random.Random(3), what="volcengine caption submit")
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("volcengine caption submit: HTTP 503 from the vendor; retry 1/1 in ")
    assert line.endswith(" ms") and "0.0 s" not in line


def test_a_404_from_a_wrong_base_url_is_not_retried_and_names_the_url() -> None:
    from pipeline.vendors.volcengine import VolcengineClient, VolcengineCredentials

    calls: list[httpx.Request] = []

    def not_found(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(404, text="<html>404 Not Found</html>")

    client = VolcengineClient(VolcengineCredentials("app-123", "secret-token"), base_url="https://proxy.test/wrong",
                              transport=httpx.MockTransport(not_found))
    with pytest.raises(TransportError) as info:
        client.query_caption("task-1")
    message = str(info.value)
    assert len(calls) == 1 and not info.value.retryable
    assert "HTTP 404 from https://proxy.test/wrong/query" in message and "check the base URL" in message
    assert "secret-token" not in message and "app-123" not in message
    assert message.count("volcengine caption query") == 1
