"""Per-language subtitle limits as one frozen value object.

Defaults follow the Netflix Timed Text Style Guide (see ``/work/shared/NOTES.md``): a user
overrides single values with ``rules_for("zh-CN", max_lines=1)`` instead of re-stating
the whole table, and the frozen dataclass can be stored in the JSON output and rebuilt
with :meth:`CueRules.from_dict` so a result can be reproduced.

Example:
    >>> rules_for("zh-CN").max_chars_per_line
    16
    >>> rules_for("en-US", max_lines=1).max_lines
    1
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from pipeline.errors import InvalidRulesError
from pipeline.transcript import is_cjk_language

#: Chinese punctuation display modes, named after what Volcengine's ``sta_punc_mode`` does:
#: ``keep`` = mode 3 (all punctuation), ``space`` = mode 2 (clause marks shown as spaces),
#: ``drop_final`` = mode 1 (trailing commas/full stops of a cue omitted).
PUNCTUATION_MODES = ("keep", "space", "drop_final")

#: Language (primary subtag) -> values that differ from :class:`CueRules`' defaults.
#: zh and en come from the Netflix guides quoted in NOTES.md; ko (12 cps) comes from Netflix's
#: Korean guide and is worth re-checking before relying on it. ja: Netflix's Japanese Timed
#: Text Style Guide (partnerhelp.netflixstudios.com/hc/en-us/articles/215767517), "Horizontal
#: subtitles - Maximum 13 full-width characters per line", a half-width character counting
#: 0.5; 4 characters per second is the long-standing Japanese subtitling rule.
LANGUAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "zh": {"max_chars_per_line": 16, "max_cps": 9.0},
    "cmn": {"max_chars_per_line": 16, "max_cps": 9.0},
    "yue": {"max_chars_per_line": 16, "max_cps": 9.0},
    "wuu": {"max_chars_per_line": 16, "max_cps": 9.0},
    "nan": {"max_chars_per_line": 16, "max_cps": 9.0},
    "ja": {"max_chars_per_line": 13, "max_cps": 4.0},
    "ko": {"max_chars_per_line": 16, "max_cps": 12.0},
}

#: Languages whose words jieba can segment (it only knows Chinese).
CHINESE_LANGUAGES = frozenset({"zh", "cmn", "yue", "wuu", "nan"})


@dataclass(frozen=True)
class CueRules:
    """Every limit the cue builder and the linter apply; defaults are English (Netflix adult).

    Attributes:
        language: BCP-47-ish tag ("zh-CN", "en-US", "yue"); decides script handling.
        max_chars_per_line: line width in characters as players draw them: in CJK languages
            full-width characters, a half-width one (Latin letter, digit, space) counting 0.5,
            as the Netflix Chinese and Japanese guides count; elsewhere characters, a full-width
            one counting 2. A grapheme cluster (an emoji with its skin tone) is one character.
        max_lines: lines per cue, 1 to 3.
        min_duration_ms: shortest cue (Netflix: 5/6 s).
        max_duration_ms: longest cue (Netflix: 7 s).
        max_cps: reading speed limit in characters per second; in CJK text a
            half-width character counts 0.5.
        fps: frame rate of the video the cues are for: the minimum gap is counted in its
            frames. The flows set it from the probed video (25 when there is none).
        min_gap_frames: minimum gap between cues, in frames.
        snap_to_frames: put every cue time on a frame boundary at ``fps`` (for editors and
            frame-accurate burn-in); off, times stay on the speech's milliseconds.
        close_gap_ms: gaps shorter than this are closed down to ``min_gap_frames``.
        pause_split_ms: a silence longer than this between words starts a new cue.
        punctuation: Chinese punctuation display mode, one of :data:`PUNCTUATION_MODES`.
        bottom_heavy: prefer the bottom line of a two-line cue to be the longer one.
        dialogue: two short turns of different speakers may share a cue as a dialogue cue,
            one line per speaker, each starting with ``dialogue_dash``. Off, every speaker
            change starts a new cue. Either way a line never holds two speakers' words.
        dialogue_dash: what starts each line of a dialogue cue. Netflix's English Timed Text
            Style Guide, "Dual Speakers": "Use a hyphen without a space to indicate two
            speakers in one subtitle, with a maximum of one speaker per line" (``-Are you
            coming?`` / ``-In a minute.``); files from elsewhere often put a space after it.
    """

    language: str = "en"
    max_chars_per_line: int = 42
    max_lines: int = 2
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    max_cps: float = 20.0
    fps: float = 25.0
    min_gap_frames: int = 2
    close_gap_ms: int = 500
    pause_split_ms: int = 600
    punctuation: str = "keep"
    bottom_heavy: bool = True
    snap_to_frames: bool = False
    dialogue: bool = False
    dialogue_dash: str = "-"

    def __post_init__(self) -> None:
        # Fail at construction: a bad override would otherwise surface as odd cues much later.
        if not 1 <= self.max_lines <= 3:
            raise InvalidRulesError(f"max_lines must be 1 to 3, got {self.max_lines}")
        if self.max_chars_per_line < 1:
            raise InvalidRulesError(f"max_chars_per_line must be positive, got {self.max_chars_per_line}")
        if not 0 < self.min_duration_ms <= self.max_duration_ms:
            raise InvalidRulesError(
                f"need 0 < min_duration_ms <= max_duration_ms, got {self.min_duration_ms}, {self.max_duration_ms}"
            )
        if self.max_cps <= 0 or self.fps <= 0:
            raise InvalidRulesError(f"max_cps and fps must be positive, got {self.max_cps}, {self.fps}")
        if self.min_gap_frames < 0 or self.close_gap_ms < 0 or self.pause_split_ms < 0:
            raise InvalidRulesError("min_gap_frames, close_gap_ms and pause_split_ms must not be negative")
        if not self.dialogue_dash.strip():
            raise InvalidRulesError("dialogue_dash must not be empty, e.g. '-' or '- '")
        if self.punctuation not in PUNCTUATION_MODES:
            raise InvalidRulesError(f"punctuation must be one of {PUNCTUATION_MODES}, got {self.punctuation!r}")

    @property
    def primary_language(self) -> str:
        """The primary subtag in lower case: "zh-CN" -> "zh"."""
        return self.language.replace("_", "-").split("-")[0].lower()

    @property
    def is_cjk(self) -> bool:
        """True when words are written without spaces (zh, ja, yue ...): lines may break anywhere."""
        return is_cjk_language(self.primary_language)

    @property
    def is_chinese(self) -> bool:
        """True when jieba's word boundaries are meaningful for this language."""
        return self.primary_language in CHINESE_LANGUAGES

    @property
    def is_japanese(self) -> bool:
        """True for Japanese: its own word boundaries (:mod:`~pipeline.subtitles.japanese`)."""
        return self.primary_language == "ja"

    @property
    def min_gap_ms(self) -> int:
        """The minimum gap in milliseconds, rounded up so it is never shorter than the frames."""
        return math.ceil(self.min_gap_frames * 1000 / self.fps)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` turns it back into equal rules."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CueRules:
        """Rebuild rules from :meth:`to_dict` output, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def rules_for(language: str, **overrides: Any) -> CueRules:
    """The default rules for ``language`` with ``overrides`` applied.

    Args:
        language: "zh-CN", "en-US", "ja-JP", "yue" ...; unknown languages get the English limits.
        **overrides: any :class:`CueRules` field, e.g. ``max_lines=1`` or ``punctuation="space"``.

    Raises:
        TypeError: an override names no CueRules field.
        InvalidRulesError: an override is out of range (a ValueError too).
    """
    primary = language.replace("_", "-").split("-")[0].lower()
    values: dict[str, Any] = {"language": language, **LANGUAGE_DEFAULTS.get(primary, {})}
    values.update(overrides)
    return CueRules(**values)
