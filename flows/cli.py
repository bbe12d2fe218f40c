"""``subtitle-pipeline``: run the flows from a shell.

Errors are printed as one line (``error: <file>: <what to do>``), never as a traceback, with an
exit status that says what to do next (:data:`EXIT_STATUSES`). Prefect is imported only by the commands that run
a flow, so ``--help`` and the sandbox start quickly. Each command lives in ``flows/commands/<name>.py``
with ``register(subparsers)``, which sets ``run`` as the parser default.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import NoReturn

from flows.logs import QUIET, VERBOSE, VERBOSITY_ENV
from pipeline.downloads import MEDIA_EXTENSIONS
from pipeline.errors import (
    AuthenticationError,
    BudgetExceededError,
    CancelledError,
    DeadlineExceededError,
    InvalidRequestError,
    PipelineError,
    QuotaExceededError,
    SlotUnavailableError,
    SubmissionInDoubtError,
    VendorError,
)

#: Exit statuses, so a script or a scheduler can tell what to do next.
EXIT_OK = 0
EXIT_NEEDS_A_LOOK = 1      # some batch items failed, a submit is in doubt, or burned frames failed the pixel check
EXIT_USER_ERROR = 2        # bad input or setup: a file, an option, credentials; fix it and run again
EXIT_RETRY_LATER = 3       # the vendor or the network failed (busy, rate limited, job failed, timed out)
EXIT_QUOTA = 4             # the account's quota, balance or call allowance refused the work
EXIT_INTERRUPTED = 130

EXIT_STATUSES = f"""exit status: {EXIT_OK} done; {EXIT_NEEDS_A_LOOK} needs a look: batch items failed, a submit is in \
doubt (the vendor may have the job), or burned frames failed the pixel check; {EXIT_USER_ERROR} bad input or setup (fix it and rerun); {EXIT_RETRY_LATER} vendor or network failure \
worth a retry later; {EXIT_QUOTA} quota, balance or allowance used up; {EXIT_INTERRUPTED} interrupted"""


def exit_status(error: PipelineError) -> int:
    """The exit status for an error the user sees as one line."""
    if isinstance(error, QuotaExceededError | BudgetExceededError):
        return EXIT_QUOTA
    if isinstance(error, SubmissionInDoubtError):
        return EXIT_NEEDS_A_LOOK  # someone must check the vendor's console before anything is sent again
    if isinstance(error, AuthenticationError | InvalidRequestError):
        return EXIT_USER_ERROR  # the request or the credentials must change, not the timing
    if error.retryable or isinstance(error, VendorError | DeadlineExceededError | CancelledError | SlotUnavailableError):
        return EXIT_RETRY_LATER
    return EXIT_USER_ERROR


class UsageError(Exception):
    """A command line argparse refused, raised instead of exiting so ``main`` can add a hint."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser (and, through ``add_subparsers``, every command's) that raises :class:`UsageError`."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def dash_file_hint(argv: Sequence[str]) -> str:
    """A hint when an argument that argparse took for an option names a file: ``-x.mp4`` → ``./-x.mp4``."""
    before_separator = list(argv)[:list(argv).index("--")] if "--" in argv else list(argv)
    for arg in before_separator:
        looks_like_file = Path(arg).suffix.lower() in MEDIA_EXTENSIONS or Path(arg).exists()
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 2 and looks_like_file:
            return f"; if {arg} is a file, write it as ./{arg} (or put -- before it)"
    return ""


COMMANDS = ("caption", "link", "align", "separate", "batch", "lint", "rewrap", "burn", "serve", "sandbox")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="subtitle-pipeline", description=__doc__.splitlines()[0].replace("``", ""),
                                     epilog=EXIT_STATUSES)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print only results, warnings and errors")
    loudness.add_argument("-v", "--verbose", action="store_true", help="also print Prefect's own run logs")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"flows.commands.{name}").register(commands)
    return parser


def _version() -> str:
    try:
        return metadata.version("subtitle-pipeline")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        exc.parser.print_usage(sys.stderr)
        print(f"{exc.parser.prog}: error: {exc}{dash_file_hint(argv)}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR) from None  # as argparse itself exits
    if args.quiet or args.verbose:
        # Read when a flow command sets up its console, after Prefect configured logging.
        os.environ[VERBOSITY_ENV] = QUIET if args.quiet else VERBOSE
    on_main_thread = threading.current_thread() is threading.main_thread()
    # SIGTERM (a service manager, a scheduler's timeout) stops the run like Ctrl-C, so it
    # unwinds: the temporary Prefect server is stopped and vendor slots are given back,
    # instead of the process vanishing and leaving them behind.
    previous = signal.signal(signal.SIGTERM, _interrupt) if on_main_thread else None
    try:
        return int(args.run(args))
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_status(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
