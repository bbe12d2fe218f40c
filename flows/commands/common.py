"""Arguments every vendor-calling command shares."""

from __future__ import annotations

import argparse
from typing import Any, get_args

from flows.params import Format
from pipeline.errors import InputError


def add_target_arguments(p: argparse.ArgumentParser, block_type: str) -> None:
    p.add_argument("--live", action="store_true",
                   help="call the real vendors (default: the embedded sandbox)")
    p.add_argument("--sandbox-url", default=None, metavar="URL",
                   help="root of a standalone sandbox (`subtitle-pipeline sandbox`) instead of an embedded one")
    p.add_argument("--credentials-block", default=None, metavar="NAME",
                   help=f"saved Prefect '{block_type}' block for live runs (default: environment variables)")


def target_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {"target": "live" if args.live else "sandbox", "sandbox_url": args.sandbox_url,
            "credentials_block": args.credentials_block}


def parse_formats(text: str) -> list[str]:
    """``srt,vtt`` → ["srt", "vtt"], refusing unknown names."""
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(get_args(Format)))
    if unknown or not formats:
        raise InputError(f"--formats: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(get_args(Format))}")
    return formats
