"""Parameter types shared by the flows and the CLI (no Prefect import, so the CLI starts fast)."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh-CN", "en-US", "ja-JP", "ko-KR", "es-MX", "ru-RU", "fr-FR", "yue", "wuu", "nan", "ug"]
CaptionType = Literal["auto", "speech", "singing"]
Format = Literal["srt", "vtt", "ass", "txt", "json"]
Target = Literal["sandbox", "live"]
