"""Prefect flows and tasks composed from the plain ``pipeline`` library."""

from __future__ import annotations

from flows.settings import apply_defaults

apply_defaults()
