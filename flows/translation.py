"""The translation step of a caption run: TranscriptGenerate's translation timed by the captions.

A thin task over :mod:`pipeline.translation`: the translation's sentences are aligned to the
timed source sentences (Gale–Church), laid over the source words, and cut under the target
language's rules; ``<stem>.<lang>.srt/.vtt/.ass`` (and ``.json``), ``<stem>.bilingual.srt/.vtt/.ass``
and the alignment report ``<stem>.bilingual.align.json`` are written, and for a video the
two-size ``<stem>.bilingual.burn.ass`` cut for its frame. Every pair that looks
wrong is logged as a warning and listed in the run's markdown artifact with every pair's
kind and length ratio.
"""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.tasks import BURN_AUTO, BURN_NONE, steps_are_inline, subtitle_rules
from pipeline.errors import InputError
from pipeline.media.probe import MediaInfo
from pipeline.transcript import Transcript
from pipeline.translation.build import translate, write_files
from pipeline.translation.burn import plan_bilingual_burn, write_bilingual_burn_ass


@task(name="write-translation", cache_policy=NO_CACHE)
def write_translation(transcript: Transcript, translation: str, target_language: str, out_dir: str, stem: str,
                      formats: list[str], max_chars_per_line: int | None, max_lines: int, fps: float | None = None,
                      snap_to_frames: bool = False, burn_video: MediaInfo | None = None,
                      burn_preset: str = BURN_AUTO, platform: str | None = None) -> dict[str, str]:
    """Timed translated and bilingual files of ``translation`` over ``transcript``; returns paths by key.

    ``max_chars_per_line`` is the source language's override; the translation keeps its own
    language's width. Given the video, also ``<stem>.bilingual.burn.ass``: both languages cut
    for its frame, in two sizes inside the preset's safe area.
    """
    logger = get_run_logger()
    source_rules = subtitle_rules(transcript.language, max_chars_per_line, max_lines, fps, snap_to_frames)
    target_rules = subtitle_rules(target_language, None, max_lines, fps, snap_to_frames)
    result = translate(transcript, translation, target_language, source_rules, target_rules)
    outputs = write_files(result, out_dir, stem, formats)
    pairs = result.pairs
    kinds = ", ".join(f"{kind} x{sum(p.kind == kind for p in pairs)}" for kind in sorted({p.kind for p in pairs}))
    logger.info("translation %s: %d source and %d translated sentence(s) aligned as %s; %d %s cue(s), %d bilingual",
                target_language, len(result.sources), len(result.targets), kinds, len(result.cues), target_language,
                len(result.bilingual))
    for line in result.warnings:
        logger.warning("translation alignment: %s", line)
    if burn_video is not None and burn_video.video_streams and burn_preset != BURN_NONE:
        try:
            plan = plan_bilingual_burn(burn_video, transcript, result, source_rules, target_rules,
                                       preset=None if burn_preset == BURN_AUTO else burn_preset, platform=platform)
        except InputError as exc:
            logger.warning("no bilingual burn-ready ASS: %s", exc)
        else:
            path = write_bilingual_burn_ass(plan, Path(out_dir) / f"{stem}.bilingual.burn.ass")
            outputs["bilingual.burn.ass"] = str(path)
            logger.info("bilingual burn-ready ASS: %s (%s)", path.name, plan.describe())
    if not steps_are_inline():
        create_markdown_artifact(result.markdown(), key=f"translation-{target_language.lower()}-alignment",
                                 description=f"Sentence alignment of the {target_language} translation")
    return outputs
