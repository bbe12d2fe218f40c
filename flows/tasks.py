"""Tasks shared by the flows: each is a thin wrapper over one ``pipeline`` step.

Submitting is the only step that costs money, so it is never retried by Prefect (the request
layer retries only what surely did not reach the vendor) and its task id is recorded in a
ledger next to the outputs the moment the vendor returns it: a rerun after a crash picks the
job up again instead of paying twice. Waiting is a separate task that may be retried freely.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.connections import Connection, open_client
from flows.retries import (
    call_with_task_retries,
    result_pending_on_transient_failure,
    retry_delays,
    retry_if_retryable,
)
from pipeline import subtitles
from pipeline.errors import InputError, TaskFailedError
from pipeline.ledger import LEDGER_NAME as LEDGER_NAME
from pipeline.ledger import JobLedger, file_sha256, job_key
from pipeline.media import checks, extract, probe
from pipeline.media.burn_plan import plan_from_transcript, write_burn_ass
from pipeline.media.presets import PRESETS
from pipeline.media.review import write_review
from pipeline.transcript import Transcript
from pipeline.vendors.volcengine import AtaOptions, CaptionOptions

# A batch item runs a whole flow body inside its one task run, with the steps as plain calls:
# a child flow run plus a task run per step cost about 17 API writes per item against 5, and on
# SQLite those concurrent writes are what turns into "database is locked" and 503 back-offs.
_inline_steps: ContextVar[bool] = ContextVar("inline_steps", default=False)
Step = TypeVar("Step")


@contextmanager
def steps_inline() -> Iterator[None]:
    """Within this block, ``step(...)`` gives plain functions instead of tasks and flows."""
    token = _inline_steps.set(True)
    try:
        yield
    finally:
        _inline_steps.reset(token)


def steps_are_inline() -> bool:
    return _inline_steps.get()


def step(runnable: Step) -> Step:
    """A task or flow as its caller should invoke it: itself, or when inline its plain function
    under the same retry policy (``retries=``, ``retry_delay_seconds=``) that Prefect would apply."""
    if not _inline_steps.get():
        return runnable
    if not retry_delays(runnable):
        return runnable.fn  # type: ignore[attr-defined, no-any-return]
    return functools.partial(call_with_task_retries, runnable)  # type: ignore[return-value]


# Set when the process is stopping (SIGTERM, Ctrl-C): every wait for a vendor job returns at its
# next poll instead of running to the job's end, so the process can exit; the jobs keep their
# ids in the ledger and the next run resumes them.
_stopping = threading.Event()


def stop_waiting() -> None:
    """Make every wait for a vendor job in this process give up at its next poll (resumable)."""
    _stopping.set()


def stopping() -> threading.Event:
    """The event waits for vendor jobs watch (:func:`stop_waiting`)."""
    return _stopping


# ffprobe/ffmpeg and the silence check are CPU-bound: more at once than there are cores only
# makes every item late. In a batch this lets the first items reach the vendor in about a
# second instead of all of them finishing their preparation together several seconds later.
_preparing = threading.BoundedSemaphore(os.cpu_count() or 2)


@task(name="prepare-audio", cache_policy=NO_CACHE)
def prepare_audio(media: str, work_dir: str) -> tuple[probe.MediaInfo, extract.ExtractedAudio]:
    """Probe, extract the audio track and check it against the vendor limits.

    One task rather than three: each task run costs several writes to Prefect's database, which
    is what slows big batches on SQLite, and these steps take milliseconds and never need a retry.
    """
    with _preparing:
        return prepare_audio_now(media, work_dir)


def prepare_audio_now(media: str, work_dir: str) -> tuple[probe.MediaInfo, extract.ExtractedAudio]:
    logger = get_run_logger()
    info = probe.probe(media)
    logger.info("probed %s: %s, %.1f s, %d stream(s)", info.path.name, info.format_name, info.duration_s, len(info.streams))
    audio = extract.extract_audio(info, work_dir)
    logger.info("audio %s: %s", audio.path.name, audio.plan.reason)
    peak = checks.check_for_vendor(extract.extracted_info(info, audio), source=str(info.path))
    logger.info("audio passes the vendor checks (%.1f MB, peak %.0f dBFS)", audio.size_bytes / 1e6, peak)
    return info, audio


@task(name="submit-volcengine", cache_policy=NO_CACHE)
def submit_volcengine(audio: extract.ExtractedAudio, options: CaptionOptions | AtaOptions, conn: Connection,
                      ledger_path: str, text: str | None = None) -> tuple[str, bool]:
    """Submit a caption job (or, with ``text``, an alignment job); returns (task id, reused)."""
    api = "volcengine-ata" if text is not None else "volcengine-caption"
    key = job_key(api, conn.account, file_sha256(audio.path), (options, text))

    with open_client(conn) as client:
        def submit() -> str:
            if text is not None:
                return str(client.submit_ata_file(audio.path, text, options))
            return str(client.submit_caption_file(audio.path, options))

        task_id, reused = JobLedger(Path(ledger_path)).submit_once(
            key, submit, what=f"{api} submit of {audio.path.name}", audio=audio.path.name, api=api,
            before_intent=client.pacer.take_turn_ahead if client.pacer else None)
    verb = "reusing vendor task %s submitted earlier for %s" if reused else "submitted as vendor task %s: %s"
    get_run_logger().info(verb, task_id, audio.path.name)
    return task_id, reused


@task(name="wait-volcengine", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30],
      retry_condition_fn=retry_if_retryable)
def wait_volcengine(task_id: str, conn: Connection, ledger_path: str, alignment: bool = False) -> Mapping[str, Any]:
    logger = get_run_logger()
    ledger = JobLedger(Path(ledger_path))

    def progress(n: int, detail: str) -> None:
        logger.info("task %s: %s (query %d)", task_id, detail, n)

    api = "volcengine ata" if alignment else "volcengine caption"
    with open_client(conn) as client, result_pending_on_transient_failure(api, task_id):
        try:
            wait = client.wait_ata if alignment else client.wait_caption
            response = wait(task_id, on_pending=progress, cancel=_stopping)
        except TaskFailedError:
            ledger.mark_task(task_id, "failed")
            raise
    ledger.mark_task(task_id, "done")
    logger.info("task %s finished: %d utterance(s)", task_id, len(response.get("utterances") or ()))
    return response


def subtitle_rules(language: str, max_chars_per_line: int | None, max_lines: int, fps: float | None = None,
                   snap_to_frames: bool = False, dialogue: bool = False) -> subtitles.CueRules:
    """The cue rules of a run: the language's, the user's limits, and the video's frame rate.

    ``fps`` is the probed rate of the media's picture (``MediaInfo.frame_rate``): gaps are
    counted in that video's frames. None (audio only, or no usable rate) keeps the rules'
    default of 25. ``dialogue`` lets two short turns of different speakers share a cue.
    """
    overrides: dict[str, Any] = {"max_lines": max_lines, "snap_to_frames": snap_to_frames, "dialogue": dialogue}
    if max_chars_per_line is not None:  # 0 is refused by the rules, not taken as "the default"
        overrides["max_chars_per_line"] = max_chars_per_line
    if fps:
        overrides["fps"] = fps
    return subtitles.rules_for(language, **overrides)


def write_cue_files(transcript: Transcript, rules: subtitles.CueRules, out_dir: str, stem: str,
                    formats: list[str]) -> tuple[dict[str, str], int]:
    """Build the cues under ``rules`` and write them as ``<stem>.<fmt>``; returns (paths by format, cue count)."""
    cues = subtitles.build_cues(transcript, rules)
    outputs: dict[str, str] = {}
    for fmt in formats:
        target = Path(out_dir) / f"{stem}.{fmt}"
        if fmt == "json":
            subtitles.write_json(cues, target, transcript=transcript, rules=rules)
        else:
            getattr(subtitles, f"write_{fmt}")(cues, target)
        outputs[fmt] = str(target)
    return outputs, len(cues)


#: ``burn_preset`` values besides the preset names: pick from the platform or frame, or write none.
BURN_AUTO, BURN_NONE = "auto", "none"


def check_burn_preset(burn_preset: str) -> str:
    """The flows' ``burn_preset`` parameter, refused in one line when it names no preset."""
    if burn_preset not in (BURN_AUTO, BURN_NONE, *PRESETS):
        raise InputError(f"burn_preset {burn_preset!r}: use auto, none or one of {', '.join(PRESETS)}")
    return burn_preset


def write_burn_ready_ass(transcript: Transcript, rules: subtitles.CueRules, video: probe.MediaInfo, out_dir: str,
                         stem: str, burn_preset: str = BURN_AUTO, platform: str | None = None,
                         review: bool = False) -> list[Path]:
    """``<stem>.burn.ass``: cues cut for the video's own frame (PlayRes = its size after rotation).

    With ``review``, also its contact sheet and HTML review page (``<stem>.burn.review.png/.html``),
    drawn on the source video. Returns the files written: none, with the reason logged, when
    there is nothing to burn into (audio only, ``burn_preset="none"``) or the text cannot be
    drawn; the delivery files stand either way.
    """
    if burn_preset == BURN_NONE or not video.video_streams:
        return []
    try:
        plan = plan_from_transcript(video, transcript, rules, preset=None if burn_preset == BURN_AUTO else burn_preset,
                                    platform=platform)
    except InputError as exc:
        get_run_logger().warning("no burn-ready ASS: %s", exc)
        return []
    path = write_burn_ass(plan, Path(out_dir) / f"{stem}.burn.ass")
    get_run_logger().info("burn-ready ASS for %s: %s", plan.target.describe(), path.name)
    for line in plan.report()[2:]:
        get_run_logger().warning("%s", line)
    return [path, *write_review(plan, path)] if review else [path]


@task(name="write-subtitles", cache_policy=NO_CACHE)
def write_subtitles(transcript: Transcript, out_dir: str, stem: str, formats: list[str],
                    max_chars_per_line: int | None, max_lines: int, fps: float | None = None,
                    snap_to_frames: bool = False, burn_video: probe.MediaInfo | None = None,
                    burn_preset: str = BURN_AUTO, platform: str | None = None,
                    review: bool = False, dialogue: bool = False) -> tuple[dict[str, str], int]:
    """The delivery files in ``formats`` and, given the video, its burn-ready ASS (``burn.ass``) and review."""
    rules = subtitle_rules(transcript.language, max_chars_per_line, max_lines, fps, snap_to_frames, dialogue)
    outputs, count = write_cue_files(transcript, rules, out_dir, stem, formats)
    timing = f"{rules.fps:g} fps" + (" (the video's)" if fps else " (no video frame rate: the default)")
    get_run_logger().info("wrote %d cue(s) as %s; gaps of %d frames at %s%s", count, ", ".join(formats),
                          rules.min_gap_frames, timing, ", times snapped to frames" if snap_to_frames else "")
    if burn_video is not None:
        written = write_burn_ready_ass(transcript, rules, burn_video, out_dir, stem, burn_preset, platform, review)
        outputs.update(zip(("burn.ass", "review.png", "review.html"), map(str, written), strict=False))
    return outputs, count
