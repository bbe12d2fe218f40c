"""``subtitle-pipeline serve``: serve every flow as a deployment (UI runs and the nightly batch)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from flows.serve import add_arguments, run

    p = commands.add_parser("serve", help="serve the flows as deployments for the Prefect UI, with a nightly batch")
    add_arguments(p)
    p.set_defaults(run=run)
