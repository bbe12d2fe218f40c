"""Console logging for command-line runs: our own lines by default, expected errors as one line.

A flow run logs a dozen lines of Prefect's own bookkeeping ("Created task run", "Finished in
state Completed()") around the few that say what happened to the user's file. On the console
the default keeps the lines our code logs and every warning or error; ``-q`` keeps warnings and
errors only; ``-v`` shows everything. The run logs sent to the Prefect UI keep every line, but
an expected error (a :class:`PipelineError`: bad input, a vendor refusal) is one line there too,
as on the console, instead of a traceback from the task run and another from the flow run.

The verbosity travels in ``SUBTITLE_PIPELINE_VERBOSITY`` so the command line sets it before
Prefect is imported and its logging configured.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from pipeline.errors import PipelineError

VERBOSITY_ENV = "SUBTITLE_PIPELINE_VERBOSITY"
QUIET, NORMAL, VERBOSE = "quiet", "normal", "verbose"

# Records logged from these folders are "ours": the flows and the library.
_OUR_FOLDERS = tuple(str(Path(__file__).resolve().parents[1] / name) + os.sep for name in ("flows", "pipeline"))


def verbosity() -> str:
    """The verbosity the command line asked for (``normal`` when none or an unknown one)."""
    value = os.environ.get(VERBOSITY_ENV, NORMAL)
    return value if value in (QUIET, NORMAL, VERBOSE) else NORMAL


class OneLineErrors(logging.Filter):
    """Drop tracebacks of expected errors from log records; the message already says what to do."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PipelineError):
            record.exc_info = None
            record.exc_text = None
        return True


#: The engine loggers that log a failed task or flow run with its traceback.
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def one_line_run_errors() -> None:
    """Drop expected errors' tracebacks from run logs, for every handler (the UI's included).

    A filter on the loggers themselves (not on handlers) acts before any handler sees the record.
    """
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OneLineErrors) for f in logger.filters):
            logger.addFilter(OneLineErrors())


class OurLines(logging.Filter):
    """Keep warnings and errors from anyone, and the info lines our own code logs (``normal``)."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if self.level == VERBOSE or record.levelno >= logging.WARNING:
            return True
        return self.level == NORMAL and is_ours(record)


def is_ours(record: logging.LogRecord) -> bool:
    """Whether the record was logged from this project's code (not Prefect's engine or a library)."""
    return os.path.abspath(record.pathname).startswith(_OUR_FOLDERS)


#: Printed before a flow command starts Prefect's temporary server, which costs seconds every run.
TEMPORARY_SERVER_HINT = ("starting Prefect's temporary server (10-25 s); to skip this on every run, keep one running: "
                         "`prefect server start`, then export PREFECT_API_URL=http://127.0.0.1:4200/api")


def api_url() -> str | None:
    """The Prefect API the run will use: the environment's, else the active settings' (a profile, a test)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect" not in sys.modules:
        return None
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def configure_console(level: str | None = None) -> None:
    """Set up the console of a flow command, after its checks passed and before its flow starts.

    Every console handler gets our lines at ``level`` (default: :func:`verbosity`) and one-line
    errors. Console handlers are the stream handlers; Prefect's API log handler (what the UI
    shows) is not one, so the UI keeps the full run log. Without ``PREFECT_API_URL`` the run
    starts a temporary server, and the user is told how to avoid that wait.
    """
    wanted = level or verbosity()
    if wanted != QUIET and not api_url():
        print(TEMPORARY_SERVER_HINT, file=sys.stderr)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in [logging.root, *loggers]:
        for handler in getattr(logger, "handlers", ()):
            if not isinstance(handler, logging.StreamHandler):
                continue
            handler.filters = [f for f in handler.filters if not isinstance(f, OneLineErrors | OurLines)]
            handler.addFilter(OneLineErrors())
            handler.addFilter(OurLines(wanted))
