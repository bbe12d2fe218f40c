"""Find installed fonts that can draw Chinese, reading TrueType/OpenType files without a font library.

Burned-in Chinese needs a font that has the glyphs; naming none lets fontconfig pick one that
may draw boxes. :func:`find_cjk_font` finds an installed family and :func:`font_file` the file
that holds a named one. fontconfig (``fc-list``) is asked first, the same
database libass uses; without it the usual font folders are scanned and each file's family
name (``name`` table) and Chinese coverage (``OS/2`` table) are read straight from the
TrueType/OpenType file or collection (.ttc/.otc).

This is about the fonts on the machine, not about ffmpeg, so it lives apart from
:mod:`pipeline.media.glyphs`, which chooses the burn font with it.
"""

from __future__ import annotations

import mmap
import os
import shutil
import struct
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

PathLike = str | os.PathLike[str]

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})

#: Families tried first, in order: common Simplified-Chinese sans fonts on Linux, macOS, Windows.
PREFERRED_CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Droid Sans Fallback",
)

#: Where fonts live when fontconfig's ``fc-list`` is not available to ask.
SYSTEM_FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
    os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts"),
)


#: The family of the Noto Sans CJK collection that ships as a dependency (``noto-cjk-sans-otc``,
#: SIL Open Font License 1.1): Chinese burns without root on a machine with no CJK font.
BUNDLED_CJK_FAMILY = "Noto Sans CJK SC"


def bundled_cjk_font() -> Path | None:
    """The bundled Noto Sans CJK collection file, or None when the wheel is not installed."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


def find_cjk_font(fonts_dir: PathLike | None = None, *, prefer: Sequence[str] = PREFERRED_CJK_FAMILIES) -> str | None:
    """An installed font family that has Chinese glyphs, or None.

    A ``fonts_dir`` is scanned first because those are the fonts libass is told to load;
    then fontconfig is asked (``fc-list :lang=zh family``), the same database libass uses;
    without fontconfig the usual system font folders are scanned.
    """
    if fonts_dir:
        found = _pick_family(_scan_cjk_families([Path(fonts_dir).expanduser()]), prefer)
        if found:
            return found
    families = _fc_families(":lang=zh")
    if families is None:
        families = _scan_cjk_families(Path(d).expanduser() for d in SYSTEM_FONT_DIRS)
    return _pick_family(families, prefer)


def font_file(family: str, fonts_dir: PathLike | None = None) -> Path | None:
    """The file that holds ``family`` (in ``fonts_dir`` first, then installed), or None.

    The width measure reads advances from this file, so it must be the file libass picks
    for the family: ``fonts_dir`` is searched first because libass is given it too.
    """
    wanted = family.casefold()
    if fonts_dir:
        for path in _font_files([Path(fonts_dir).expanduser()]):
            if any(name.casefold() == wanted for name, _ in _sfnt_faces(path)):
                return path
    listed = _fc_files(family)
    if listed is not None:
        return next((path for path in listed if path.is_file()), None)
    for path in _font_files(Path(d).expanduser() for d in SYSTEM_FONT_DIRS):
        if any(name.casefold() == wanted for name, _ in _sfnt_faces(path)):
            return path
    return None


def families_covering(ch: str) -> list[str] | None:
    """Installed families that have a glyph for ``ch`` (fontconfig's answer); None without fc-list.

    libass falls back through fontconfig for a character its font lacks, so such a
    character is still drawn when some installed font has it.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    return list(_fc_list_output(fc_list, f":charset={ord(ch):x}"))


def _fc_files(family: str) -> list[Path] | None:
    """The regular face's file for ``family`` (fontconfig's best match), [] when none has that name."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        result = subprocess.run([fc_match, "-f", "%{file}|%{family}", f"{family}:style=Regular"], capture_output=True,
                                text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    file, _, families = result.stdout.partition("|")
    # fc-match always answers with *some* font: only a family of the same name counts.
    if family.casefold() not in {name.strip().casefold() for name in families.split(",")}:
        return []
    return [Path(file)]


def _pick_family(families: Iterable[str], prefer: Sequence[str]) -> str | None:
    """The first preferred family present, else a Simplified-Chinese sans one, else any."""
    available = sorted(set(families))
    if not available:
        return None
    by_fold = {f.casefold(): f for f in available}
    for name in prefer:
        if name.casefold() in by_fold:
            return by_fold[name.casefold()]

    def rank(name: str) -> tuple[int, int, str]:
        simplified = any(tag in name for tag in ("SC", "CN", "GB"))
        plain_sans = not any(tag in name for tag in ("Mono", "Serif", "Song", "Ming"))
        return (not simplified, not plain_sans, name)

    return min(available, key=rank)


def _fc_families(pattern: str) -> list[str] | None:
    """Families fontconfig lists for ``pattern``; None when fc-list is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    return list(_fc_list_output(fc_list, pattern))


@cache
def _fc_list_output(fc_list: str, pattern: str) -> tuple[str, ...]:
    args = [fc_list, pattern, "family"] if pattern else [fc_list, ":", "family"]
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    names: list[str] = []
    for line in result.stdout.splitlines():
        # One line per font; localised alternatives are comma-separated ("文泉驿正黑,WenQuanYi Zen Hei").
        names.extend(name.strip() for name in line.split(",") if name.strip())
    return tuple(names)


def _font_files(dirs: Iterable[Path]) -> Iterator[Path]:
    for folder in dirs:
        if folder.is_dir():
            yield from (p for p in sorted(folder.rglob("*")) if p.suffix.lower() in FONT_SUFFIXES and p.is_file())


def _scan_cjk_families(dirs: Iterable[Path]) -> list[str]:
    return [family for path in _font_files(dirs) for family, cjk in _sfnt_faces(path) if cjk]


def _sfnt_faces(path: Path) -> list[tuple[str, bool]]:
    """(family, has Chinese ideographs) for each face of a TrueType/OpenType file or collection.

    Read straight from the ``name`` and ``OS/2`` tables so no font library is needed; a file
    that cannot be parsed simply contributes nothing.
    """
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            faces = []
            for offset in _face_offsets(data):
                tables = _table_directory(data, offset)
                family = _family_name(data, tables.get(b"name"))
                if family:
                    faces.append((family, _covers_cjk(data, tables.get(b"OS/2"))))
            return faces
    except (OSError, ValueError, struct.error, UnicodeDecodeError):
        return []


def _face_offsets(data: mmap.mmap) -> list[int]:
    if data[:4] == b"ttcf":
        (count,) = struct.unpack_from(">I", data, 8)
        return list(struct.unpack_from(f">{count}I", data, 12))
    return [0]


def _table_directory(data: mmap.mmap, offset: int) -> dict[bytes, int]:
    (count,) = struct.unpack_from(">H", data, offset + 4)
    tables = {}
    for i in range(count):
        tag, _checksum, table_offset, _length = struct.unpack_from(">4sIII", data, offset + 12 + 16 * i)
        tables[tag] = table_offset
    return tables


def _family_name(data: mmap.mmap, table: int | None) -> str | None:
    """Name ID 1 (the family libass matches on), preferring the Windows English record."""
    if table is None:
        return None
    _fmt, count, strings = struct.unpack_from(">HHH", data, table)
    fallback = None
    for i in range(count):
        platform, _encoding, language, name_id, length, offset = struct.unpack_from(">6H", data, table + 6 + 12 * i)
        if name_id != 1:
            continue
        raw = data[table + strings + offset : table + strings + offset + length]
        if platform == 3 and language == 0x409:
            return raw.decode("utf-16-be")
        if fallback is None:
            fallback = raw.decode("utf-16-be") if platform in (0, 3) else raw.decode("latin-1")
    return fallback


def _covers_cjk(data: mmap.mmap, table: int | None) -> bool:
    """OS/2 says the face supports a Chinese code page (GB2312, Big5) or CJK ideographs and punctuation.

    The ideograph bit alone is not trusted: some Latin fonts (DejaVu Math) set it by mistake.
    """
    if table is None:
        return False
    (unicode_range_2,) = struct.unpack_from(">I", data, table + 46)
    (version,) = struct.unpack_from(">H", data, table)
    code_pages = struct.unpack_from(">I", data, table + 78)[0] if version >= 1 else 0
    ideographs_and_punctuation = (1 << 27) | (1 << 16)  # Unicode range bits 59 and 48
    chinese_code_pages = (1 << 18) | (1 << 20)
    return (unicode_range_2 & ideographs_and_punctuation) == ideographs_and_punctuation or bool(
        code_pages & chinese_code_pages
    )
