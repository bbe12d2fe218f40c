"""Prefect settings this project needs, applied before Prefect is imported.

Measured on 2-core machines: the ephemeral server needs 17–25 s to start on a fresh home, over
Prefect's default 20 s startup timeout, and logs telemetry tracebacks unless analytics are off.
Users' own environment variables win over these defaults.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # The ephemeral API's own access log is noise next to the run logs.
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}


def apply_defaults() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
