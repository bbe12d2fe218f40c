"""Caption many inputs: a folder glob, a CSV manifest, or a list of files, URLs and share links.

Each item runs in its own task run of the batch flow (its steps as plain calls, logged to that
task run), so one bad item never stops the others: its error is recorded and the batch goes on.
``child_flow_runs=True`` runs every item as a child flow run with a task per step instead: a
richer UI, at about three times the API writes per item, which on SQLite is what makes large
batches stall in "database is locked" retries. The batch remembers every item's outcome in
``<output_dir>/.batch.json``; a rerun skips finished items (their outputs are not rewritten)
and ``retry_failed_only`` runs just the ones that failed last time.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any, Literal, cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.states import Failed
from prefect.tasks import TaskRunNameCallbackWithParameters

from flows.batch_report import summary_markdown, table_rows
from flows.batch_state import (
    PAID_STATUSES,
    STATE_NAME,
    BatchState,
    BatchSummary,
    ItemResult,
    item_label,
    options_fingerprint,
)
from flows.caption import CaptionResult, caption_media
from flows.connections import Connection, connection, open_client, sandbox_root
from flows.estimate import check_budget, estimate_batch, paid_earlier
from flows.limits import cancel_slot_waits, ensure_limit, release_idle_slots, warm_slots
from flows.links import caption_link
from flows.params import Format, Language, Target
from flows.runners import task_runner_from_settings
from flows.tasks import LEDGER_NAME, check_burn_preset, step, steps_inline, stop_waiting
from pipeline import sources
from pipeline.costs import describe_costs
from pipeline.errors import (
    InputError,
    PipelineError,
    QuotaExceededError,
    ResultPendingError,
    SubmissionInDoubtError,
)
from pipeline.fileio import check_output_dir
from pipeline.ledger import JobLedger
from pipeline.units import minutes_text
from pipeline.vendors.transcriptgenerate import TaskOptions

# Manifest columns that override a batch option for their row, by the option they set.
ROW_OPTIONS = {"language": "language", "translate": "target_language"}


def item_run_name(parameters: dict[str, Any]) -> str:
    """The task run's name in the UI: the item itself (``clip.mp4``, ``v.douyin.com/abc123``), not ``caption-item-280``.

    Prefect calls it with the task's parameters; it reads the row's source and the output name (no file access).
    """
    source = str(parameters["row"]["source"]).strip()
    url = sources.find_url(source)
    if url:
        name = url.split("://", 1)[-1].rstrip("/")
        return name if len(name) <= 60 else name[:57] + "..."
    return item_label(source, str(parameters.get("output_name") or "")) or source


# Prefect's protocol for a name callback also lists its own detector classmethod, which no plain
# function has; Prefect calls any callable taking ``parameters`` with the task's parameters.
@task(name="caption-item", cache_policy=NO_CACHE,
      task_run_name=cast("TaskRunNameCallbackWithParameters", item_run_name))
def caption_item(row: dict[str, str], output_name: str, options: dict[str, Any], output_dir: str,
                 sandbox_url: str | None, child_flow_run: bool = False) -> ItemResult:
    """Caption one item (inline, or in a child flow run); every failure becomes a row, never an exception."""
    started = time.monotonic()
    source = row["source"]
    result = ItemResult(source=source, status="failed", row=dict(row))
    try:
        src = sources.classify(source)
        result.label, result.kind = src.label, src.kind
        item_options = {**options, **{ROW_OPTIONS[k]: v for k, v in row.items() if k in ROW_OPTIONS and v}}
        with contextlib.nullcontext() if child_flow_run else steps_inline():
            done = caption_source(src, item_options, output_dir, output_name, sandbox_url)
        result.status, result.outputs, result.task_id = "done", done.outputs, done.task_id
        result.duration_s, result.reused_task, result.costs = done.duration_s, done.reused_task, dict(done.costs)
    except SubmissionInDoubtError as exc:
        result.status, result.error = "in_doubt", str(exc)
    except ResultPendingError as exc:
        result.status, result.error, result.task_id = "pending", str(exc), exc.task_id
    except PipelineError as exc:
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a batch isolates every failure, expected or not
        result.error = f"{type(exc).__name__}: {exc}"
    result.seconds = round(time.monotonic() - started, 2)
    if result.error:
        get_run_logger().warning("%s failed: %s", result.label or source, result.error)
    return result


def record_item(item: ItemResult, prints: dict[str, str], names: dict[str, str], state: BatchState) -> ItemResult:
    """Stamp a finished item with the options and name it was made with, and remember it in the state file."""
    item.options, item.output_name = prints[item.source], names[item.source]
    if item.kind == "file":
        item.label = item_label(item.source, item.output_name)
    state.record(item)
    return item


def collect_late_results(results: list[ItemResult], names: dict[str, str], options: dict[str, Any], output_dir: str,
                         root: str | None, child_flow_runs: bool, prints: dict[str, str],
                         state: BatchState) -> list[ItemResult]:
    """Run the items whose vendor job was late once more, after the rest of the batch.

    Their task ids are in the ledger, so this only waits again (nothing is submitted twice);
    by now the vendor has had the whole batch's time to answer.
    """
    late = [r for r in results if r.status == "pending"]
    if not late:
        return results
    get_run_logger().info("waiting again for %d item(s) whose vendor job was late", len(late))
    again = {}
    for future in as_completed([caption_item.submit(r.row, names[r.source], options, output_dir, root, child_flow_runs)
                                for r in late]):
        item = record_item(future.result(), prints, names, state)
        again[item.source] = item
    return [again.get(r.source, r) for r in results]


def caption_source(src: sources.Source, options: dict[str, Any], output_dir: str, output_name: str,
                   sandbox_url: str | None) -> CaptionResult:
    """Run the flow that fits the item's kind (a plain call inside ``steps_inline``)."""
    if src.kind == "share":  # no output_name: the link flow names the outputs from the title, as `link` does
        if options.get("target_language", "auto") != "auto" and options.get("resolver") == "yinzi":
            raise InputError(f"{src.label}: a translation comes from TranscriptGenerate; use resolver=transcriptgenerate "
                             "or run without a translation")
        return step(caption_link)(share_text=src.value, output_dir=output_dir, output_name=output_name or None,
                                  sandbox_url=sandbox_url, **options)
    translate = options.get("target_language", "auto")
    if translate != "auto":
        # Refused before anything is paid: only a share link gives TranscriptGenerate a video to translate.
        raise InputError(f"{src.label}: translate={translate} needs a share link (TranscriptGenerate translates the "
                         "video of a link, not a file or media URL); give this item translate=auto in a manifest "
                         "(or run it without --translate), or time your own translation with `align --translate`")
    options = {k: v for k, v in options.items() if k not in {"resolver", "target_language"}}
    sandbox_origins = (sandbox_url,) if options.get("target") == "sandbox" else ()
    media = src.value if src.kind == "file" else str(
        sources.download(src.value, Path(output_dir) / "downloads", allowed_origins=sandbox_origins))
    return step(caption_media)(media=media, output_dir=output_dir, output_name=output_name,
                               sandbox_url=sandbox_url, **options)


@task(name="transcriptgenerate-preflight", cache_policy=NO_CACHE)
def transcriptgenerate_preflight(links: int, seconds_per_link: float, conn: Connection) -> int:
    """Refuse a batch the account's quota cannot cover; return the account's task slots.

    Share-link durations are unknown until TranscriptGenerate has the video, so the check uses
    ``seconds_per_link`` as an estimate (the batch parameter ``expected_seconds_per_link``).
    """
    with open_client(conn) as client:
        quota = client.quota_usage()
        slots = client.concurrency()
    needed = links * seconds_per_link
    if not quota.covers(needed):
        raise quota_refusal(links, seconds_per_link, quota.available_seconds or 0)
    get_run_logger().info("TranscriptGenerate: %s left, %d task slot(s)",
                          "unlimited" if quota.unlimited else minutes_text(quota.available_seconds or 0), slots.maximum)
    return max(1, slots.maximum or 1)


def quota_refusal(links: int, seconds_per_link: float, available_seconds: float) -> QuotaExceededError:
    """The preflight's refusal, naming the estimate's option as the command line and the flow spell it."""
    return QuotaExceededError(
        "transcriptgenerate", 601,
        f"{links} link(s) need about {minutes_text(links * seconds_per_link)} but {minutes_text(available_seconds)} "
        "are left",
        "top up the plan, split the batch, or, if the videos are shorter than "
        f"{seconds_per_link:.0f} s, lower the estimate (--expected-seconds-per-link; "
        "the flow parameter expected_seconds_per_link)")


@flow(name="caption-batch", log_prints=True, task_runner=task_runner_from_settings())
def caption_batch(
    inputs: list[str] | None = None,
    folder: str | None = None,
    pattern: str = "*",
    manifest: str | None = None,
    output_dir: str = "output",
    language: Language = "zh-CN",
    formats: list[Format] = ["srt", "vtt"],  # noqa: B006 - Prefect needs a literal default for the UI form
    target_language: str = "auto",
    retry_failed_only: bool = False,
    concurrency: int = 4,
    resolver: Literal["transcriptgenerate", "yinzi"] = "transcriptgenerate",
    expected_seconds_per_link: float = 120.0,
    target: Target = "sandbox",
    sandbox_url: str | None = None,
    credentials_block: str | None = None,
    child_flow_runs: bool = False,
    snap_to_frames: bool = False,
    burn_preset: str = "auto",
    force: bool = False,
    resubmit_in_doubt: bool = False,
    budget: dict[str, float] | None = None,
    watch: bool = False,
) -> BatchSummary:
    """Caption every input; failures are isolated and listed, finished items are not redone.

    Args:
        inputs: files, media URLs or share links/texts, one per entry.
        folder: a folder of media files (with ``pattern``, e.g. ``*.mp4``; ``**/*`` for subfolders).
        pattern: glob for ``folder``.
        manifest: CSV file with a ``source`` column (optional ``language``, ``translate`` and ``output_name`` columns).
        output_dir: where every item's subtitles go (plus ``.batch.json``, the batch's memory).
        language: spoken language, unless a manifest row says otherwise.
        formats: subtitle files to write per item.
        target_language: TranscriptGenerate translation of every share link (en, ja, ko, zh, fr, de, es;
            members only), unless a manifest row's ``translate`` says otherwise; auto for none. Writes the
            same ``<name>.<lang>.*`` and ``<name>.bilingual.*`` files as ``link --translate``; a file or media
            URL item asked for a translation fails alone (only a link gives TranscriptGenerate a video).
        retry_failed_only: run only the items that failed in the previous run of this output_dir.
        concurrency: Volcengine jobs running at once (a Prefect global concurrency limit, vendor-volcengine).
        resolver: who resolves share links: transcriptgenerate or yinzi.
        expected_seconds_per_link: estimated video length for the TranscriptGenerate quota check before anything is submitted.
        target: "sandbox" or "live".
        sandbox_url: root URL of a standalone sandbox to use instead of an embedded one.
        credentials_block: saved credentials block for live runs.
        child_flow_runs: run each item as a child flow run with a task per step (a richer UI, about
            3x the API writes per item; keep off for big batches on the default SQLite database).
        snap_to_frames: put every cue time on a frame of the item's video (gaps are in its frames either way).
        burn_preset: each video's burn-ready ``<name>.burn.ass``: auto (from the link's platform or the
            frame's shape), a preset name, or none.
        force: redo every item's local steps, even those done with the same options (paid vendor
            jobs are still reused from the ledger, never paid again).
        resubmit_in_doubt: submit again the items whose earlier submit's answer was lost (the vendor
            may have that job and charge it: this may pay twice). Without it they stay in doubt.
        budget: the most this run may spend per vendor, in its unit: {"volcengine": audio seconds,
            "transcriptgenerate": quota seconds, "yinzi": credits}. The batch is refused before
            anything is submitted when its estimate (files probed, links at expected_seconds_per_link)
            exceeds it.
        watch: ``folder`` is a watch folder (the deployments' inbox): created when missing, and
            finding nothing new in it is a run with nothing to do, not an error.

    Ends Failed (with the summary as its message) when any item failed, is in doubt or is still
    waiting on the vendor; the summary is the state's data either way (``run_batch`` returns it).
    """
    logger = get_run_logger()
    out = check_output_dir(output_dir, "output_dir")  # before any item is probed or paid for
    if concurrency < 1:
        raise InputError(f"concurrency: {concurrency} must be at least 1")
    state = BatchState(out / STATE_NAME)
    if resubmit_in_doubt:
        released = JobLedger(out / LEDGER_NAME).release_in_doubt()
        logger.warning("resubmitting %d in-doubt job(s) on request; the vendor may charge them twice", released)
    rerun = ("failed", "pending", "in_doubt") if resubmit_in_doubt else ("failed", "pending")
    if watch and folder:
        Path(folder).expanduser().mkdir(parents=True, exist_ok=True)  # a fresh clone has no inbox/ yet
    rows, duplicates = (state.rows(rerun), []) if retry_failed_only else \
        sources.gather_inputs(inputs, folder, pattern, manifest, allow_empty=watch)
    if duplicates:
        logger.warning("batch: %d input(s) given more than once run once: %s", len(duplicates),
                       ", ".join(sorted(set(duplicates))))
    names = sources.output_names(rows, folder, state.output_names())
    TaskOptions(target_language=target_language)  # a bad code is refused before any item runs
    options = {"language": language, "formats": list(formats), "target": target, "credentials_block": credentials_block,
               "target_language": target_language, "resolver": resolver, "snap_to_frames": snap_to_frames, "burn_preset": check_burn_preset(burn_preset)}
    prints = {r["source"]: options_fingerprint({**options, **r, "output_name": names[r["source"]]}) for r in rows}
    done_before = {r["source"] for r in rows if not force and state.finished(r["source"], prints[r["source"]])}
    todo = [row for row in rows if row["source"] not in done_before]
    skipped = [ItemResult(source=r["source"], status="skipped", label=item_label(r["source"], names[r["source"]]),
                          outputs=state.items[r["source"]]["outputs"], output_name=names[r["source"]])
               for r in rows if r["source"] in done_before]
    logger.info("batch: %d item(s), %d to run, %d already done with these options", len(rows), len(todo), len(skipped))
    if budget:
        # In-doubt items resubmitted on request are paid again; the others reuse their jobs.
        paid = paid_earlier(out, ("done", "pending") if resubmit_in_doubt else PAID_STATUSES)
        estimate = estimate_batch(todo, resolver, expected_seconds_per_link, paid)
        check_budget(estimate, budget)
        logger.info("estimate within the budget: at most %s", describe_costs(estimate.costs))
    links = sum(sources.is_share_link(r["source"]) for r in todo)
    results: list[ItemResult] = []
    with sandbox_root(target, sandbox_url) as root:
        # Refusals come before any slot is taken: a refused batch holds nothing it must give back.
        tg_slots = (transcriptgenerate_preflight(links, expected_seconds_per_link,
                                                 connection("transcriptgenerate", target, root, credentials_block))
                    if links and resolver == "transcriptgenerate" else 0)
        # create_progress_artifact is @async_dispatch'ed, so it is typed "UUID | Coroutine"; this flow is sync,
        # so it returns the artifact's UUID.
        progress = cast(UUID, create_progress_artifact(0.0, key="batch-progress",
                                                       description=f"{len(todo)} item(s) to caption"))
        try:
            ensure_limit("volcengine", concurrency)
            if tg_slots:
                ensure_limit("transcriptgenerate", tg_slots)
            warm_slots("volcengine", len(todo))
            futures = [caption_item.submit(row, names[row["source"]], options, output_dir, root, child_flow_runs)
                       for row in todo]
            for future in as_completed(futures):
                item = record_item(future.result(), prints, names, state)
                results.append(item)
                update_progress_artifact(progress, 100.0 * len(results) / max(len(todo), 1))
                logger.info("[%d/%d] %s: %s (%.1f s)", len(results), len(todo), item.label or item.source,
                            item.status.replace("_", " "), item.seconds)
            results = collect_late_results(results, names, options, output_dir, root, child_flow_runs, prints, state)
        except BaseException as exc:
            if not isinstance(exc, Exception):
                # Stopping (SIGTERM, Ctrl-C): jobs polling or queued for a slot must not keep the
                # process alive; their task ids are in the ledger for the next run.
                stop_waiting()
                cancel_slot_waits("the batch is stopping")
            raise
        finally:
            # Also on a crash or Ctrl-C: slots left held would outlive a temporary server's leases.
            release_idle_slots()
    order = {row["source"]: i for i, row in enumerate(rows)}
    everything = sorted(results + skipped, key=lambda r: order[r.source])
    summary = BatchSummary(len(rows), sum(r.status == "done" for r in results), sum(r.status == "failed" for r in results),
                           len(skipped), everything, str(state.path), sum(r.status == "in_doubt" for r in results),
                           sum(r.status == "pending" for r in results))
    create_table_artifact(table_rows(everything), key="batch-items", description="One row per batch item")
    create_markdown_artifact(summary_markdown(summary), key="batch-summary", description="Batch summary")
    logger.info("batch finished: %s", summary.line())
    if not summary.ok:
        # A Failed state lets Prefect's alerts and automations see it; the summary rides along as data.
        return cast(BatchSummary, Failed(message=f"batch: {summary.line()}", data=summary))
    return summary


def run_batch(**parameters: Any) -> BatchSummary:
    """Run ``caption_batch`` and return its summary, also when it ended Failed because items failed.

    Raises:
        PipelineError: the batch itself could not run (bad input, quota refused ...).
    """
    state = caption_batch(return_state=True, **parameters)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return cast(BatchSummary, result)
