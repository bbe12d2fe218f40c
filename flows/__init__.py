"""Prefect flows and tasks composed from the plain ``pipeline`` library."""

from __future__ import annotations

from flows.logs import one_line_run_errors
from flows.settings import apply_defaults

apply_defaults()
one_line_run_errors()  # before any flow runs: deployed and served runs never pass through the CLI
