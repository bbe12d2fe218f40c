"""Align a script: media + the text spoken in it → Volcengine ATA → timed subtitles.

For editors who already have the words (a script, lyrics, a transcript from TranscriptGenerate)
and need only the timing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger

from flows.caption import CaptionResult, media_to_subtitles
from flows.params import Format, Language, Target
from pipeline.errors import InputError
from pipeline.subtitles.dialogue import script_turns
from pipeline.vendors.volcengine import AtaOptions


def read_script(script: str | None, script_file: str | None) -> str:
    """The text to align, from ``script`` or a UTF-8 file.

    Raises:
        InputError: neither given, both given, unreadable or empty.
    """
    if bool(script) == bool(script_file):
        raise InputError("give the text to align as script or as script_file (exactly one of them)")
    if script_file:
        path = Path(script_file)
        try:
            script = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise InputError(f"{path}: no such script file; check the path") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: script is not UTF-8 text; save it as UTF-8") from exc
        if not script.strip():
            raise InputError(f"{path}: script file is empty; put the spoken text in it")
    assert script is not None
    if not script.strip():
        raise InputError("script is empty; give the spoken text to align")
    return script.strip()


@flow(name="align-script", log_prints=True)
def align_script(
    media: str,
    script: str | None = None,
    script_file: str | None = None,
    output_dir: str = "output",
    language: Language = "zh-CN",
    caption_type: Literal["speech", "singing"] = "speech",
    sta_punc_mode: Literal[1, 2, 3] = 1,
    formats: list[Format] = ["srt", "vtt"],  # noqa: B006 - Prefect needs a literal default for the UI form
    max_chars_per_line: int | None = None,
    max_lines: int = 2,
    target: Target = "sandbox",
    sandbox_url: str | None = None,
    credentials_block: str | None = None,
    output_name: str | None = None,
    snap_to_frames: bool = False,
    burn_preset: str = "auto",
    translation: str | None = None,
    translation_file: str | None = None,
    translation_language: str | None = None,
    dialogue: bool = False,
) -> CaptionResult:
    """Time a known text against a video or audio file and write subtitle files.

    Args:
        media: path of a local video or audio file.
        script: the spoken text (line breaks help the aligner find sentences).
        script_file: a UTF-8 text file with the spoken text, instead of ``script``.
        output_dir: where the subtitle files are written.
        language: language of the text (chooses line width and reading speed).
        caption_type: speech, or singing for lyrics.
        sta_punc_mode: 1 drops sentence-final punctuation, 2 shows some as spaces, 3 keeps all.
        formats: subtitle files to write.
        max_chars_per_line: override the language's line width.
        max_lines: lines per cue (1-3).
        target: "sandbox" or "live".
        sandbox_url: root URL of a standalone sandbox to use instead of an embedded one.
        credentials_block: saved Volcengine Credentials block for live runs.
        output_name: file name stem of the outputs (default: the media file's stem).
        snap_to_frames: put every cue time on a frame of the video (gaps are in its frames either way).
        burn_preset: a burn-ready ``<name>.burn.ass`` cut for the video's frame: auto (from the share link's
            platform or the frame's shape), a preset name (douyin, broadcast-16:9 ...), or none.
        translation: a translation of the text (TranscriptGenerate's, or anyone's): aligned to the timed
            script by sentence and written as ``<name>.<lang>.srt/...`` and ``<name>.bilingual.srt/...``.
        translation_file: a UTF-8 file with the translation, instead of ``translation``.
        translation_language: the translation's language code (en, ja, ko, zh, fr, de, es); needed with either.
        dialogue: the script is a dialogue, each speaker's turn starting with a dash (``- 你好`` / ``- 再见``):
            the dashes are not sent for alignment, a turn change starts a new cue, and two short turns may share
            one as a dialogue cue. The dashes say where the speaker changes, not who speaks.
    """
    text = read_script(script, script_file)
    translated = read_translation(translation, translation_file, translation_language)
    options = AtaOptions(caption_type=caption_type, sta_punc_mode=sta_punc_mode)
    turns = script_turns(text) if dialogue else []
    if len(turns) > 1:
        text = "\n".join(turns)
    elif dialogue:
        get_run_logger().warning("dialogue: no line of the script starts with a dash, so it has no speaker turns")
    return media_to_subtitles(media, options, text, output_dir, language, list(formats), max_chars_per_line, max_lines,
                              target, sandbox_url, credentials_block, output_name, snap_to_frames, burn_preset,
                              translation=translated, translation_language=translation_language if translated else None,
                              dialogue=dialogue, script_turns=turns if len(turns) > 1 else None)


def read_translation(translation: str | None, translation_file: str | None, language: str | None) -> str | None:
    """The translation to time beside the script, if one is given.

    Raises:
        InputError: both given, one given without its language, or unreadable or empty.
    """
    if not translation and not translation_file:
        return None
    if not language or language == "auto":
        raise InputError("a translation needs translation_language (en, ja, ko, zh, fr, de, es)")
    try:
        return read_script(translation, translation_file)
    except InputError as exc:
        raise InputError(str(exc).replace("script", "translation").replace("text to align", "translation")) from exc
