"""Console logging for command-line runs: expected errors as one line, never a traceback."""

from __future__ import annotations

import logging

from pipeline.errors import PipelineError


class OneLineErrors(logging.Filter):
    """Drop tracebacks of expected errors from log records; the message already says what to do."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PipelineError):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_expected_tracebacks() -> None:
    one_line = OneLineErrors()
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in [logging.root, *loggers]:
        for handler in getattr(logger, "handlers", ()):
            if not any(isinstance(f, OneLineErrors) for f in handler.filters):
                handler.addFilter(one_line)
