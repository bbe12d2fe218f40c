"""``subtitle-pipeline``: run the flows from a shell.

Errors the user can fix are printed as one line (``error: <file>: <what to do>``) with exit
status 2; nothing is printed as a traceback. Prefect is imported only by the commands that run
a flow, so ``--help`` and the sandbox start quickly. Each command lives in ``flows/commands/<name>.py``
with ``register(subparsers)``, which sets ``run`` as the parser default.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from flows.logs import QUIET, VERBOSE, VERBOSITY_ENV
from pipeline.errors import PipelineError

EXIT_USER_ERROR = 2


COMMANDS = ("caption", "link", "align", "separate", "batch", "lint", "rewrap", "burn", "serve", "sandbox")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="subtitle-pipeline", description=__doc__.splitlines()[0].replace("``", ""))
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quiet or args.verbose:
        # Read when a flow command sets up its console, after Prefect configured logging.
        os.environ[VERBOSITY_ENV] = QUIET if args.quiet else VERBOSE
    try:
        return int(args.run(args))
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
