"""Caption one media file: probe → extract → check → submit → wait → subtitles (see ``flows.tasks``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.connections import connection, sandbox_root
from flows.limits import vendor_slot
from flows.params import CaptionType, Format, Language, Target
from flows.tasks import (
    LEDGER_NAME,
    check_burn_preset,
    prepare_audio,
    step,
    steps_are_inline,
    submit_volcengine,
    subtitle_rules,
    wait_volcengine,
    write_subtitles,
)
from flows.translation import write_translation
from pipeline.errors import TaskNotFoundError
from pipeline.fileio import check_output_dir
from pipeline.ledger import EXPIRED, JobLedger
from pipeline.script_check import script_mismatch
from pipeline.subtitles.dialogue import transcript_with_turns
from pipeline.transcript import transcript_from_volcengine
from pipeline.vendors.volcengine import AtaOptions, CaptionOptions


@dataclass(frozen=True)
class CaptionResult:
    """What a caption run produced (returned by the flow, shown in the artifact)."""

    media: str
    outputs: dict[str, str]
    task_id: str
    reused_task: bool
    audio: str
    audio_reason: str
    duration_s: float
    cues: int
    costs: dict[str, float] = field(default_factory=dict)  # paid in this run, per vendor in its unit (pipeline.costs)


def summary_markdown(result: CaptionResult) -> str:
    rows = "\n".join(f"| {fmt.upper()} | `{path}` |" for fmt, path in result.outputs.items())
    reused = " (reused from an earlier run: not paid twice)" if result.reused_task else ""
    return (
        f"## Captions for `{Path(result.media).name}`\n\n"
        f"- **Input**: `{result.media}`\n- **Duration**: {result.duration_s:.1f} s\n"
        f"- **Audio sent**: `{Path(result.audio).name}` — {result.audio_reason}\n"
        f"- **Vendor task**: `{result.task_id}`{reused}\n- **Cues**: {result.cues}\n\n"
        f"| Format | File |\n|---|---|\n{rows}\n"
    )


def media_to_subtitles(media: str, options: CaptionOptions | AtaOptions, text: str | None, output_dir: str,
                       language: str, formats: list[str], max_chars_per_line: int | None, max_lines: int,
                       target: Target, sandbox_url: str | None, credentials_block: str | None,
                       output_name: str | None, snap_to_frames: bool = False, burn_preset: str = "auto",
                       platform: str | None = None, review: bool = False, translation: str | None = None,
                       translation_language: str | None = None, dialogue: bool = False,
                       script_turns: list[str] | None = None) -> CaptionResult:
    """The steps a caption run and an alignment run share (``text`` given means alignment).

    The cues are timed in the frames of the media's own picture (its probed frame rate). A
    video also gets a burn-ready ASS cut for its frame (``burn_preset``; ``platform`` is the
    share link's, which picks the preset under ``auto``). With ``translation`` (text in
    ``translation_language``), its timed and bilingual files too (``flows.translation``).
    ``dialogue`` allows dialogue cues; ``script_turns`` (alignment of a dialogue script) give
    the aligned utterances their speakers.

    Called inside a flow: each step is a task of that flow run (or a plain call when a batch
    item runs this inline; see ``flows.tasks.steps_inline``).
    """
    # Options and the output folder are checked before anything is probed or paid for.
    out = check_output_dir(output_dir, "output_dir")
    subtitle_rules(language, max_chars_per_line, max_lines)
    check_burn_preset(burn_preset)
    info, audio = step(prepare_audio)(media, str(out / "audio"))
    ledger = str(out / LEDGER_NAME)
    with sandbox_root(target, sandbox_url) as root, vendor_slot("volcengine"):
        # The slot covers only the vendor's part, so local steps of other items overlap it.
        conn = connection("volcengine", target, root, credentials_block)
        task_id, reused = step(submit_volcengine)(audio, options, conn, ledger, text=text)
        try:
            response = step(wait_volcengine)(task_id, conn, ledger, alignment=text is not None)
        except TaskNotFoundError:
            if not reused:
                raise
            # Results are kept for a while only (and a restarted sandbox may not have them): the
            # job cannot be collected, so it is submitted again, once.
            get_run_logger().warning("the vendor no longer knows task %s submitted earlier for %s; submitting again",
                                     task_id, audio.path.name)
            JobLedger(Path(ledger)).mark_task(task_id, EXPIRED)
            task_id, reused = step(submit_volcengine)(audio, options, conn, ledger, text=text)
            response = step(wait_volcengine)(task_id, conn, ledger, alignment=text is not None)
    transcript = transcript_from_volcengine(response, language, source=str(info.path))
    if script_turns:
        transcript = transcript_with_turns(transcript, script_turns)
    mismatch = script_mismatch(transcript, info.path.name)
    if mismatch:  # e.g. English speech under the zh-CN default: say so, with the option that fixes it
        get_run_logger().warning(mismatch)
    stem = output_name or info.path.stem
    outputs, cue_count = step(write_subtitles)(transcript, str(out), stem, formats, max_chars_per_line, max_lines,
                                               fps=info.frame_rate, snap_to_frames=snap_to_frames,
                                               burn_video=info, burn_preset=burn_preset, platform=platform,
                                               review=review, dialogue=dialogue)
    if translation and translation_language:
        outputs = {**outputs, **step(write_translation)(transcript, translation, translation_language, str(out), stem,
                                                         formats, max_chars_per_line, max_lines, fps=info.frame_rate,
                                                         snap_to_frames=snap_to_frames, burn_video=info,
                                                         burn_preset=burn_preset, platform=platform)}
    paid = {} if reused else {"volcengine": round(audio.duration_s or info.duration_s, 1)}  # a reused job was paid before
    result = CaptionResult(str(info.path), outputs, task_id, reused, str(audio.path), audio.plan.reason, info.duration_s,
                           cue_count, paid)
    if steps_are_inline():
        return result  # a batch item: the batch's table has its row
    kind = "align" if text is not None else "caption"
    create_markdown_artifact(summary_markdown(result), key=f"{kind}-summary", description=f"{kind.title()} of {info.path.name}")
    return result


@flow(name="caption-media", log_prints=True)
def caption_media(
    media: str,
    output_dir: str = "output",
    language: Language = "zh-CN",
    caption_type: CaptionType = "speech",
    use_punc: bool = True,
    use_itn: bool = True,
    formats: list[Format] = ["srt", "vtt"],  # noqa: B006 - Prefect needs a literal default for the UI form
    max_chars_per_line: int | None = None,
    max_lines: int = 2,
    target: Target = "sandbox",
    sandbox_url: str | None = None,
    credentials_block: str | None = None,
    output_name: str | None = None,
    snap_to_frames: bool = False,
    burn_preset: str = "auto",
    platform: str | None = None,
    review: bool = False,
    translation: str | None = None,
    translation_language: str | None = None,
    dialogue: bool = False,
) -> CaptionResult:
    """Caption a local video or audio file and write subtitle files.

    Args:
        media: path of a local video or audio file.
        output_dir: where the subtitle files (and the audio sent) are written.
        language: spoken language (Volcengine language code).
        caption_type: speech (default), singing (lyrics) or auto.
        use_punc: ask the vendor for punctuation (Volcengine applies it to speech only).
        use_itn: ask the vendor to write numbers as digits.
        formats: subtitle files to write.
        max_chars_per_line: override the language's line width (zh 16, ja 23, ko 16, others 42).
        max_lines: lines per cue (1-3).
        target: "sandbox" (loopback vendor; embedded unless sandbox_url is given) or "live" (the real Volcengine).
        sandbox_url: root URL of a standalone sandbox (``subtitle-pipeline sandbox``) to use instead of an embedded one.
        credentials_block: name of a saved Volcengine Credentials block (live runs); else VOLCENGINE_APPID/VOLCENGINE_TOKEN.
        output_name: file name stem of the outputs (default: the media file's stem).
        snap_to_frames: put every cue time on a frame of the video (gaps are in its frames either way).
        burn_preset: a burn-ready ``<name>.burn.ass`` cut for the video's frame: auto (from the share link's
            platform or the frame's shape), a preset name (douyin, broadcast-16:9 ...), or none.
        platform: the share link's platform code when the video came from one (picks the burn preset).
        review: also a contact sheet and an HTML review page of the burn-ready ASS on the video.
        translation: a translation of the speech (TranscriptGenerate's): timed by the captions and written as
            ``<name>.<lang>.srt/...`` and bilingual ``<name>.bilingual.srt/...``.
        translation_language: the translation's language code (en, ja, ko, zh, fr, de, es).
        dialogue: ask the vendor who speaks (``with_speaker_info``); a speaker change starts a new cue, and
            two short turns may share one as a dialogue cue, a line per speaker starting with a dash.
    """
    options = CaptionOptions(language=language, caption_type=caption_type, use_punc=use_punc, use_itn=use_itn,
                             with_speaker_info=True if dialogue else None)
    return media_to_subtitles(media, options, None, output_dir, language, list(formats), max_chars_per_line, max_lines,
                              target, sandbox_url, credentials_block, output_name, snap_to_frames, burn_preset, platform,
                              review, translation, translation_language, dialogue=dialogue)
