"""Numbers from environment variables, for settings that fall back to a default when unset or unreadable."""

from __future__ import annotations

import os
from collections.abc import Mapping


def env_number(name: str, environ: Mapping[str, str] | None = None) -> float | None:
    """The number in ``name``; None when it is unset, empty or not a number (the caller's default applies)."""
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    try:
        return float(raw) if raw else None
    except ValueError:
        return None
