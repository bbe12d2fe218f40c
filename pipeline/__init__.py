"""A plain library that turns media into subtitles through speech vendors' asynchronous APIs.

Nothing in this package imports Prefect; ``flows/`` composes it into Prefect flows.
"""

from __future__ import annotations

__version__ = "0.1.0"
