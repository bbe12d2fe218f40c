"""The translation step of a caption run: TranscriptGenerate's translation timed by the captions.

A thin task over :mod:`pipeline.translation`: the translation's sentences are aligned to the
timed source sentences (Gale–Church), laid over the source words, and cut under the target
language's rules; ``<stem>.<lang>.srt/.vtt/.ass`` (and ``.json``), ``<stem>.bilingual.srt/.vtt/.ass``
and the alignment report ``<stem>.bilingual.align.json`` are written. Every pair that looks
wrong is logged as a warning and listed in the run's markdown artifact with every pair's
kind and length ratio.
"""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.tasks import steps_are_inline, subtitle_rules
from pipeline.transcript import Transcript
from pipeline.translation.build import translate, write_files


@task(name="write-translation", cache_policy=NO_CACHE)
def write_translation(transcript: Transcript, translation: str, target_language: str, out_dir: str, stem: str,
                      formats: list[str], max_chars_per_line: int | None, max_lines: int, fps: float | None = None,
                      snap_to_frames: bool = False) -> dict[str, str]:
    """Timed translated and bilingual files of ``translation`` over ``transcript``; returns paths by key.

    ``max_chars_per_line`` is the source language's override; the translation keeps its own
    language's width.
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
    if not steps_are_inline():
        create_markdown_artifact(result.markdown(), key=f"translation-{target_language.lower()}-alignment",
                                 description=f"Sentence alignment of the {target_language} translation")
    return outputs
