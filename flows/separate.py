"""Separate tracks with Yinzi: vocals and accompaniment (or one of them, or the text), downloaded
before their links expire, and optionally captioned.

Yinzi takes a URL only, so a local file's audio is published through a media host (loopback for
the sandbox; an S3-compatible bucket with presigned URLs for the real vendor) for as long as the
order runs. Orders are recorded in the output folder's ledger: a rerun after a crash queries the
same order (Yinzi charges at the first finished query, once) instead of creating a new one.

For captions, the original mix is usually the better input: recognisers lose sentences on
separated vocals. Caption the vocals for songs (``caption_type="singing"``).

``extract-text`` returns Yinzi's own caption file. It is kept as downloaded, and also turned into
our subtitles (``<stem>.yinzi.srt`` …) through the same cue engine the caption flow uses, so the
line rules and formats are ours. When Yinzi's file has no times (plain text), the text is timed
by Volcengine alignment against the original sound, as the link flow does with TranscriptGenerate's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.align import align_script
from flows.caption import caption_media
from flows.connections import Connection, connection, open_client, sandbox_root
from flows.limits import vendor_slot
from flows.params import CaptionType, Format, Language, Target
from flows.retries import retry_if_retryable
from flows.tasks import LEDGER_NAME, prepare_audio, write_subtitles
from pipeline.caption_import import transcript_from_caption_file
from pipeline.errors import TaskFailedError
from pipeline.ledger import JobLedger, file_sha256, job_key
from pipeline.media.extract import ExtractedAudio
from pipeline.vendors.hosting import host_from_settings

OrderType = Literal["track-separation", "extract-voice", "extract-music", "extract-text"]
CaptionSource = Literal["none", "mix", "vocals"]


@dataclass(frozen=True)
class SeparationResult:
    media: str
    order_no: str
    reused_order: bool
    stems: dict[str, str]
    cost: float | None
    balance: float | None
    captions: dict[str, str]
    #: Our subtitles made from Yinzi's ``caption`` file (extract-text), by format.
    text_subtitles: dict[str, str] = field(default_factory=dict)


@task(name="yinzi-order", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=[30],
      retry_condition_fn=retry_if_retryable)
def run_yinzi_order(audio: ExtractedAudio, order_type: str, conn: Connection, ledger_path: str, media_host: str,
                    out_dir: str) -> tuple[str, bool, dict[str, str], float | None, float | None]:
    """Create (or reuse) the order, wait for it, and download its files at once."""
    logger = get_run_logger()
    ledger = JobLedger(Path(ledger_path))
    key = job_key(f"yinzi-{order_type}", conn.base_url, file_sha256(audio.path), None)
    with open_client(conn) as client, host_from_settings(media_host) as host, host.published(audio.path) as hosted, \
            vendor_slot("yinzi"):
        order_no, reused = ledger.submit_once(key, lambda: client.create_order(order_type, hosted.url),
                                              audio=audio.path.name, api=f"yinzi-{order_type}")
        logger.info("%s Yinzi order %s (%s) for %s", "reusing" if reused else "created", order_no, order_type, hosted.label)
        try:
            result = client.wait_order(order_no, on_pending=lambda n, d: logger.info("order %s: %s (query %d)", order_no, d, n))
        except TaskFailedError:
            ledger.mark_task(order_no, "failed")
            raise
        # Result links expire after an hour: download now, not in a later task.
        files = {business: str(path) for business, path in client.download_stuffs(result, out_dir).items()}
    ledger.mark_task(order_no, "done")
    logger.info("order %s finished: cost %s, balance %s, files %s", order_no, result.cost, result.balance, ", ".join(files))
    return order_no, reused, files, result.cost, result.balance


def subtitles_from_yinzi_caption(caption_file: str, media: str, duration_s: float, output_dir: str, stem: str,
                                 language: Language, formats: list[Format], max_chars_per_line: int | None,
                                 max_lines: int, target: Target, sandbox_url: str | None,
                                 credentials_block: str | None, fps: float | None = None) -> dict[str, str]:
    """Yinzi's caption file as our subtitle files; untimed text is aligned first (Volcengine ATA).

    ``fps`` is the media's frame rate (gaps are counted in its frames), None for audio only.

    Called inside the flow: writing is a task of it, alignment a subflow.
    """
    logger = get_run_logger()
    transcript = transcript_from_caption_file(caption_file, language, source=media)
    fmt = transcript.meta.get("caption_format")
    if not transcript.utterances:
        logger.warning("Yinzi's caption file %s (%s) holds no text: no subtitles written", caption_file, fmt)
        return {}
    if transcript.needs_alignment:
        logger.info("Yinzi's caption file has no times (%s): aligning its %d line(s) with Volcengine",
                    fmt, len(transcript.utterances))
        done = align_script(media=media, script="\n".join(u.text for u in transcript.utterances),
                            output_dir=output_dir, language=language, formats=list(formats),
                            max_chars_per_line=max_chars_per_line, max_lines=max_lines, target=target,
                            sandbox_url=sandbox_url, credentials_block=credentials_block, output_name=stem)
        return done.outputs
    logger.info("Yinzi's caption file (%s): %d cue(s), word times spread over each cue",
                fmt, len(transcript.utterances))
    transcript = replace(transcript, duration_ms=round(duration_s * 1000))
    outputs, _ = write_subtitles(transcript, output_dir, stem, [str(f) for f in formats], max_chars_per_line, max_lines,
                                 fps=fps)
    return outputs


@flow(name="separate-tracks", log_prints=True)
def separate_tracks(
    media: str,
    order_type: OrderType = "track-separation",
    output_dir: str = "output",
    caption: CaptionSource = "none",
    caption_type: CaptionType = "speech",
    language: Language = "zh-CN",
    formats: list[Format] = ["srt", "vtt"],  # noqa: B006 - Prefect needs a literal default for the UI form
    max_chars_per_line: int | None = None,
    max_lines: int = 2,
    media_host: Literal["loopback", "s3"] = "loopback",
    target: Target = "sandbox",
    sandbox_url: str | None = None,
    credentials_block: str | None = None,
    yinzi_block: str | None = None,
) -> SeparationResult:
    """Split a song or video's sound into vocals and accompaniment with Yinzi.

    Args:
        media: a local video or audio file.
        order_type: track-separation (both stems), extract-voice, extract-music, or extract-text.
        output_dir: where the stems (and any subtitles) are written.
        caption: none, mix (caption the original sound; best for speech) or vocals (best for songs).
        caption_type: speech, or singing for lyrics.
        language: spoken or sung language (for captions).
        formats: subtitle files to write when captioning, and from Yinzi's text (extract-text).
        max_chars_per_line: override the language's line width.
        max_lines: lines per cue (1-3).
        media_host: how Yinzi fetches the audio: loopback (sandbox only) or s3 (MEDIA_HOST_S3_* settings).
        target: "sandbox" or "live".
        sandbox_url: root URL of a standalone sandbox to use instead of an embedded one.
        credentials_block: saved Volcengine Credentials block (captions, live runs).
        yinzi_block: saved Yinzi Credentials block (live runs); else YINZI_API_KEY.
    """
    out = Path(output_dir)
    info, audio = prepare_audio(media, str(out / "audio"))
    captions: dict[str, str] = {}
    text_subtitles: dict[str, str] = {}
    with sandbox_root(target, sandbox_url) as root:
        conn = connection("yinzi", target, root, yinzi_block)
        order_no, reused, stems, cost, balance = run_yinzi_order(
            audio, order_type, conn, str(out / LEDGER_NAME), media_host, str(out / "stems" / info.path.stem))
        if "caption" in stems:
            text_subtitles = subtitles_from_yinzi_caption(
                stems["caption"], str(info.path), info.duration_s, output_dir, f"{info.path.stem}.yinzi", language,
                list(formats), max_chars_per_line, max_lines, target, root, credentials_block, info.frame_rate)
        source = {"mix": str(info.path), "vocals": stems.get("vocals")}.get(caption)
        if caption != "none" and source:
            done = caption_media(media=source, output_dir=output_dir, language=language, caption_type=caption_type,
                                 formats=list(formats), max_chars_per_line=max_chars_per_line,
                                 max_lines=max_lines, target=target, sandbox_url=root,
                                 credentials_block=credentials_block, output_name=f"{info.path.stem}.{caption}")
            captions = done.outputs
    result = SeparationResult(str(info.path), order_no, reused, stems, cost, balance, captions, text_subtitles)
    rows = "\n".join(f"| {name} | `{path}` |" for name, path in stems.items())
    rows += "".join(f"\n| {caption} {fmt} | `{path}` |" for fmt, path in captions.items())
    rows += "".join(f"\n| Yinzi text {fmt} | `{path}` |" for fmt, path in text_subtitles.items())
    create_markdown_artifact(
        f"## Yinzi {order_type} for `{info.path.name}`\n\n- **Order**: `{order_no}`"
        f"{' (reused)' if reused else ''}\n- **Cost**: {cost} points, balance {balance}\n\n"
        f"| File | Path |\n|---|---|\n{rows}\n", key="separate-summary", description=f"Stems of {info.path.name}")
    return result
