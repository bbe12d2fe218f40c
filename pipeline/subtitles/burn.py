"""Burn subtitles into a video with ffmpeg's ``subtitles`` filter (libass), plus quick previews.

Three facts shape this module (see the shared field notes):

* SRT and WebVTT are rendered at libass's PlayRes 384x288, so every size in ``force_style``
  is in units of 1/288 of the video height. :class:`BurnStyle` therefore states sizes as
  fractions of the height, which read the same on a 360p proxy and a 4K master.
* Chinese glyphs need a font that has them; naming none lets fontconfig pick one that may
  draw boxes. :func:`find_cjk_font` finds an installed family, and :func:`burn` swaps it in
  when the requested family is missing.
* A filter-graph argument is unescaped twice by ffmpeg (graph parser, then option parser),
  so paths with ``'``, ``:``, ``,``, ``[``, ``]`` or ``;`` need two layers of escaping:
  :func:`escape_filter_value`.

:func:`burn_command` is a pure function (tested without running ffmpeg); :func:`burn`,
:func:`preview_still` and :func:`preview_clip` run it and write their output atomically.
"""

from __future__ import annotations

import logging
import mmap
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from pipeline.errors import InputError, MediaError
from pipeline.fileio import atomic_path
from pipeline.media import tools
from pipeline.media.probe import MediaInfo, probe

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: libass renders SRT/WebVTT at PlayResY 288; force_style sizes are in these units.
SRT_PLAY_RES_Y = 288
TEXT_SUBTITLE_SUFFIXES = frozenset({".srt", ".vtt"})
ASS_SUFFIXES = frozenset({".ass", ".ssa"})
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

_HEX_COLOUR = re.compile(r"#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?")
_ASS_COLOUR = re.compile(r"&H([0-9A-Fa-f]{1,8})&?")


# --------------------------------------------------------------------------- style


@dataclass(frozen=True)
class BurnStyle:
    """How burned-in text looks, in units that survive a change of resolution.

    Sizes are fractions of the video height because libass scales SRT styles by
    ``height / 288``: a fraction gives the same look at 360p and 2160p.

    Attributes:
        font_name: a family installed on the machine (or in ``fonts_dir``) that has Chinese glyphs.
        font_size: font size as a fraction of the video height (0.055 → 59 px at 1080p). libass
            sizes a font by its line height, so ideographs come out about 70 % of this.
        outline: outline width as a fraction of the height (at least 1 px when non-zero).
        shadow: shadow offset as a fraction of the height (at least 1 px when non-zero).
        margin_v: distance of the text from the bottom (or top) edge, as a fraction of the height.
        primary_colour: text colour, ``#RRGGBB`` or ASS ``&HAABBGGRR``.
        outline_colour: outline colour, same forms.
        alignment: ASS numpad alignment; 2 is bottom centre.
        bold: draw the text bold.
        fonts_dir: a folder of .ttf/.otf/.ttc files for libass to load in addition to system fonts.
    """

    font_name: str = "Noto Sans CJK SC"
    font_size: float = 0.055
    outline: float = 0.0025
    shadow: float = 0.0
    margin_v: float = 0.05
    primary_colour: str = "#FFFFFF"
    outline_colour: str = "#000000"
    alignment: int = 2
    bold: bool = False
    fonts_dir: str | None = None

    def __post_init__(self) -> None:
        # force_style is a comma-separated key=value list that libass splits without any escaping.
        if not self.font_name or any(c in self.font_name for c in ",=\n"):
            raise InputError(f"font name {self.font_name!r}: must be non-empty without ',' or '='; give a family name")
        if not 0 < self.font_size < 1:
            raise InputError(f"font_size {self.font_size}: give a fraction of the video height, e.g. 0.055")
        for name in ("outline", "shadow", "margin_v"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise InputError(f"{name} {value}: give a fraction of the video height between 0 and 1")
        if self.alignment not in range(1, 10):
            raise InputError(f"alignment {self.alignment}: give an ASS numpad position 1-9 (2 = bottom centre)")
        ass_colour(self.primary_colour)
        ass_colour(self.outline_colour)


def ass_colour(colour: str) -> str:
    """Convert ``#RRGGBB`` (or ``#RRGGBBAA``, AA = opacity) to ASS ``&HAABBGGRR``; pass ASS colours through.

    ASS stores blue-green-red with *transparency* as alpha, which nobody types by hand.
    """
    text = colour.strip()
    if m := _HEX_COLOUR.fullmatch(text):
        rgb, opacity = m.group(1), m.group(2) or "FF"
        alpha = 255 - int(opacity, 16)
        return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".upper()
    if m := _ASS_COLOUR.fullmatch(text):
        return f"&H{int(m.group(1), 16):08X}"
    raise InputError(f"colour {colour!r}: give #RRGGBB or an ASS colour such as &H00FFFFFF")


def _pixels(fraction: float, video_height: int, *, at_least_one: bool) -> int:
    """Whole pixels for a fraction of the height; a visible border never rounds away to 0."""
    px = round(fraction * video_height)
    return max(px, 1) if at_least_one and fraction > 0 else px


def _play_res_units(px: int, video_height: int) -> str:
    """Express ``px`` output pixels in PlayResY-288 units (libass multiplies by height/288)."""
    value = px * SRT_PLAY_RES_Y / video_height
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def force_style(style: BurnStyle, video_height: int) -> str:
    """The ``force_style`` value for SRT/WebVTT: sizes rounded to whole output pixels, in 1/288 units.

    Rounding in pixels first (rather than sending ``fraction * 288``) keeps the glyph size an
    integer number of pixels and lets a thin outline stay at least 1 px on small proxies.
    """
    check_video_height(video_height)
    font_px = max(_pixels(style.font_size, video_height, at_least_one=True), 1)
    outline_px = _pixels(style.outline, video_height, at_least_one=True)
    shadow_px = _pixels(style.shadow, video_height, at_least_one=True)
    margin_px = _pixels(style.margin_v, video_height, at_least_one=False)
    fields = {
        "FontName": style.font_name,
        "Fontsize": _play_res_units(font_px, video_height),
        "PrimaryColour": ass_colour(style.primary_colour),
        "OutlineColour": ass_colour(style.outline_colour),
        "Bold": "-1" if style.bold else "0",
        "BorderStyle": "1",
        "Outline": _play_res_units(outline_px, video_height),
        "Shadow": _play_res_units(shadow_px, video_height),
        "Alignment": str(style.alignment),
        # libass stores MarginV as an integer in PlayRes units.
        "MarginV": str(round(margin_px * SRT_PLAY_RES_Y / video_height)),
    }
    return ",".join(f"{key}={value}" for key, value in fields.items())


def check_video_height(video_height: int) -> int:
    """Reject heights that cannot come from a real video stream."""
    if not isinstance(video_height, int) or video_height <= 0:
        raise InputError(f"video height {video_height!r}: give the video stream's height in pixels")
    return video_height


# --------------------------------------------------------------------------- escaping


def quote_option_value(value: str) -> str:
    """Quote ``value`` for ffmpeg's option parser (``key=value:key=value``).

    Inside single quotes everything is literal (``:``, ``=``, ``\\``, spaces, leading ``-``)
    except the quote itself, which is closed, escaped and reopened: ``'`` → ``'\\''``.
    Quoting also keeps leading/trailing spaces that the parser would otherwise strip.
    """
    return "'" + value.replace("'", "'\\''") + "'"


def escape_graph_level(text: str) -> str:
    """Backslash-escape the characters the filter-graph parser acts on: ``\\ ' [ ] , ;``.

    The graph parser reads a filter's argument string up to ``[ ] , ;`` and removes one
    level of quotes and backslashes before the option parser sees it, so the option-level
    quoting has to be protected from it.
    """
    return "".join("\\" + ch if ch in "\\'[],;" else ch for ch in text)


def escape_filter_value(value: str) -> str:
    """Escape an option value for use inside a ``-vf`` filter graph (both levels)."""
    return escape_graph_level(quote_option_value(value))


# --------------------------------------------------------------------------- command building


def subtitle_kind(subtitle_file: PathLike) -> str:
    """``"text"`` for SRT/WebVTT (styled by force_style), ``"ass"`` for ASS/SSA (styled by the file)."""
    suffix = Path(subtitle_file).suffix.lower()
    if suffix in TEXT_SUBTITLE_SUFFIXES:
        return "text"
    if suffix in ASS_SUFFIXES:
        return "ass"
    raise InputError(f"{subtitle_file}: unsupported subtitle format {suffix or '(no extension)'}; give .srt, .vtt or .ass")


def subtitles_filter(subtitle_file: PathLike, style: BurnStyle, video_height: int) -> str:
    """The ``subtitles=...`` filter with absolute, escaped paths and, for SRT/WebVTT, a force_style."""
    options = [("filename", str(_absolute(subtitle_file)))]
    if style.fonts_dir:
        options.append(("fontsdir", str(_absolute(style.fonts_dir))))
    if subtitle_kind(subtitle_file) == "text":
        options.append(("force_style", force_style(style, video_height)))
    return "subtitles=" + ":".join(f"{key}={escape_filter_value(value)}" for key, value in options)


def video_filter(subtitle_file: PathLike, style: BurnStyle, video_height: int, start: float | None = None) -> str:
    """The whole ``-vf`` chain.

    With ``-ss`` before ``-i`` (fast seeking) frames restart at time 0, which would show the
    first cues instead of the ones at ``start``; shifting the timestamps back by ``start``
    for the subtitles filter and to 0 afterwards keeps cues and picture in step.
    """
    burn = subtitles_filter(subtitle_file, style, video_height)
    if not start:
        return burn
    return f"setpts=PTS+{_seconds(start)}/TB,{burn},setpts=PTS-STARTPTS"


def _seconds(value: float) -> str:
    if value < 0:
        raise InputError(f"time {value}: give a time of zero or more seconds")
    return f"{value:.3f}"


def _absolute(path: PathLike) -> Path:
    """Absolute paths keep names such as ``-clip.mp4`` from being read as options."""
    return Path(os.path.abspath(Path(path).expanduser()))


def _input_args(video: PathLike, start: float | None) -> list[str]:
    seek = ["-ss", _seconds(start)] if start else []
    return [*seek, "-i", str(_absolute(video))]


def _container_args(output: PathLike) -> list[str]:
    """Put the MP4/MOV index first so editors and browsers can open the file while it copies."""
    return ["-movflags", "+faststart"] if Path(output).suffix.lower() in {".mp4", ".m4v", ".mov"} else []


def burn_command(
    video: PathLike,
    subtitle_file: PathLike,
    output: PathLike,
    style: BurnStyle,
    video_height: int,
    *,
    ffmpeg: str | None = None,
    crf: int = 18,
    preset: str = "medium",
    start: float | None = None,
    duration: float | None = None,
) -> list[str]:
    """The ffmpeg command that burns ``subtitle_file`` into ``video`` (pure: nothing runs).

    Video is re-encoded with libx264 (``crf`` 18 is visually lossless for editing), every
    audio stream is copied untouched. ``start`` and ``duration`` are seconds and cut a
    section, with subtitles still timed against the full video.
    """
    cut = ["-t", _seconds(duration)] if duration is not None else []
    # Copied audio otherwise keeps the packets from the keyframe before ``start`` (ffmpeg's
    # default), which shifts the picture late by up to a GOP in the section.
    no_preroll = ["-copypriorss", "0"] if start else []
    return [
        ffmpeg or tools.ffmpeg(), "-hide_banner", "-nostdin", "-y", "-v", "error",
        *_input_args(video, start), *cut,
        "-map", "0:v:0", "-map", "0:a?",
        "-vf", video_filter(subtitle_file, style, video_height, start),
        "-c:v", "libx264", "-crf", str(crf), "-preset", preset,
        "-c:a", "copy", *no_preroll, *_container_args(output),
        str(_absolute(output)),
    ]  # fmt: skip


def still_command(
    video: PathLike,
    subtitle_file: PathLike,
    output_png: PathLike,
    at: float,
    style: BurnStyle,
    video_height: int,
    *,
    ffmpeg: str | None = None,
) -> list[str]:
    """The ffmpeg command for one PNG frame at ``at`` seconds with subtitles drawn (pure).

    ``-update 1`` makes the image muxer take the file name literally, so a ``%`` in it is not
    read as a frame-number pattern.
    """
    return [
        ffmpeg or tools.ffmpeg(), "-hide_banner", "-nostdin", "-y", "-v", "error",
        *_input_args(video, at),
        "-map", "0:v:0", "-vf", video_filter(subtitle_file, style, video_height, at),
        "-frames:v", "1", "-update", "1", "-c:v", "png", "-f", "image2",
        str(_absolute(output_png)),
    ]  # fmt: skip


# --------------------------------------------------------------------------- fonts


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


def font_is_available(family: str, fonts_dir: PathLike | None = None) -> bool | None:
    """True/False when we can tell whether ``family`` is installed (or in ``fonts_dir``), None when we cannot."""
    wanted = family.casefold()
    if fonts_dir and wanted in {f.casefold() for f in _scan_families([Path(fonts_dir).expanduser()])}:
        return True
    families = _fc_families("")
    if families is None:
        return None
    return wanted in {f.casefold() for f in families}


def with_installed_font(style: BurnStyle) -> BurnStyle:
    """``style``, with its font swapped for an installed CJK family when the named one is missing.

    Without this, fontconfig substitutes a font of its choice, which may lack Chinese glyphs.
    """
    if font_is_available(style.font_name, style.fonts_dir) is not False:
        return style
    found = find_cjk_font(style.fonts_dir)
    if found is None:
        log.warning("font %r is not installed and no Chinese font was found; Chinese text may show as boxes "
                    "(install fonts-noto-cjk or give fonts_dir)", style.font_name)
        return style
    log.warning("font %r is not installed; using %r", style.font_name, found)
    return replace(style, font_name=found)


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


def _scan_families(dirs: Iterable[Path]) -> list[str]:
    return [family for path in _font_files(dirs) for family, _ in _sfnt_faces(path)]


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


# --------------------------------------------------------------------------- running


def has_subtitles_filter(ffmpeg: str) -> bool:
    """Whether this ffmpeg was built with libass (``ffmpeg -filters`` lists ``subtitles``)."""
    return _has_filter(ffmpeg, "subtitles")


@cache
def _has_filter(ffmpeg: str, name: str) -> bool:
    try:
        result = subprocess.run([ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True,
                                timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MediaError(f"{ffmpeg}: could not run it ({exc}); check SUBTITLE_PIPELINE_FFMPEG or your ffmpeg install") from exc
    return re.search(rf"^\s*\S+\s+{re.escape(name)}\s", result.stdout, re.MULTILINE) is not None


def require_subtitles_filter(ffmpeg: str) -> str:
    """Return ``ffmpeg`` if it can burn subtitles, else raise a MediaError that says how to get one."""
    if has_subtitles_filter(ffmpeg):
        return ffmpeg
    raise MediaError(
        f"{ffmpeg}: this ffmpeg has no 'subtitles' filter (built without libass), so it cannot burn subtitles; "
        f"install ffmpeg with libass (e.g. apt install ffmpeg) or `pip install imageio-ffmpeg` "
        f"and set SUBTITLE_PIPELINE_FFMPEG to its ffmpeg{_imageio_hint()}"
    )


def _imageio_hint() -> str:
    try:
        import imageio_ffmpeg

        return f" ({imageio_ffmpeg.get_ffmpeg_exe()})"
    except (ImportError, RuntimeError):
        return ""


def require_subtitle_file(subtitle_file: PathLike) -> Path:
    """The subtitle file as an absolute Path, or a one-line InputError naming it."""
    path = _absolute(subtitle_file)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "no such subtitle file"
        raise InputError(f"{path}: {what}; give an existing .srt, .vtt or .ass file")
    subtitle_kind(path)
    if path.stat().st_size == 0:
        raise InputError(f"{path}: subtitle file is empty; write the cues first")
    return path


def video_height_of(info: MediaInfo) -> int:
    """Height of the first picture stream; audio-only files cannot take burned-in text."""
    for stream in info.video_streams:
        if stream.height:
            return stream.height
    raise InputError(f"{info.path}: has no video stream; burn-in needs a video")


@contextmanager
def atomic_media_output(target: PathLike) -> Iterator[Path]:
    """Like :func:`pipeline.fileio.atomic_path`, but the temporary name keeps ``target``'s extension.

    ffmpeg picks the container from the extension, so ``clip.mp4`` is written as
    ``.clip.XXXX.part.mp4`` beside it and renamed when ffmpeg succeeds.
    """
    target = _absolute(target)
    if not target.suffix:
        raise InputError(f"{target}: output needs an extension such as .mp4, .mkv, .mov or .png")
    with atomic_path(target, keep_suffix=True) as tmp:
        yield tmp


def _run(command: list[str], output: Path) -> None:
    """Run ffmpeg; turn a failure or an empty result into a one-line MediaError naming ``output``."""
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise MediaError(f"{output}: ffmpeg could not burn subtitles ({reason}); check the input plays and the subtitle file parses")
    if Path(command[-1]).stat().st_size == 0:
        raise MediaError(f"{output}: ffmpeg wrote nothing; check the time asked for is inside the video")


def _prepare(video: PathLike, subtitle_file: PathLike, output: PathLike, style: BurnStyle,
             ffmpeg: str | None) -> tuple[MediaInfo, Path, Path, BurnStyle, str]:
    """Check inputs and tools before any encoding starts, so mistakes fail fast."""
    subtitle = require_subtitle_file(subtitle_file)
    info = probe(video)
    target = _absolute(output)
    if target == info.path:
        raise InputError(f"{target}: output would overwrite the input video; choose another name")
    exe = require_subtitles_filter(ffmpeg or tools.ffmpeg())
    if subtitle_kind(subtitle) == "text":
        style = with_installed_font(style)
    return info, subtitle, target, style, exe


def burn(
    video: PathLike,
    subtitle_file: PathLike,
    output: PathLike,
    style: BurnStyle = BurnStyle(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    ffmpeg: str | None = None,
    crf: int = 18,
    preset: str = "medium",
) -> Path:
    """Burn ``subtitle_file`` into ``video`` and write ``output`` atomically; returns ``output``.

    Raises:
        InputError: a missing/unsupported subtitle file, a missing video or one without picture.
        MediaError: the ffmpeg in use has no ``subtitles`` filter, or the encode failed.
    """
    info, subtitle, target, style, exe = _prepare(video, subtitle_file, output, style, ffmpeg)
    with atomic_media_output(target) as tmp:
        command = burn_command(info.path, subtitle, tmp, style, video_height_of(info), ffmpeg=exe, crf=crf,
                               preset=preset)
        _run(command, target)
    return target


def preview_still(
    video: PathLike,
    subtitle_file: PathLike,
    output_png: PathLike,
    at_ms: int,
    style: BurnStyle = BurnStyle(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    ffmpeg: str | None = None,
) -> Path:
    """Write one PNG frame at ``at_ms`` with subtitles drawn, to check a style in seconds, not minutes."""
    info, subtitle, target, style, exe = _prepare(video, subtitle_file, output_png, style, ffmpeg)
    _check_inside(info, at_ms, "at_ms")
    with atomic_media_output(target) as tmp:
        command = still_command(info.path, subtitle, tmp, at_ms / 1000, style, video_height_of(info), ffmpeg=exe)
        _run(command, target)
    return target


def preview_clip(
    video: PathLike,
    subtitle_file: PathLike,
    output: PathLike,
    start_ms: int,
    duration_ms: int,
    style: BurnStyle = BurnStyle(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    ffmpeg: str | None = None,
    crf: int = 23,
    preset: str = "veryfast",
) -> Path:
    """Burn a short section (``start_ms`` for ``duration_ms``) so timing and style can be reviewed quickly."""
    if duration_ms <= 0:
        raise InputError(f"duration_ms {duration_ms}: give a positive clip length in milliseconds")
    info, subtitle, target, style, exe = _prepare(video, subtitle_file, output, style, ffmpeg)
    _check_inside(info, start_ms, "start_ms")
    with atomic_media_output(target) as tmp:
        command = burn_command(info.path, subtitle, tmp, style, video_height_of(info), ffmpeg=exe, crf=crf,
                               preset=preset, start=start_ms / 1000, duration=duration_ms / 1000)
        _run(command, target)
    return target


def _check_inside(info: MediaInfo, at_ms: int, name: str) -> None:
    if at_ms < 0 or (info.duration_s and at_ms >= info.duration_s * 1000):
        raise InputError(f"{info.path}: {name}={at_ms} is outside the video (0-{int(info.duration_s * 1000)} ms); pick a time inside it")
