"""Everything decided before a burn: the target, the cues fitted to it, and what changed and why.

``burn`` never leaves the wrapping to libass: whatever SRT, WebVTT or ASS it is given is read
as cues, fitted to the frame (:func:`pipeline.subtitles.refit.refit_cues` with the font's
pixel widths) and written as a burn-ready ASS whose PlayRes is the frame, whose style is the
target's and which libass is told not to wrap (WrapStyle 2). Emoji are taken out and every
other character is checked to have a glyph, so no box is ever drawn. A bilingual input keeps
its two halves: the source in the target's style, the translation below it in the smaller
``Secondary`` style, each fitted under its own language (:mod:`pipeline.media.burn_bilingual`).

All of this is settled here, before ffmpeg starts, so a mistake fails in a second with one
line instead of after a minute of encoding.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, SubtitleError
from pipeline.media.burn_bilingual import BilingualInput, fit_bilingual, read_bilingual
from pipeline.media.burn_target import BurnTarget, bilingual_height_px, secondary_target, two_style_ass
from pipeline.media.canvas import Canvas
from pipeline.media.glyphs import FontChoice, check_glyphs, choose_font, describe_missing, drop_emoji
from pipeline.media.presets import Layout, preset_for, preset_named
from pipeline.media.probe import MediaInfo, probe
from pipeline.subtitles.bilingual import BilingualCue, as_cues
from pipeline.subtitles.chain import build_cues
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.formats import ass_text, read_cues, write_ass
from pipeline.subtitles.language import guess_language
from pipeline.subtitles.refit import Refit, refit_cues
from pipeline.subtitles.rules import CueRules, rules_for
from pipeline.transcript import Transcript

PathLike = str | os.PathLike[str]

SUBTITLE_SUFFIXES = frozenset({".srt", ".vtt", ".ass", ".ssa"})


@dataclass(frozen=True)
class Translation:
    """The second half of a bilingual burn: the translation's smaller target and language.

    Attributes:
        target: the primary target at the secondary size.
        language: the translation's language (its rules wrapped it).
        source_lines: per cue of the plan, how many of its lines are the source's (the rest are the translation).
        how: how the input's halves were told apart, for the report.
    """

    target: BurnTarget
    language: str
    source_lines: tuple[int, ...]
    how: str

    def halves(self, cues: Sequence[Cue]) -> list[BilingualCue]:
        return [BilingualCue(c.start_ms, c.end_ms, c.lines[:n], c.lines[n:])
                for c, n in zip(cues, self.source_lines, strict=True)]


@dataclass(frozen=True)
class BurnPlan:
    """A video, the target it is burned to, and the cues ready to draw on it.

    Attributes:
        video: the probed source video.
        subtitle_file: the file the cues came from.
        target: frame, layout and font.
        language: the language whose rules wrapped the cues.
        cues: the cues as they will be drawn (fitted, emoji taken out).
        changes: the cues that had to be re-wrapped or split, with reasons.
        dropped_emoji: the emoji taken out of the burned text.
        translation: for a bilingual input, the translation's half (each cue's lines are the
            source's, then the translation's).
    """

    video: MediaInfo
    subtitle_file: Path
    target: BurnTarget
    language: str
    cues: tuple[Cue, ...]
    changes: tuple[Refit, ...] = ()
    dropped_emoji: tuple[str, ...] = field(default=())
    translation: Translation | None = None

    def ass(self) -> str:
        """The burn-ready ASS document (two styles for a bilingual input)."""
        if self.translation is not None:
            return two_style_ass(self.target, self.translation.target, self.translation.halves(self.cues))
        return ass_text(self.cues, self.target.ass_style(), self.target.play_res)

    @property
    def max_lines(self) -> int:
        """Lines a drawn cue may take: the preset's, for each half of a bilingual cue."""
        return self.target.max_lines * (2 if self.translation is not None else 1)

    def report(self) -> list[str]:
        """Lines for the CLI and the run's artifact: the target, every change and why."""
        lines = [self.target.describe(), f"font: {self.target.font.family} ({self.target.font.why})"]
        if self.translation is not None:
            t = self.translation
            lines.append(f"{self.subtitle_file.name}: bilingual ({t.how}): {self.language} in {self.target.font_px} px, "
                         f"the {t.language} translation below it in {t.target.font_px} px")
        elif self.subtitle_file.suffix.lower() in {".ass", ".ssa"}:
            lines.append(f"{self.subtitle_file.name}: its text and times are laid out with preset "
                         f"{self.target.layout.name}; the file's own styles and positions are not kept")
        lines += [change.describe() for change in self.changes]
        if self.dropped_emoji:
            lines.append(f"emoji left out of the burned text (libass cannot draw them): {' '.join(self.dropped_emoji)}")
        return lines


def plan_burn(
    video: PathLike,
    subtitle_file: PathLike,
    *,
    preset: str | None = None,
    platform: str | None = None,
    layout_overrides: Mapping[str, Any] | None = None,
    font: str | None = None,
    fonts_dir: PathLike | None = None,
    language: str | None = None,
    colours: Mapping[str, Any] | None = None,
) -> BurnPlan:
    """Read, fit and check the subtitles for burning into ``video``.

    Args:
        video: the video to burn into.
        subtitle_file: an SRT, WebVTT or ASS/SSA file.
        preset: a preset name (``douyin``, ``broadcast-16:9`` ...); None picks one from
            ``platform`` or the frame's shape.
        platform: the share link's platform code, when the video came from one.
        layout_overrides: layout fields to change (``font_size``, ``margin_bottom`` ...).
        font: the font family asked for; None picks an installed Chinese font or the bundled one.
        fonts_dir: a folder of fonts for libass (searched first).
        language: the language whose line-breaking rules apply; None guesses from the text.
        colours: ``primary_colour``, ``outline_colour`` or ``bold`` for the target.

    Raises:
        InputError: a missing or unreadable file, no picture, an unknown preset or field,
            a font that is not there, or characters that no font can draw.
    """
    subtitle = require_subtitle_file(subtitle_file)
    info = probe(video)
    target = target_for(info, preset=preset, platform=platform, layout_overrides=layout_overrides, font=font,
                        fonts_dir=fonts_dir, colours=colours)
    read = _read(subtitle)
    bilingual = read_bilingual(subtitle, read)  # on the cues as written: a report counts their lines
    if bilingual is not None:
        halves, gone = _halves_without_emoji(bilingual.cues)
        require_glyphs(as_cues(halves), target.font, subtitle)
        return _bilingual_plan(info, subtitle, target, replace(bilingual, cues=tuple(halves)), tuple(gone), language)
    cues, dropped = _without_emoji(read)
    require_glyphs(cues, target.font, subtitle)
    language = language or guess_language(cues)
    rules = rules_for(language, max_lines=target.max_lines, fps=target.canvas.frame_rate)
    fitted, changes = refit_cues(cues, rules, target.measure(rules), unit="px")
    return BurnPlan(info, subtitle, target, language, tuple(fitted), tuple(changes), tuple(dropped))


def _bilingual_plan(info: MediaInfo, subtitle: Path, target: BurnTarget, bilingual: BilingualInput,
                    dropped: tuple[str, ...], language: str | None) -> BurnPlan:
    """Source and translation fitted each in its own size and rules; the cues must fit the safe area's height.

    ``language`` (``--language``) names the source's; the translation's comes with the halves.
    """
    secondary = secondary_target(target)
    source_language = language or bilingual.languages[0]
    rules = (rules_for(source_language, max_lines=target.max_lines, fps=target.canvas.frame_rate),
             rules_for(bilingual.languages[1], max_lines=target.max_lines, fps=target.canvas.frame_rate))
    fitted, changes = fit_bilingual(bilingual.cues, rules, (target.measure(rules[0]), secondary.measure(rules[1])))
    tallest = max((bilingual_height_px(target, secondary, cue) for cue in fitted), default=0.0)
    if tallest > target.safe.height:
        raise InputError(f"{subtitle}: bilingual cues need {tallest:.0f} px of height but the safe area has "
                         f"{target.safe.height}; use a smaller --font-size or fewer --max-lines")
    translation = Translation(secondary, bilingual.languages[1], tuple(len(c.source) for c in fitted), bilingual.how)
    return BurnPlan(info, subtitle, target, source_language, tuple(as_cues(fitted)), tuple(changes), dropped,
                    translation)


def plan_from_transcript(video: MediaInfo, transcript: Transcript, rules: CueRules, *, preset: str | None = None,
                         platform: str | None = None, font: str | None = None) -> BurnPlan:
    """Cues built for the frame from the start: the cue builder wraps in the font's pixels.

    The flows use this beside the delivery files, so the burn-ready ASS is cut for the frame
    (not re-fitted afterwards), with the same rules otherwise (``rules.max_lines`` gives way to
    the preset's).

    Raises:
        InputError: no picture, or characters no font can draw (emoji are left out, not refused).
    """
    target = target_for(video, preset=preset, platform=platform, font=font)
    rules = replace(rules, max_lines=target.max_lines, fps=target.canvas.frame_rate)
    built = build_cues(transcript, rules, measure=target.measure(rules))
    cues, dropped = _without_emoji(built)
    require_glyphs(cues, target.font, video.path)
    return BurnPlan(video, video.path, target, transcript.language, tuple(cues), (), tuple(dropped))


def target_for(info: MediaInfo, *, preset: str | None = None, platform: str | None = None,
               layout_overrides: Mapping[str, Any] | None = None, font: str | None = None,
               fonts_dir: PathLike | None = None, colours: Mapping[str, Any] | None = None) -> BurnTarget:
    """The burn target for a probed video: its canvas, the preset chosen for it, the font."""
    canvas = Canvas.of(info)
    layout = choose_layout(preset, platform, canvas).with_overrides(**(layout_overrides or {}))
    return BurnTarget(canvas, layout, choose_font(font, fonts_dir), **(colours or {}))


def write_burn_ass(plan: BurnPlan, path: PathLike) -> Path:
    """Write the plan's burn-ready ASS (atomically) and return its path."""
    return write_ass(plan.cues, path, plan.target.ass_style(), plan.target.play_res)


def choose_layout(preset: str | None, platform: str | None, canvas: Canvas) -> Layout:
    """The named preset, else the platform's, else the one for the frame's shape."""
    return preset_named(preset) if preset else preset_for(platform, canvas.aspect)


def require_subtitle_file(subtitle_file: PathLike) -> Path:
    """The subtitle file as an absolute Path, or a one-line InputError naming it."""
    path = Path(os.path.abspath(Path(subtitle_file).expanduser()))
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "no such subtitle file"
        raise InputError(f"{path}: {what}; give an existing .srt, .vtt or .ass file")
    if path.suffix.lower() not in SUBTITLE_SUFFIXES:
        raise InputError(f"{path}: unsupported subtitle format {path.suffix or '(no extension)'}; "
                         "give .srt, .vtt or .ass")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: subtitle file is empty; write the cues first")
    return path


def _read(path: Path) -> list[Cue]:
    try:
        cues = read_cues(path)
    except SubtitleError as exc:
        raise InputError(str(exc)) from exc
    if not cues:
        raise InputError(f"{path}: has no cues with text; check it is the right file")
    return cues


def _without_emoji(cues: list[Cue]) -> tuple[list[Cue], list[str]]:
    kept: list[Cue] = []
    dropped: list[str] = []
    for cue in cues:
        lines = _lines_without_emoji(cue.lines, dropped)
        if lines:
            kept.append(Cue(cue.start_ms, cue.end_ms, lines))
    return kept, list(dict.fromkeys(dropped))


def _halves_without_emoji(cues: Sequence[BilingualCue]) -> tuple[list[BilingualCue], list[str]]:
    kept: list[BilingualCue] = []
    dropped: list[str] = []
    for cue in cues:
        source, target = _lines_without_emoji(cue.source, dropped), _lines_without_emoji(cue.target, dropped)
        if source or target:
            kept.append(BilingualCue(cue.start_ms, cue.end_ms, source, target))
    return kept, list(dict.fromkeys(dropped))


def _lines_without_emoji(lines: Sequence[str], dropped: list[str]) -> tuple[str, ...]:
    """The lines with their emoji taken out (added to ``dropped``); lines left empty go."""
    kept = []
    for line in lines:
        text, gone = drop_emoji(line)
        dropped.extend(gone)
        if text:
            kept.append(text)
    return tuple(kept)


def require_glyphs(cues: list[Cue], font: FontChoice, path: Path) -> None:
    """Refuse, in one line, text with characters no font would draw (they would burn as boxes)."""
    missing = check_glyphs("".join(line for cue in cues for line in cue.lines), font)
    if missing:
        raise InputError(f"{path}: no installed font can draw {describe_missing(missing[:8])}"
                         f"{' and more' if len(missing) > 8 else ''} (they would burn as boxes); give --font "
                         f"with a font that has them, or --fonts-dir with its file")
