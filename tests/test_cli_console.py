"""The console of a command: our own lines by default, -q and -v, --version, the temporary-server hint."""

from __future__ import annotations

import logging
import os
from io import StringIO
from pathlib import Path

import pytest

from flows.cli import main
from flows.logs import NORMAL, QUIET, TEMPORARY_SERVER_HINT, VERBOSE, VERBOSITY_ENV, configure_console
from pipeline import errors
from pipeline.errors import InputError

PREFECT_FILE = "/site-packages/prefect/flow_engine.py"
OUR_FILE = str(Path(__file__).resolve().parents[1] / "flows" / "tasks.py")


def record(level: int, pathname: str, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, None) if exc else None
    return logging.LogRecord("prefect.task_runs", level, pathname, 1, "message", None, exc_info)


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> logging.StreamHandler[StringIO]:
    handler = logging.StreamHandler(StringIO())
    logger = logging.getLogger("test-console-logger")
    logger.addHandler(handler)
    monkeypatch.delenv(VERBOSITY_ENV, raising=False)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.parametrize(("level", "expected"), [
    (NORMAL, [False, True, True, True]), (QUIET, [False, False, True, True]), (VERBOSE, [True, True, True, True]),
])
def test_console_keeps_our_lines_and_every_warning(console: logging.Handler, level: str, expected: list[bool],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    configure_console(level)
    kept = [console.filter(r) for r in (record(logging.INFO, PREFECT_FILE), record(logging.INFO, OUR_FILE),
                                        record(logging.WARNING, PREFECT_FILE), record(logging.ERROR, OUR_FILE))]
    assert kept == expected


def test_expected_errors_lose_their_traceback(console: logging.Handler) -> None:
    configure_console(NORMAL)
    failed = record(logging.ERROR, OUR_FILE, InputError("clip.mp4: no audio"))
    assert console.filter(failed) and failed.exc_info is None
    crash = record(logging.ERROR, OUR_FILE, RuntimeError("bug"))
    assert console.filter(crash) and crash.exc_info is not None


def test_configuring_twice_does_not_stack_filters(console: logging.Handler) -> None:
    configure_console(QUIET)
    configure_console(VERBOSE)
    assert len(console.filters) == 2 and console.filter(record(logging.INFO, PREFECT_FILE))


def test_without_a_server_the_user_is_told_how_to_keep_one(console: logging.Handler, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    # Also with no API in the active settings (a test harness earlier in the session sets one).
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        configure_console(NORMAL)
    assert capsys.readouterr().err.strip() == TEMPORARY_SERVER_HINT
    configure_console(QUIET)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    configure_console(NORMAL)
    assert capsys.readouterr().err == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.startswith("subtitle-pipeline 0.")


@pytest.mark.parametrize(("flag", "expected"), [("-q", QUIET), ("--verbose", VERBOSE)])
def test_loudness_flags_reach_the_console_setup(flag: str, expected: str, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setenv(VERBOSITY_ENV, NORMAL)  # restored (removed) after the test
    # lint needs no server: the flag is recorded whatever the command.
    (tmp_path / "a.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n", encoding="utf-8")
    main([flag, "lint", str(tmp_path / "a.srt")])
    assert os.environ[VERBOSITY_ENV] == expected


def test_quiet_and_verbose_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["-q", "-v", "lint", "x.srt"])
    assert info.value.code == 2 and "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize(("error", "status"), [
    (InputError("clip.mp4: no such file"), 2),
    (errors.NoAudioError("clip.mp4: has no audio stream"), 2),
    (errors.InvalidRulesError("max_lines 9"), 2),
    (errors.AuthenticationError("volcengine", 1001, "bad token"), 2),
    (errors.InvalidRequestError("volcengine", 1002, "bad parameter"), 2),
    (errors.UnsupportedPlatformError("yinzi", None, "not supported"), 2),
    (errors.ServerBusyError("volcengine", 1005, "busy"), 3),
    (errors.RateLimitedError("volcengine", 1003, "too frequent"), 3),
    (errors.TaskFailedError("volcengine", 1021, "timeout"), 3),
    (errors.TransportError("HTTP 503 from the vendor"), 3),
    (errors.DeadlineExceededError("not done in 600 s"), 3),
    (errors.QuotaExceededError("transcriptgenerate", 403, "quota used up"), 4),
    (errors.SubmissionInDoubtError("clip.mp4: the submit was sent but its answer was lost"), 1),
])
def test_each_kind_of_failure_has_its_exit_status(error: errors.PipelineError, status: int,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import flows.commands.lint as lint

    def fail(args: object) -> int:
        raise error

    monkeypatch.setattr(lint, "run", fail)
    assert main(["lint", "x.srt"]) == status
    err = capsys.readouterr().err
    assert err == f"error: {error}\n"


def test_help_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 done; 1 needs a look: batch items failed, a submit is in doubt" in out and "4 quota, balance" in out


def test_sigterm_stops_a_command_as_ctrl_c_does_so_it_unwinds(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # Unwinding is what stops the temporary Prefect server and gives vendor slots back; the
    # default SIGTERM would end the process on the spot and leave both behind.
    import os
    import signal
    import time

    from flows.cli import EXIT_INTERRUPTED, main

    unwound: list[str] = []

    def run(args: object) -> int:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(500):  # the handler runs at the next bytecode; never as long as this
                time.sleep(0.01)
            return 0
        finally:
            unwound.append("cleanup ran")

    monkeypatch.setattr("flows.commands.lint.run", run)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["lint", "x.srt"]) == EXIT_INTERRUPTED
    assert unwound == ["cleanup ran"] and "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before  # the command's handler does not outlive it


@pytest.mark.parametrize("name", ["prefect.flow_runs", "prefect.task_runs"])
def test_run_logs_keep_expected_errors_to_one_line_for_every_handler(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows  # noqa: F401 - importing the flows installs the run-log filter (no CLI involved)

    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):  # stands in for the API handler that feeds the UI's run log
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger(name)
    monkeypatch.setattr(logger, "handlers", [Keep()])
    monkeypatch.setattr(logger, "propagate", False)
    for exc in (InputError("/in/x.mp4: no such file; check the path"), RuntimeError("bug")):
        try:
            raise exc
        except Exception:
            logger.error("Encountered exception during execution: %r", exc, exc_info=True)
    assert seen[0].exc_info is None and "no such file" in seen[0].getMessage()
    assert seen[1].exc_info is not None  # a bug keeps its traceback
