"""Serve every flow as a deployment, so runs can be started (and scheduled) from the Prefect UI.

``python -m flows.serve`` (or ``subtitle-pipeline serve``) registers these deployments with the
Prefect server named by ``PREFECT_API_URL`` and then runs their flow runs in this process's
subprocesses until interrupted — no work pool or worker needed:

- ``caption-media/ui``, ``caption-link/ui``, ``align-script/ui``, ``separate-tracks/ui``,
  ``caption-batch/ui``: unscheduled, started from the UI's "Run" form;
- ``caption-batch/nightly``: a cron schedule (default ``0 2 * * *`` in Asia/Shanghai) over a
  watch folder. The batch remembers finished items in ``<output-dir>/.batch.json``, so a nightly
  run only captions what arrived since the last one.

Paths are made absolute here because flow runs start in this process's working directory but
people read (and edit) the defaults in the UI, where a relative path says nothing.
Defaults come from the options, else ``SUBTITLE_PIPELINE_*`` environment variables (below).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, get_args

from flows.params import Format, Language, Target

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

# Environment variables that give the options their defaults (a service unit or container sets
# these once instead of repeating options).
ENV = {
    "watch_folder": "SUBTITLE_PIPELINE_WATCH_FOLDER",
    "pattern": "SUBTITLE_PIPELINE_WATCH_PATTERN",
    "output_dir": "SUBTITLE_PIPELINE_OUTPUT_DIR",
    "language": "SUBTITLE_PIPELINE_LANGUAGE",
    "cron": "SUBTITLE_PIPELINE_NIGHTLY_CRON",
    "timezone": "SUBTITLE_PIPELINE_NIGHTLY_TIMEZONE",
    "target": "SUBTITLE_PIPELINE_TARGET",
    "sandbox_url": "SUBTITLE_PIPELINE_SANDBOX_URL",
    "credentials_block": "SUBTITLE_PIPELINE_CREDENTIALS_BLOCK",
}
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Shanghai"
TAGS = ["subtitle-pipeline"]


@dataclass(frozen=True)
class ServeOptions:
    """What the deployments' parameter defaults and the nightly schedule are built from."""

    watch_folder: str = "inbox"
    pattern: str = "*.mp4"
    output_dir: str = "output"
    language: Language = "zh-CN"
    formats: list[Format] = field(default_factory=lambda: ["srt", "vtt"])
    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    nightly_paused: bool = False
    concurrency: int = 4
    target: Target = "sandbox"
    sandbox_url: str | None = None
    credentials_block: str | None = None
    only: tuple[str, ...] = ()


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(ENV[name]) or default


def _common(opts: ServeOptions) -> dict[str, Any]:
    """Parameters every vendor-calling flow takes; ``None`` values are left to the flow's defaults."""
    params: dict[str, Any] = {"output_dir": str(Path(opts.output_dir).resolve()), "target": opts.target,
                              "sandbox_url": opts.sandbox_url, "credentials_block": opts.credentials_block}
    return {k: v for k, v in params.items() if v is not None}


def build_deployments(opts: ServeOptions) -> list[RunnerDeployment]:
    """The deployments to serve, named ``<flow>/<name>`` as the UI and ``prefect deployment run`` show them."""
    from prefect.schedules import Cron

    from flows.align import align_script
    from flows.batch import caption_batch
    from flows.burn import burn_subtitles
    from flows.caption import caption_media
    from flows.links import caption_link
    from flows.separate import separate_tracks

    common = _common(opts)
    per_file = {**common, "language": opts.language, "formats": list(opts.formats)}
    batch = {**per_file, "folder": str(Path(opts.watch_folder).resolve()), "pattern": opts.pattern,
             "concurrency": opts.concurrency, "watch": True}
    where = "the embedded vendor sandbox" if opts.target == "sandbox" and not opts.sandbox_url else \
        f"the {opts.target} vendors"
    # ``to_deployment`` is ``@async_dispatch``ed, so it is typed ``RunnerDeployment | Coroutine[...]``;
    # called from sync code, as here, it returns the RunnerDeployment itself.
    deployments = cast("list[RunnerDeployment]", [
        caption_media.to_deployment(
            "ui", parameters=per_file, tags=[*TAGS, "caption"],
            description=f"Caption one media file on this machine (Volcengine caption API, {where}). "
                        "Fill in `media` with a path the serving machine can read."),
        caption_link.to_deployment(
            "ui", parameters=per_file, tags=[*TAGS, "link"],
            description=f"Caption a short-video share link or share text: resolve it (TranscriptGenerate or "
                        f"Yinzi), download, then caption or align the vendor's text ({where})."),
        align_script.to_deployment(
            "ui", parameters=per_file, tags=[*TAGS, "align"],
            description=f"Time a known script against a media file (Volcengine caption alignment, {where}). "
                        "Give `script` text or a `script_file` path."),
        separate_tracks.to_deployment(
            "ui", parameters={**common, "language": opts.language, "formats": list(opts.formats)},
            tags=[*TAGS, "separate"],
            description=f"Separate vocals and accompaniment with Yinzi, optionally captioning them ({where})."),
        burn_subtitles.to_deployment(
            "ui", tags=[*TAGS, "burn"],
            description="Burn subtitles into a video on this machine, fitted to its frame (platform preset, "
                        "pixel widths of the font), with a progress bar, a pixel check and a review sheet."),
        caption_batch.to_deployment(
            "ui", parameters=batch, tags=[*TAGS, "batch"],
            description=f"Caption a folder, a CSV manifest or a list of inputs ({where}); failures are isolated "
                        "and listed in the `batch-items` table, finished items are skipped on rerun."),
        caption_batch.to_deployment(
            "nightly", parameters=batch, tags=[*TAGS, "batch", "nightly"],
            schedules=[Cron(opts.cron, timezone=opts.timezone, active=not opts.nightly_paused)],
            description=f"Every `{opts.cron}` ({opts.timezone}): caption new `{opts.pattern}` files in "
                        f"`{batch['folder']}` into `{common['output_dir']}` ({where}). Items done in an "
                        "earlier night are skipped."),
    ])
    if opts.only:
        deployments = [d for d in deployments if f"{d.flow_name}/{d.name}" in opts.only or d.name in opts.only]
    return deployments


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared by ``python -m flows.serve`` and ``subtitle-pipeline serve``."""
    p.add_argument("--watch-folder", default=_env("watch_folder", "inbox"),
                   help=f"folder the nightly batch captions (env {ENV['watch_folder']}; default: ./inbox)")
    p.add_argument("--pattern", default=_env("pattern", "*.mp4"),
                   help=f"glob inside the watch folder (env {ENV['pattern']}; default: *.mp4)")
    p.add_argument("-o", "--output-dir", default=_env("output_dir", "output"),
                   help=f"where subtitles go (env {ENV['output_dir']}; default: ./output)")
    p.add_argument("-l", "--language", default=_env("language", "zh-CN"), choices=get_args(Language),
                   help=f"default spoken language (env {ENV['language']})")
    p.add_argument("-f", "--formats", default="srt,vtt", help=f"comma-separated: {','.join(get_args(Format))}")
    p.add_argument("--cron", default=_env("cron", DEFAULT_CRON),
                   help=f"nightly batch schedule (env {ENV['cron']}; default: '{DEFAULT_CRON}')")
    p.add_argument("--timezone", default=_env("timezone", DEFAULT_TIMEZONE),
                   help=f"time zone of --cron (env {ENV['timezone']}; default: {DEFAULT_TIMEZONE})")
    p.add_argument("--nightly-paused", action="store_true", help="register the nightly schedule but leave it off")
    p.add_argument("--concurrency", type=int, default=4, help="vendor jobs at once inside a batch (default 4)")
    p.add_argument("--limit", type=int, default=None, help="flow runs this process runs at once (default: no limit)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="serve only this deployment (e.g. caption-batch/ui; repeatable)")
    p.add_argument("--live", action="store_true", default=_env("target", "sandbox") == "live",
                   help=f"call the real vendors (env {ENV['target']}=live; default: the embedded sandbox)")
    p.add_argument("--sandbox-url", default=_env("sandbox_url", None), metavar="URL",
                   help="root of a standalone sandbox instead of an embedded one per run")
    p.add_argument("--credentials-block", default=_env("credentials_block", None), metavar="NAME",
                   help="saved Prefect 'Volcengine Credentials' block for live runs")


def options_from_args(args: argparse.Namespace) -> ServeOptions:
    from flows.commands.common import parse_formats
    from pipeline.errors import InputError

    if args.concurrency < 1:
        raise InputError("--concurrency must be at least 1")
    try:
        from prefect.schedules import validate_cron_string

        validate_cron_string(args.cron)
    except ValueError as exc:
        raise InputError(f"--cron {args.cron!r}: {exc}") from None
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(args.timezone)
    except (KeyError, ValueError):
        raise InputError(f"--timezone {args.timezone!r}: not an IANA time zone (e.g. Asia/Shanghai)") from None
    return ServeOptions(watch_folder=args.watch_folder, pattern=args.pattern, output_dir=args.output_dir,
                        language=args.language, formats=parse_formats(args.formats), cron=args.cron,
                        timezone=args.timezone, nightly_paused=args.nightly_paused, concurrency=args.concurrency,
                        target="live" if args.live else "sandbox", sandbox_url=args.sandbox_url,
                        credentials_block=args.credentials_block, only=tuple(args.only))


#: Printed when serving without PREFECT_API_URL: everything served lives only as long as this process.
TEMPORARY_SERVER_WARNING = (
    "warning: PREFECT_API_URL is not set, so this serves on a temporary Prefect server that goes away when "
    "serve stops, with its runs, schedules and UI; for a lasting UI and nightly schedule, run `prefect server "
    "start` and export PREFECT_API_URL=http://127.0.0.1:4200/api before serve")


def takeover_warnings(work_pools: dict[str, str | None]) -> list[str]:
    """One line per served deployment that ``prefect deploy --all`` had given to a work pool.

    ``work_pools`` maps a deployment name (``flow/name``) that already exists on the server to its
    work pool. Serving a name replaces that deployment: its runs go to this process instead of the
    pool's worker, and stopping serve pauses its schedule. Serve or deploy, not both (README).
    """
    return [f"warning: {name} was deployed to work pool {pool!r} (prefect deploy --all); serving takes it over: "
            f"its runs go to this process, not the pool's worker, and stopping serve pauses it. Run `prefect "
            "deploy --all` again to give it back" for name, pool in sorted(work_pools.items()) if pool]


def deployed_work_pools(names: list[str]) -> dict[str, str | None]:
    """The work pool of each of ``names`` already deployed on the server (absent names are left out)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    pools: dict[str, str | None] = {}
    try:
        with get_client(sync_client=True) as client:
            for name in names:
                try:
                    pools[name] = client.read_deployment_by_name(name).work_pool_name
                except ObjectNotFound:
                    continue
    except Exception:  # noqa: BLE001 - only advice: an unreachable server is reported by serve itself
        return pools
    return pools


def serve(opts: ServeOptions, limit: int | None = None) -> None:
    """Register the deployments and run their flow runs until interrupted (blocks)."""
    from flows.settings import apply_defaults

    apply_defaults()
    from flows.logs import api_url

    Path(opts.watch_folder).mkdir(parents=True, exist_ok=True)
    deployments = build_deployments(opts)
    if not deployments:
        from pipeline.errors import InputError

        raise InputError(f"--only {', '.join(opts.only)}: no such deployment")
    if not api_url():
        print(TEMPORARY_SERVER_WARNING, file=sys.stderr)
    else:  # a temporary server is new: nothing on it was deployed to a pool
        for line in takeover_warnings(deployed_work_pools([f"{d.flow_name}/{d.name}" for d in deployments])):
            print(line, file=sys.stderr)
    serve_until_stopped(deployments, limit)


def serve_until_stopped(deployments: list[RunnerDeployment], limit: int | None) -> None:
    """``prefect.serve`` with a SIGTERM that stops as Ctrl-C does: in a second or two, without a traceback.

    Prefect's own SIGTERM handler calls ``sys.exit`` from inside the event loop (and leaves a
    coroutine unawaited), so the loop is torn down mid-flight and a traceback is printed. Here
    SIGTERM cancels the serving task instead, and the runner leaves through its normal exit
    (which pauses the served schedules). Measured with a flow run in flight: exit 0 in 1.9 s.
    """
    import asyncio

    from prefect.runner import Runner

    class StoppableRunner(Runner):
        main_task: asyncio.Task[None] | None = None

        def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
            self._logger.info("SIGTERM received, stopping")
            if self.main_task is not None:
                # From a signal handler: wake the loop, which may be waiting in select().
                self.main_task.get_loop().call_soon_threadsafe(self.main_task.cancel)

    runner = StoppableRunner(pause_on_shutdown=True, limit=limit)
    for deployment in deployments:
        runner.add_deployment(deployment)

    async def main() -> None:
        runner.main_task = asyncio.current_task()
        await runner.start()

    names = ", ".join(f"{d.flow_name}/{d.name}" for d in deployments)
    print(f"serving {names}; stop with Ctrl-C or SIGTERM", file=sys.stderr)
    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        pass  # SIGTERM: stopped on request


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the ``run`` default of both command lines."""
    serve(options_from_args(args), limit=args.limit)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m flows.serve``: the same options and one-line errors as ``subtitle-pipeline serve``.

    Kept independent of ``flows.cli`` so the entry point works even where the CLI's command list
    does not include ``serve``.
    """
    from pipeline.errors import PipelineError

    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
