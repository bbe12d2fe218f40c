"""``subtitle-pipeline batch``: caption a folder, a CSV manifest, or a list of inputs."""

from __future__ import annotations

import argparse
from typing import get_args

from flows.commands.common import (
    add_burn_argument,
    add_language_argument,
    add_output_argument,
    add_snap_argument,
    add_target_arguments,
    check_output,
    parse_formats,
    positive_int,
    target_kwargs,
)
from flows.params import Format


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("batch", help="caption many inputs; failures are isolated and listed")
    p.add_argument("inputs", nargs="*", help="files, media URLs or share links (or use --folder / --manifest)")
    p.add_argument("--folder", default=None, help="folder of media files")
    p.add_argument("--pattern", default="*", help="glob inside --folder (default: *; '**/*' for subfolders)")
    p.add_argument("--manifest", default=None, help="CSV with a 'source' column (optional 'language', 'output_name')")
    add_output_argument(p)
    add_language_argument(p)
    p.add_argument("-f", "--formats", default="srt,vtt", help=f"comma-separated: {','.join(get_args(Format))}")
    p.add_argument("--retry-failed", action="store_true",
                   help="run only the items that failed last time in --output-dir (not those in doubt)")
    p.add_argument("--force", action="store_true",
                   help="redo every item's local steps, also those already done (paid vendor jobs are reused, not paid again)")
    p.add_argument("--resubmit-in-doubt", action="store_true",
                   help="submit again the items whose submit's answer was lost: the vendor may have those jobs and "
                        "charge them, so this may pay twice; check the vendor's console first")
    p.add_argument("--concurrency", type=positive_int, default=4, help="vendor jobs at once (default 4)")
    p.add_argument("--expected-seconds-per-link", type=float, default=120.0, metavar="SECONDS",
                   help="estimated length of a share link's video, for the quota check before anything is "
                        "submitted (default: 120)")
    p.add_argument("--child-flow-runs", action="store_true",
                   help="run each item as a child flow run with a task per step (richer UI, ~3x the API writes)")
    add_snap_argument(p)
    add_burn_argument(p, review=False)
    add_target_arguments(p, "Volcengine Credentials")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    formats = parse_formats(args.formats)
    check_output(args)
    from pipeline.sources import collect_inputs

    if not args.retry_failed:
        collect_inputs(args.inputs, args.folder, args.pattern, args.manifest)  # fail fast on an empty batch
    from flows.batch import run_batch
    from flows.logs import configure_console

    configure_console()
    summary = run_batch(inputs=args.inputs or None, folder=args.folder, pattern=args.pattern, manifest=args.manifest,
                            output_dir=args.output_dir, language=args.language, formats=formats,
                            retry_failed_only=args.retry_failed, concurrency=args.concurrency, child_flow_runs=args.child_flow_runs,
                            snap_to_frames=args.snap_frames, burn_preset=args.burn_preset, force=args.force,
                            resubmit_in_doubt=args.resubmit_in_doubt,
                            expected_seconds_per_link=args.expected_seconds_per_link, **target_kwargs(args))
    for item in summary.items:
        mark = {"done": "ok  ", "skipped": "done", "failed": "FAIL", "in_doubt": "DOUBT"}[item.status]
        detail = item.error if item.error else ", ".join(item.outputs.values())
        print(f"{mark} {item.label or item.source}: {detail}")
    print(f"{summary.line()}; state: {summary.state_file}")
    return 0 if summary.ok else 1


