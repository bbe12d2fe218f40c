"""A media file's language tag (ISO 639-2 "eng", ISO 639-1 "en", BCP 47 "zh-Hans-CN") as a vendor language.

Used when no language was given: a file that says it is English should not be recognised and
wrapped as Chinese, the default. Only tags that name one of the vendor's languages count.

Example:
    >>> spoken_language("eng"), spoken_language("zh-Hant-TW"), spoken_language("und")
    ('en-US', 'zh-CN', None)
"""

from __future__ import annotations

# Primary subtags (ISO 639-1 and the bibliographic and terminologic ISO 639-2 codes) of the
# vendor's languages (flows.params.Language).
_BY_PRIMARY = {
    "zh": "zh-CN", "zho": "zh-CN", "chi": "zh-CN", "cmn": "zh-CN",
    "en": "en-US", "eng": "en-US",
    "ja": "ja-JP", "jpn": "ja-JP",
    "ko": "ko-KR", "kor": "ko-KR",
    "es": "es-MX", "spa": "es-MX",
    "ru": "ru-RU", "rus": "ru-RU",
    "fr": "fr-FR", "fra": "fr-FR", "fre": "fr-FR",
    "yue": "yue", "wuu": "wuu", "nan": "nan",
    "ug": "ug", "uig": "ug",
}


def spoken_language(tag: str | None) -> str | None:
    """The vendor language a tag names, or None for no tag, "und", or a language the vendor lacks."""
    if not tag:
        return None
    return _BY_PRIMARY.get(tag.replace("_", "-").split("-")[0].strip().lower())
