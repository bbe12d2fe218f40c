"""Caption a share link (or a whole pasted share text) from Douyin, Xiaohongshu, Kuaishou ...

The link is resolved through TranscriptGenerate (text, title, video URL) or Yinzi's short-video
analysis (title, video URL), the video is downloaded (``pipeline.downloads``: public addresses
only, the sandbox excepted; size-capped, under an overall deadline), and then either captioned with Volcengine (``mode="caption"``) or, with
TranscriptGenerate's text, timed by Volcengine alignment (``mode="align_text"``).
Resolutions are recorded in the output folder's ledger, so a rerun neither pays for a second
TranscriptGenerate task nor a second (immediately charged) Yinzi analysis.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, TypedDict

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.align import align_script
from flows.caption import CaptionResult, caption_media
from flows.connections import Connection, connection, download_origins, open_client, sandbox_root
from flows.limits import vendor_slot
from flows.params import Format, Language, Target
from flows.retries import result_pending_on_transient_failure, retry_if_retryable
from flows.tasks import LEDGER_NAME, check_burn_preset, step, stopping, subtitle_rules
from pipeline import sources
from pipeline.costs import add_costs, yinzi_credits_per_analysis
from pipeline.errors import InputError, TaskFailedError
from pipeline.fileio import check_output_dir, write_text_atomic
from pipeline.ledger import JobLedger, job_key
from pipeline.vendors.share import parse_share_text
from pipeline.vendors.transcriptgenerate import PLATFORMS as TG_PLATFORMS
from pipeline.vendors.transcriptgenerate import TaskOptions
from pipeline.vendors.yinzi import PLATFORMS as YINZI_PLATFORMS

Resolver = Literal["transcriptgenerate", "yinzi"]
Mode = Literal["caption", "align_text"]
SUPPORTED = {"transcriptgenerate": TG_PLATFORMS, "yinzi": YINZI_PLATFORMS}


class _SubflowKwargs(TypedDict):
    """The parameters ``caption_media`` and ``align_script`` share, typed so their ``**`` call is checked."""

    media: str
    output_dir: str
    language: Language
    formats: list[Format]
    max_chars_per_line: int | None
    max_lines: int
    target: Target
    sandbox_url: str | None
    credentials_block: str | None
    output_name: str | None
    snap_to_frames: bool
    burn_preset: str


@dataclass(frozen=True)
class ResolvedLink:
    """What a resolver said about a share link."""

    url: str
    platform: str
    title: str
    video_url: str
    text: str | None
    duration_s: float | None
    task_id: str
    reused: bool


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def output_stem(link: ResolvedLink) -> str:
    """A file name from the title (letters, digits and CJK kept) plus a short hash of the link."""
    title = re.sub(r"[^\w\u4e00-\u9fff]+", "_", link.title or "").strip("_")[:40]
    return f"{title or link.platform.lower()}-{url_key(link.url)[:6]}"


@task(name="resolve-transcriptgenerate", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30],
      retry_condition_fn=retry_if_retryable)
def resolve_with_transcriptgenerate(share_text: str, target_language: str, conn: Connection, ledger_path: str) -> ResolvedLink:
    logger = get_run_logger()
    link = parse_share_text(share_text, SUPPORTED["transcriptgenerate"], vendor="transcriptgenerate")
    url = link.canonical  # tracking parameters off: one job per video, and the sharer's ids stay here
    ledger = JobLedger(Path(ledger_path))
    key = job_key("transcriptgenerate", conn.base_url, url_key(url), target_language)
    options = TaskOptions(target_language=target_language)
    with open_client(conn) as client, vendor_slot("transcriptgenerate"):
        task_id, reused = ledger.submit_once(key, lambda: client.submit_when_slot_free(url, options), link=url)
        logger.info("%s TranscriptGenerate task %s for %s", "reusing" if reused else "submitted", task_id, url)
        try:
            with result_pending_on_transient_failure("transcriptgenerate", task_id):
                result = client.wait(task_id, on_pending=lambda n, d: logger.info("task %s: %s (query %d)", task_id, d, n),
                                     cancel=stopping())
        except TaskFailedError:
            ledger.mark_task(task_id, "failed")
            raise
    ledger.mark_task(task_id, "done")
    if not result.video_url:
        raise InputError(f"{url}: TranscriptGenerate returned no video URL; try resolver=yinzi")
    return ResolvedLink(url, result.platform or link.platform, result.title or "", result.video_url,
                        result.text_content, result.duration, task_id, reused)


@task(name="resolve-yinzi", cache_policy=NO_CACHE)
def resolve_with_yinzi(share_text: str, conn: Connection, ledger_path: str) -> ResolvedLink:
    link = parse_share_text(share_text, SUPPORTED["yinzi"], vendor="yinzi")
    url = link.canonical
    ledger = JobLedger(Path(ledger_path))
    key = job_key("yinzi-analyze", conn.base_url, url_key(url), None)
    known = ledger.get(key)
    if known and known.get("video_url"):
        get_run_logger().info("reusing the earlier Yinzi analysis of %s (analyses are charged)", url)
        return ResolvedLink(url, link.platform, known.get("title", ""), known["video_url"], None, None, "", True)
    with open_client(conn) as client:
        video = client.analyze_short_video(url)
    if not video.video_url:
        raise InputError(f"{url}: Yinzi found no video at this link; check it opens in the app")
    ledger.record(key, task_id="analyze", status="done", video_url=video.video_url, title=video.title or "", link=url)
    get_run_logger().info("Yinzi analysed %s (balance now %s)", url, video.balance)
    return ResolvedLink(url, link.platform, video.title or "", video.video_url, None, None, "", False)


@task(name="download-media", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10],
      retry_condition_fn=retry_if_retryable)
def download_media(url: str, out_dir: str, max_mb: int, allowed_origins: list[str]) -> str:
    path = sources.download(url, out_dir, max_bytes=max_mb * 1024 * 1024, allowed_origins=allowed_origins)
    get_run_logger().info("downloaded %s (%.1f MB)", path.name, path.stat().st_size / 1e6)
    return str(path)


@flow(name="caption-link", log_prints=True)
def caption_link(
    share_text: str,
    output_dir: str = "output",
    resolver: Resolver = "transcriptgenerate",
    mode: Mode = "caption",
    target_language: str = "auto",
    language: Language = "zh-CN",
    formats: list[Format] = ["srt", "vtt"],  # noqa: B006 - Prefect needs a literal default for the UI form
    max_chars_per_line: int | None = None,
    max_lines: int = 2,
    max_download_mb: int = 2048,
    target: Target = "sandbox",
    sandbox_url: str | None = None,
    credentials_block: str | None = None,
    resolver_block: str | None = None,
    output_name: str | None = None,
    snap_to_frames: bool = False,
    burn_preset: str = "auto",
    review: bool = False,
) -> CaptionResult:
    """Caption a short video from its share link or pasted share text.

    Args:
        share_text: a share link, or the whole text the app's share button copied.
        output_dir: where the subtitles (and the downloaded video) are written.
        resolver: transcriptgenerate (gives the spoken text too) or yinzi (short-video analysis).
        mode: caption (Volcengine recognises the speech) or align_text (TranscriptGenerate's text, timed by alignment).
        target_language: TranscriptGenerate translation (en, ja, ko, zh, fr, de, es; members only); auto keeps
            the spoken language. The translation is timed by the captions of the speech (or, with
            mode=align_text, by the aligned text, which takes a second TranscriptGenerate task):
            ``<name>.<lang>.srt`` (and the other formats asked), ``<name>.bilingual.srt/.vtt/.ass`` and the
            alignment report.
        language: spoken language.
        formats: subtitle files to write.
        max_chars_per_line: override the language's line width.
        max_lines: lines per cue (1-3).
        max_download_mb: refuse videos larger than this.
        target: "sandbox" or "live".
        sandbox_url: root URL of a standalone sandbox to use instead of an embedded one.
        credentials_block: saved Volcengine Credentials block for live runs.
        resolver_block: saved TranscriptGenerate or Yinzi Credentials block for live runs.
        output_name: file name stem of the outputs (default: from the video's title).
        snap_to_frames: put every cue time on a frame of the downloaded video (gaps are in its frames either way).
        burn_preset: a burn-ready ``<name>.burn.ass`` cut for the video's frame: auto (from the link's platform
            or the frame's shape), a preset name (douyin, broadcast-16:9 ...), or none.
        review: also a contact sheet and an HTML review page of the burn-ready ASS on the video (caption mode).
    """
    if mode == "align_text" and resolver != "transcriptgenerate":
        raise InputError("mode=align_text needs resolver=transcriptgenerate (Yinzi's analysis has no text)")
    # Options and the output folder are checked before the link is resolved, which is paid for.
    check_output_dir(output_dir, "output_dir")
    subtitle_rules(language, max_chars_per_line, max_lines)
    check_burn_preset(burn_preset)
    if max_download_mb < 1:
        raise InputError(f"max_download_mb: {max_download_mb} must be at least 1")
    out = Path(output_dir)
    ledger = str(out / LEDGER_NAME)
    with sandbox_root(target, sandbox_url) as root:
        conn = connection(resolver, target, root, resolver_block)
        translated: ResolvedLink | None = None
        if resolver == "transcriptgenerate" and mode == "align_text" and target_language != "auto":
            # ATA needs the spoken text and TranscriptGenerate answers one language per task: the
            # text and its translation are two tasks (both charged the video's duration).
            link = resolve_with_transcriptgenerate(share_text, "auto", conn, ledger)
            translated = resolve_with_transcriptgenerate(share_text, target_language, conn, ledger)
        elif resolver == "transcriptgenerate":
            link = resolve_with_transcriptgenerate(share_text, target_language, conn, ledger)
        else:
            link = resolve_with_yinzi(share_text, conn, ledger)
        translation = (translated.text if translated else link.text) if target_language != "auto" else None
        media = download_media(link.video_url, str(out / "downloads"), max_download_mb, download_origins(conn, root))
        stem = output_name or output_stem(link)
        common = _SubflowKwargs(media=media, output_dir=output_dir, language=language, formats=list(formats),
                                max_chars_per_line=max_chars_per_line, max_lines=max_lines, target=target,
                                sandbox_url=root, credentials_block=credentials_block, output_name=stem,
                                snap_to_frames=snap_to_frames, burn_preset=burn_preset)
        if mode == "align_text":
            if not link.text:
                raise InputError(f"{link.url}: TranscriptGenerate returned no text to align; use mode=caption")
            result = step(align_script)(script=link.text, **common, translation=translation or None,
                                        translation_language=target_language if translation else None)
        else:
            result = step(caption_media)(**common, platform=link.platform, review=review,
                                         translation=translation or None,
                                         translation_language=target_language if translation else None)
    outputs = dict(result.outputs)
    if translation:
        outputs[f"translation-{target_language}"] = str(write_text_atomic(out / f"{stem}.{target_language}.txt", translation + "\n"))
    return replace(result, outputs=outputs, costs=add_costs([result.costs, resolution_costs(resolver, [link, translated],
                                                                                       result.duration_s)]))


def resolution_costs(resolver: str, links: list[ResolvedLink | None], video_seconds: float) -> dict[str, float]:
    """What resolving the link cost in this run: TranscriptGenerate's quota seconds per task (the
    task's duration, else the video's), or the Yinzi analysis' credits; nothing when reused."""
    paid = [link for link in links if link is not None and not link.reused]
    if not paid:
        return {}
    if resolver == "transcriptgenerate":
        return {"transcriptgenerate": round(sum(link.duration_s or video_seconds for link in paid), 1)}
    return {"yinzi": yinzi_credits_per_analysis() * len(paid)}
