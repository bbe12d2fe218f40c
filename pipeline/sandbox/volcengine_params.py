"""The submit parameters of the caption and ATA APIs, validated as the vendor does (1001 names the field).

Kept apart from the endpoints so the parameter rules of the documents can be read in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.sandbox.volcengine_codes import Refusal

LANGUAGES = frozenset({"zh-CN", "en-US", "ja-JP", "ko-KR", "es-MX", "ru-RU", "fr-FR", "yue", "wuu", "nan", "ug"})
CAPTION_TYPES = frozenset({"auto", "speech", "singing"})
ATA_CAPTION_TYPES = frozenset({"speech", "singing"})


def parse_bool(params: Mapping[str, str], name: str, default: bool) -> bool:
    """Volcengine's booleans are "True"/"False"; lower case and 1/0 are tolerated."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise Refusal(1001, f"{name} must be True or False, got {raw!r}")


def parse_positive_int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Refusal(1001, f"{name} must be a positive integer, got {raw!r}") from None
    if value <= 0:
        raise Refusal(1001, f"{name} must be a positive integer, got {raw!r}")
    return value


@dataclass(frozen=True)
class CaptionParams:
    """The caption submit parameters the sandbox acts on (unknown ones are ignored, as the vendor does)."""

    language: str
    caption_type: str = "auto"
    use_punc: bool = False
    use_itn: bool = False
    use_ddc: bool = False
    with_speaker_info: bool = False
    use_capitalize: bool = True
    words_per_line: int = 46
    max_lines: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> CaptionParams:
        """Validate like the vendor: 1001 names the field."""
        language = params.get("language", "")
        if not language:
            raise Refusal(1001, "language is required (e.g. zh-CN, en-US)")
        if language not in LANGUAGES:
            raise Refusal(1001, f"language {language!r} not supported; use one of {', '.join(sorted(LANGUAGES))}")
        caption_type = params.get("caption_type") or "auto"
        if caption_type not in CAPTION_TYPES:
            raise Refusal(1001, f"caption_type must be auto, speech or singing, got {caption_type!r}")
        if params.get("boosting_table_id") or params.get("boosting_table_name"):
            if not params.get("asr_appid"):
                raise Refusal(1001, "boosting_table_id/boosting_table_name need asr_appid")
        return cls(
            language=language,
            caption_type=caption_type,
            use_punc=parse_bool(params, "use_punc", False),
            use_itn=parse_bool(params, "use_itn", False),
            use_ddc=parse_bool(params, "use_ddc", False),
            with_speaker_info=parse_bool(params, "with_speaker_info", False),
            use_capitalize=parse_bool(params, "use_capitalize", True),
            words_per_line=parse_positive_int(params, "words_per_line", 46),
            max_lines=parse_positive_int(params, "max_lines", 1),
        )


@dataclass(frozen=True)
class AtaParams:
    """The ATA submit parameters."""

    caption_type: str
    sta_punc_mode: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> AtaParams:
        caption_type = params.get("caption_type", "")
        if caption_type not in ATA_CAPTION_TYPES:
            raise Refusal(1001, f"caption_type is required: speech or singing, got {caption_type!r}")
        raw_mode = params.get("sta_punc_mode") or "1"
        if raw_mode not in {"1", "2", "3"}:
            raise Refusal(1001, f"sta_punc_mode must be 1, 2 or 3, got {raw_mode!r}")
        return cls(caption_type=caption_type, sta_punc_mode=int(raw_mode))
