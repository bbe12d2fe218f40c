"""Steps run inline in a batch item get the retries their task declares, as a step run alone does."""

from __future__ import annotations

import pytest
from prefect import task

from flows.retries import call_with_task_retries, retry_delays
from flows.tasks import step, steps_inline
from pipeline import errors


class Flaky:
    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self, value: str) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return value


def test_retry_delays_follow_the_task_declaration() -> None:
    assert retry_delays(task(retries=2, retry_delay_seconds=[5, 30])(lambda: None)) == [5.0, 30.0]
    assert retry_delays(task(retries=3, retry_delay_seconds=2)(lambda: None)) == [2.0, 2.0, 2.0]
    assert retry_delays(task(retries=3, retry_delay_seconds=[1])(lambda: None)) == [1.0, 1.0, 1.0]
    assert retry_delays(task(lambda: None)) == []


def test_an_inline_step_rides_out_a_rate_limit_like_its_task() -> None:
    flaky = Flaky(errors.RateLimitedError("volcengine", 1003, "requests too frequent"),
                  errors.TransportError("RemoteProtocolError"))
    waited: list[float] = []
    wait_task = task(name="wait-volcengine", retries=2, retry_delay_seconds=[5, 30])(flaky)
    assert call_with_task_retries(wait_task, "done", sleep=waited.append) == "done"
    assert flaky.calls == 3
    assert 4.0 <= waited[0] <= 6.0 and 24.0 <= waited[1] <= 36.0  # the declared delays, with jitter


@pytest.mark.parametrize("verdict", [errors.TaskFailedError("volcengine", 1021, "job failed"),
                                     errors.InputError("clip.mp4: no such file"),
                                     errors.SubmissionInDoubtError("answer lost")])
def test_a_verdict_is_not_retried(verdict: errors.PipelineError) -> None:
    flaky = Flaky(verdict)
    with pytest.raises(type(verdict)):
        call_with_task_retries(task(retries=2, retry_delay_seconds=0)(flaky), "x", sleep=lambda _: None)
    assert flaky.calls == 1


def test_retries_run_out() -> None:
    flaky = Flaky(*[errors.TransportError("HTTP 503")] * 3)
    with pytest.raises(errors.TransportError):
        call_with_task_retries(task(retries=2, retry_delay_seconds=0)(flaky), "x", sleep=lambda _: None)
    assert flaky.calls == 3


def test_step_applies_them_only_inline() -> None:
    flaky = Flaky(errors.RateLimitedError("volcengine", 1003, "requests too frequent"))
    retried = task(retries=1, retry_delay_seconds=0)(flaky)
    plain = task(flaky)
    with steps_inline():
        assert step(plain) is flaky  # nothing to retry: the plain function itself
        assert step(retried)("ok") == "ok" and flaky.calls == 2
    assert step(retried) is retried  # outside a batch item, Prefect applies the retries


def test_an_inline_retry_without_delay_says_so_in_ms(caplog: pytest.LogCaptureFixture) -> None:
    flaky = Flaky(errors.TransportError("RemoteProtocolError"))
    quick = task(name="wait-volcengine", retries=1, retry_delay_seconds=0)(flaky)
    with caplog.at_level("WARNING", logger="flows.retries"):
        call_with_task_retries(quick, "done", sleep=lambda _: None)
    assert [r.getMessage() for r in caplog.records] == ["wait-volcengine: RemoteProtocolError; retry 1/1 in 0 ms"]
