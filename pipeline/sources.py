"""What the user gave: a local file, a media URL, or a share link / pasted share text.

``classify`` decides which, without any request; ``download`` (from ``pipeline.downloads``,
kept importable here) fetches a media URL to disk without letting it reach private addresses.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipeline import errors

# Re-exported (``x as x``): callers import these from here since before downloads had a module.
from pipeline.downloads import DEFAULT_MAX_DOWNLOAD as DEFAULT_MAX_DOWNLOAD
from pipeline.downloads import MEDIA_EXTENSIONS as MEDIA_EXTENSIONS
from pipeline.downloads import download as download
from pipeline.downloads import download_name as download_name
from pipeline.vendors.share import detect_platform
from pipeline.vendors.share import find_url as find_url


@dataclass(frozen=True)
class Source:
    """One input. ``kind`` is "file", "url" (direct media) or "share" (a platform share link)."""

    kind: str
    value: str
    platform: str | None = None

    @property
    def label(self) -> str:
        """A short human name for tables and logs."""
        if self.kind == "file":
            return Path(self.value).name
        return self.value if len(self.value) <= 80 else self.value[:77] + "..."


def classify(text: str) -> Source:
    """Decide what ``text`` is.

    Raises:
        InputError: empty input, or a path that does not exist and holds no link.
    """
    value = text.strip()
    if not value:
        raise errors.InputError("input is empty; give a file path, a media URL or a share link")
    url = find_url(value) if ("://" in value or "." in value) else None
    if url and not Path(value).exists():
        platform = detect_platform(url)
        if platform:
            return Source("share", value, platform)
        if urlsplit(url).scheme in {"http", "https"}:
            return Source("url", url)
    path = Path(value).expanduser()
    if path.exists():
        return Source("file", str(path))
    raise errors.InputError(f"{value}: no such file, and no link found in it; check the path or paste the whole share text")


def is_share_link(text: str) -> bool:
    """True when ``text`` holds a link of a known short-video platform."""
    url = find_url(text)
    return bool(url and detect_platform(url))


def read_manifest(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Rows of a CSV manifest with a ``source`` column (other columns override flow options per row).

    Raises:
        InputError: unreadable file or no ``source`` column.
    """
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "source" not in [f.strip() for f in reader.fieldnames]:
                raise errors.InputError(f"{p}: manifest needs a 'source' column (one file, URL or share text per row)")
            rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    except FileNotFoundError as exc:
        raise errors.InputError(f"{p}: no such manifest file; check the path") from exc
    except UnicodeDecodeError as exc:
        raise errors.InputError(f"{p}: manifest is not UTF-8 text; save it as UTF-8 CSV") from exc
    return [row for row in rows if row.get("source")]


def expand_folder(folder: str | os.PathLike[str], pattern: str = "*") -> list[str]:
    """Media files in ``folder`` matching ``pattern`` (sorted; hidden and partial files skipped)."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise errors.InputError(f"{root}: not a folder; give the folder that holds the media files")
    found = [p for p in root.glob(pattern) if p.is_file() and not p.name.startswith(".")
             and p.suffix.lower() in MEDIA_EXTENSIONS]
    return [str(p) for p in sorted(found)]


def collect_inputs(inputs: list[str] | None, folder: str | None, pattern: str, manifest: str | None,
                   allow_empty: bool = False) -> list[dict[str, str]]:
    """Every item as a dict with at least ``source`` (manifest rows may carry per-item options).

    ``allow_empty`` is for a watch folder, where a night with nothing new is not an error.
    """
    return gather_inputs(inputs, folder, pattern, manifest, allow_empty)[0]


def gather_inputs(inputs: list[str] | None, folder: str | None, pattern: str, manifest: str | None,
                  allow_empty: bool = False) -> tuple[list[dict[str, str]], list[str]]:
    """:func:`collect_inputs`, plus the sources given more than once (each runs once; the batch says so)."""
    rows: list[dict[str, str]] = [{"source": s} for s in (inputs or []) if s.strip()]
    if folder:
        rows += [{"source": s} for s in expand_folder(folder, pattern)]
    if manifest:
        rows += read_manifest(manifest)
    seen: set[str] = set()
    unique, duplicates = [], []
    for row in rows:
        if row["source"] in seen:
            duplicates.append(row["source"])
            continue
        seen.add(row["source"])
        unique.append(row)
    if not unique and not allow_empty:
        raise errors.InputError("the batch is empty: give inputs, a folder with media files, or a manifest with rows")
    return unique, duplicates


def output_names(rows: list[dict[str, str]], folder: str | None = None,
                 known: dict[str, str] | None = None) -> dict[str, str]:
    """A distinct output path stem per source, relative to the output folder.

    Files inside ``folder`` keep their place in its tree (``a/clip.mp4`` → ``a/clip``), so two
    clips called clip.mp4 in two subfolders never collide; other clips of the same name get
    ``-2``, ``-3`` .... A share link gets "" : the link flow names it from the video's title, as
    ``link`` does, so both commands name one link's outputs alike. ``known`` names (a rerun's,
    from the batch state) are kept, so a new file never renames an old item's outputs.
    """
    given = {r["source"] for r in rows}
    names: dict[str, str] = {s: n for s, n in (known or {}).items() if s in given}
    taken: set[str] = set((known or {}).values())  # also those of items not in this run: never overwrite them
    for row in rows:
        source = row["source"]
        if source in names:
            continue
        url = find_url(source)
        if row.get("output_name"):
            base = row["output_name"]
        elif url and is_share_link(source):
            names[source] = ""
            continue
        elif url:
            base = Path(download_name(url)).stem
        else:
            base = _tree_stem(source, folder)
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        names[source] = name
    return names


def _tree_stem(source: str, folder: str | None) -> str:
    """``source``'s path below ``folder`` without its suffix (POSIX separators), else its stem."""
    path = Path(source)
    if folder:
        root = Path(folder).expanduser()
        for base, item in ((root, path), (root.resolve(), path.resolve())):
            try:
                return item.with_name(item.stem).relative_to(base).as_posix()
            except ValueError:
                continue
    return path.stem
