"""The text encoding of a subtitle file someone else wrote, and its decoded text.

Subtitle files arrive in whatever their tool wrote: UTF-8 with or without a BOM, UTF-16 or
UTF-32 with a BOM (Windows editors), GB2312/GBK/GB18030 (Chinese tools) and cp1252 (old
Western European SRT files). A BOM decides; otherwise UTF-8 is tried first (it almost never
decodes other encodings' bytes by accident), then GB18030 and cp1252 are told apart by what
their decoded characters look like: GB text decodes to characters of the GB2312 set (or, for
traditional characters in GBK, its bytes come in pairs), while cp1252's accented letters sit
alone among ASCII letters and, decoded as GB18030, land in GBK's rare extension rows or fail.
Everything is written back as UTF-8, so the choice only matters for reading.

Example:
    >>> decode_subtitle_bytes("Café, s'il vous plaît".encode("cp1252"))
    ("Café, s'il vous plaît", 'cp1252')
    >>> decode_subtitle_bytes("你好，世界".encode("gbk"))
    ('你好，世界', 'gb18030')
"""

from __future__ import annotations

import codecs
import os

from pipeline.errors import SubtitleError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)
#: The share of non-ASCII characters that must be GB2312 characters for a file that is not
#: UTF-8 to be read as GB18030 rather than cp1252.
GB_SHARE = 0.8


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _looks_chinese(text: str) -> bool:
    """True when most non-ASCII characters of ``text`` are in GB2312 (what GB files hold)."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    return bool(wide) and sum(map(_in_gb2312, wide)) >= GB_SHARE * len(wide)


def _paired(western: str) -> bool:
    """True when the non-ASCII characters of a cp1252 reading come in runs, as the two bytes
    of GBK characters do; cp1252's accented letters and quotes sit among ASCII letters."""
    wide = [k for k, ch in enumerate(western) if ord(ch) > 0x7F]
    if not wide:
        return False
    marks = set(wide)
    paired = sum(1 for k in wide if k - 1 in marks or k + 1 in marks)
    return paired >= GB_SHARE * len(wide)


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def decode_subtitle_bytes(raw: bytes, path: str | os.PathLike[str] = "subtitle file") -> tuple[str, str]:
    """The text of a subtitle file and the encoding it was read in.

    Returns:
        ``(text, encoding)`` with ``encoding`` one of ``utf-8``, ``utf-8-sig``, ``utf-16``,
        ``utf-32``, ``gb18030`` (which reads GB2312 and GBK too) or ``cp1252``. A BOM is not
        part of the text.

    Raises:
        SubtitleError: the bytes are text in none of these encodings (one line naming ``path``).
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            text = _decode(raw, encoding)
            if text is not None:
                return text, encoding
            break
    else:
        utf8 = _decode(raw, "utf-8")
        if utf8 is not None:
            return utf8, "utf-8"
        gb = _decode(raw, "gb18030")
        western = _decode(raw, "cp1252")
        if gb is not None and (_looks_chinese(gb) or western is None or _paired(western)):
            return gb, "gb18030"
        if western is not None:
            return western, "cp1252"
        if gb is not None:
            return gb, "gb18030"
    raise SubtitleError(
        f"{path} is not text in a known encoding (UTF-8, UTF-16/32 with BOM, GB18030/GBK/GB2312, cp1252); "
        "save it as UTF-8"
    )
