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
    check_live_credentials,
    check_output,
    parse_formats,
    positive_int,
    target_kwargs,
)
from flows.params import Format
from pipeline.costs import parse_budget
from pipeline.errors import InputError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("batch", help="caption many inputs; failures are isolated and listed")
    p.add_argument("inputs", nargs="*", help="files, media URLs or share links (or use --folder / --manifest)")
    p.add_argument("--folder", default=None, help="folder of media files")
    p.add_argument("--pattern", default="*", help="glob inside --folder (default: *; '**/*' for subfolders)")
    p.add_argument("--manifest", default=None, help="CSV with a 'source' column (optional 'language', 'translate', 'output_name')")
    add_output_argument(p)
    add_language_argument(p)
    p.add_argument("-f", "--formats", default="srt,vtt", help=f"comma-separated: {','.join(get_args(Format))}")
    p.add_argument("--translate", default="auto", metavar="LANG",
                   help="TranscriptGenerate translation of every share link (en, ja, ...; members only), timed and "
                        "bilingual files as with link --translate; a manifest's 'translate' column sets it per row")
    p.add_argument("--retry-failed", action="store_true",
                   help="run only the items that failed last time in --output-dir (not those in doubt)")
    p.add_argument("--force", action="store_true",
                   help="redo every item's local steps, also those already done (paid vendor jobs are reused, not paid again)")
    p.add_argument("--resubmit-in-doubt", action="store_true",
                   help="submit again the items whose submit's answer was lost: the vendor may have those jobs and "
                        "charge them, so this may pay twice; check the vendor's console first")
    p.add_argument("--concurrency", type=positive_int, default=4, help="vendor jobs at once (default 4)")
    p.add_argument("--resolver", choices=("transcriptgenerate", "yinzi"), default="transcriptgenerate",
                   help="who resolves share links (default: transcriptgenerate)")
    p.add_argument("--expected-seconds-per-link", type=positive_float, default=120.0, metavar="S",
                   help="a share link's or media URL's expected length, for the quota check and the estimate "
                        "(default 120)")
    p.add_argument("--budget", default=None, metavar="VENDOR=AMOUNT,...",
                   help="refuse the batch before anything is submitted when its estimate exceeds this, per vendor "
                        "in its unit: volcengine=<audio s>, transcriptgenerate=<quota s>, yinzi=<credits>")
    p.add_argument("--estimate", action="store_true",
                   help="print what would be submitted and at most what it costs, then stop: nothing is submitted")
    p.add_argument("--child-flow-runs", action="store_true",
                   help="run each item as a child flow run with a task per step (richer UI, ~3x the API writes)")
    add_snap_argument(p)
    add_burn_argument(p, review=False)
    add_target_arguments(p, "Volcengine Credentials")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    formats = parse_formats(args.formats)
    check_output(args)
    from pipeline.sources import collect_inputs, is_share_link
    from pipeline.vendors.transcriptgenerate import TaskOptions

    budget = parse_budget(args.budget) if args.budget is not None else None
    TaskOptions(target_language=args.translate)  # a bad code is refused before Prefect starts
    if not args.retry_failed:
        rows = collect_inputs(args.inputs, args.folder, args.pattern, args.manifest)  # fail fast on an empty batch
        if args.estimate:
            return print_estimate(rows, args, budget)
        if any(is_share_link(row["source"]) for row in rows):
            check_live_credentials(args, args.resolver, args.credentials_block)
    elif args.estimate:
        raise InputError("--estimate: give the batch's inputs (it does not read --retry-failed's state)")
    check_live_credentials(args, "volcengine", args.credentials_block)
    from flows.batch import run_batch
    from flows.logs import configure_console

    configure_console()
    summary = run_batch(inputs=args.inputs or None, folder=args.folder, pattern=args.pattern, manifest=args.manifest,
                            output_dir=args.output_dir, language=args.language, formats=formats, target_language=args.translate,
                            retry_failed_only=args.retry_failed, concurrency=args.concurrency, child_flow_runs=args.child_flow_runs,
                            snap_to_frames=args.snap_frames, burn_preset=args.burn_preset, force=args.force,
                            resubmit_in_doubt=args.resubmit_in_doubt, resolver=args.resolver,
                            expected_seconds_per_link=args.expected_seconds_per_link, budget=budget,
                            **target_kwargs(args))
    for item in summary.items:
        mark = {"done": "ok  ", "skipped": "done", "failed": "FAIL", "in_doubt": "DOUBT", "pending": "LATE"}[item.status]
        detail = item.error if item.error else ", ".join(item.outputs.values())
        print(f"{mark} {item.label or item.source}: {detail}")
    print(f"{summary.line()}; state: {summary.state_file}")
    if summary.ok:
        return 0
    from flows.cli import EXIT_NEEDS_A_LOOK, EXIT_RETRY_LATER

    # Only late results: a later run collects them, nobody has to look at anything.
    return EXIT_NEEDS_A_LOOK if summary.failed or summary.in_doubt else EXIT_RETRY_LATER




def print_estimate(rows: list[dict[str, str]], args: argparse.Namespace, budget: dict[str, float] | None) -> int:
    """``--estimate``: each item to submit and its most likely cost, the total, the budget check; no Prefect."""
    from flows.estimate import check_budget, estimate_batch, paid_earlier

    paid = paid_earlier(args.output_dir)
    estimate = estimate_batch(rows, args.resolver, args.expected_seconds_per_link, paid)
    for line in estimate.lines():
        print(line)
    if paid:
        print(f"{len(paid & {row['source'] for row in rows})} item(s) left out: paid in an earlier run of "
              f"{args.output_dir} (their jobs are reused)")
    check_budget(estimate, budget)
    if budget:
        print("within the budget; nothing was submitted")
    return 0


def positive_float(text: str) -> float:
    """An argparse type: a number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value
