"""The sandbox's stand-in for the short-video platforms and for the CDN links vendors hand out.

TranscriptGenerate and Yinzi both take share links from Douyin, Xiaohongshu, Kuaishou, Weibo
... and answer with download links that expire. The sandbox cannot reach those platforms, so
this module plays them:

* **Share links → sample media.** A link from a known platform resolves deterministically to
  one media file the sandbox has: an explicit ``MediaLibraryConfig.links`` entry first, else
  one of ``MediaLibraryConfig.media`` picked by the sha256 of the URL. The default media are
  the *vertical* ones among the files beside a registered ``X.txt`` transcript in
  ``SandboxConfig.transcript_dirs``: the platforms serve 9:16 phone video, so in ``samples/``
  a link downloads ``zh_demo.vertical-rotated.mp4`` (stored 1920x1080 with display rotation,
  as a phone writes it) or ``en_demo.vertical.mp4`` (stored 1080x1920), never the landscape
  demo clips. The same link therefore always names the same "work", and different links
  spread over the samples. Which platforms a vendor *accepts* is the vendor's business
  (``parse_work_url(..., supported=...)``); this module only says which platform a host is.
* **Expiring file links.** ``/files/<token>/<name>`` serves a file (media, cover, result
  stems) for ``link_ttl_s`` seconds after the link was handed out (Yinzi's document: one
  hour), then answers 403 as a signed CDN URL does; an unknown token is 404. Every answer
  carries Content-Length; Range is not needed by the clients (Starlette may honour it anyway).
  Links are absolute, built from the ``Host`` the client used (or ``public_base_url``).
* **Derived files**, made once per media with ffmpeg and cached: a JPEG cover frame and the
  audio track as MP3 (what Yinzi's analyze returns as ``musicUrl``: the sandbox cannot isolate
  background music, so it is the whole sound track).

Not a vendor: the module has no ``routes``; each vendor module mounts ``file_routes(state)``
itself so links work whichever vendors are served. Mounted twice, the first route answers.
The endpoint name for fault injection is ``media_library.files.get``.

Example:
    >>> library = library_for(SandboxState(SandboxConfig(processing_ms=0)))   # doctest: +SKIP
    >>> library.resolve("https://v.douyin.com/abc/", "DOUYIN").media.name      # doctest: +SKIP
    'zh_demo.vertical-rotated.mp4'
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, request_response

from pipeline.errors import NotMediaError, PipelineError
from pipeline.media import tools
from pipeline.media.probe import MediaInfo, probe
from pipeline.sandbox import speech
from pipeline.sandbox.faults import FaultGuard
from pipeline.sandbox.speech import MEDIA_SUFFIXES
from pipeline.sandbox.state import SandboxState, sha256_file

NAME = "media_library"
FILES_PREFIX = "/files"
DEFAULT_LINK_TTL_S = 3600.0

# Host → platform code, as the vendors name them (TranscriptGenerate's ``platform`` field).
# Some known platforms are here only so they can be refused as "not supported" by name.
PLATFORM_DOMAINS: dict[str, tuple[str, ...]] = {
    "DOUYIN": ("douyin.com", "iesdouyin.com"),
    "XHS": ("xiaohongshu.com", "xhslink.com"),
    "KUAISHOU": ("kuaishou.com", "gifshow.com", "chenzhongtech.com", "kuaishouapp.com"),
    "WEIBO": ("weibo.com", "weibo.cn"),
    "BILIBILI": ("bilibili.com", "b23.tv"),
    "TIKTOK": ("tiktok.com",),
    "YOUTUBE": ("youtube.com", "youtu.be"),
}
PLATFORM_NAMES = {"DOUYIN": "抖音", "XHS": "小红书", "KUAISHOU": "快手", "WEIBO": "微博"}
# The vendor finds a link inside a pasted share text: printable ASCII URL characters only,
# so CJK or full-width punctuation glued to the link ends it.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)


@dataclass(frozen=True)
class MediaLibraryConfig:
    """What the stand-in platforms hold, and how long file links live.

    Attributes:
        media: files share links resolve to (by URL hash), as given; empty means the media files
            with a registered ``X.txt`` beside them in ``SandboxConfig.transcript_dirs`` whose
            picture displays portrait (all of them when none does).
        links: explicit share link → media file, checked before the hash (exact URL, or the
            URL without a trailing slash).
        link_ttl_s: lifetime of every ``/files/...`` link from the moment it is handed out.
        public_base_url: root for links instead of the request's own (behind a proxy).
    """

    media: tuple[Path, ...] = ()
    links: Mapping[str, Path] = field(default_factory=dict)
    link_ttl_s: float = DEFAULT_LINK_TTL_S
    public_base_url: str | None = None


# --------------------------------------------------------------------------- share links


class WorkUrlError(Exception):
    """A share text the platforms cannot resolve; ``kind`` names the documented case.

    Kinds: ``empty``, ``too_long``, ``unrecognised`` (no usable link), ``unsupported``
    (a link, but from a platform the vendor does not take).
    """

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def platform_of(url: str) -> str | None:
    """The platform code of ``url``'s host, or None for a host no platform owns."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    for code, domains in PLATFORM_DOMAINS.items():
        if any(host == domain or host.endswith("." + domain) for domain in domains):
            return code
    return None


def find_links(text: str) -> list[str]:
    """Every http(s) link in a share text, trailing sentence punctuation removed."""
    return [match.group(0).rstrip(".,;:!?'\")]*") for match in _URL.finditer(text)]


def parse_work_url(text: str | None, supported: Collection[str], max_chars: int) -> tuple[str, str]:
    """(link, platform code) from a share text or bare link, checked like the vendors do.

    Order: empty, too long (the whole input), no link naming a work, platform not supported.
    A platform link is preferred over other links in the same text (share texts carry
    tracking and app-store links too).

    Raises:
        WorkUrlError: with the kind of the first check that failed.
    """
    raw = (text or "").strip()
    if not raw:
        raise WorkUrlError("empty")
    if len(raw) > max_chars:
        raise WorkUrlError("too_long", f"{len(raw)} characters, at most {max_chars}")
    links = [link for link in find_links(raw) if "." in (urlsplit(link).hostname or "")]
    if not links:
        raise WorkUrlError("unrecognised", "no http(s) link in the input")
    link = next((candidate for candidate in links if platform_of(candidate)), links[0])
    parts = urlsplit(link)
    if not (parts.path.strip("/") or parts.query):
        raise WorkUrlError("unrecognised", "the link names no work (a home page)")
    platform = platform_of(link)
    if platform is None or platform not in supported:
        raise WorkUrlError("unsupported", f"{parts.hostname} ({platform or 'unknown platform'})")
    return link, platform


@dataclass(frozen=True)
class Work:
    """One short video on a stand-in platform: its link and the sample media behind it."""

    url: str
    platform: str
    work_id: str
    media: Path
    title: str
    author: str


# --------------------------------------------------------------------------- file links


@dataclass(frozen=True)
class FileLink:
    """A file handed out under ``/files/<token>/<name>`` until ``expires_at`` (library clock)."""

    path: Path
    name: str
    expires_at: float


class LinkStore:
    """Tokens of handed-out links. Expired ones are kept so they answer 403, not 404."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        # Tests replace the clock to age links without waiting an hour.
        self.clock = clock
        self._links: dict[str, FileLink] = {}
        self._lock = threading.Lock()

    def issue(self, path: Path, name: str) -> str:
        """A new token for ``path`` served as ``name``, valid ``ttl_s`` from now."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._links[token] = FileLink(path, name, self.clock() + self.ttl_s)
        return token

    def lookup(self, token: str) -> FileLink | None:
        with self._lock:
            return self._links.get(token)

    def expired(self, link: FileLink) -> bool:
        return self.clock() >= link.expires_at

    def expire_all(self) -> None:
        """Make every link handed out so far expire now (for tests of expiry)."""
        now = self.clock()
        with self._lock:
            self._links = {t: FileLink(k.path, k.name, min(k.expires_at, now)) for t, k in self._links.items()}


# --------------------------------------------------------------------------- downloads


class FetchError(Exception):
    """A URL the sandbox could not download, with a one-line reason for the vendor's answer."""


def fetch(url: str, target: Path, max_bytes: int, timeout_s: float) -> None:
    """Download ``url`` into ``target`` as a vendor fetching ``pathKey`` would.

    Raises:
        FetchError: not http(s), an HTTP error status, a network failure, or too large.
    """
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        raise FetchError("only http(s) links can be fetched")
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise FetchError(f"the resource link answered HTTP {response.status_code}")
            size = 0
            with target.open("wb") as handle:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"the resource exceeds {max_bytes} bytes")
                    handle.write(chunk)
    except httpx.HTTPError as exc:
        raise FetchError(f"the resource could not be downloaded ({type(exc).__name__})") from None


def run_ffmpeg(*args: str) -> None:
    """ffmpeg, quiet; raises NotMediaError with ffmpeg's last line when it fails."""
    proc = subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-y", *args], capture_output=True)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise NotMediaError(lines[-1] if lines else f"ffmpeg exit {proc.returncode}")


# --------------------------------------------------------------------------- the library


def default_media(state: SandboxState) -> tuple[Path, ...]:
    """Media files with a transcript ``X.txt`` beside them in the transcript folders (the samples)."""
    found: list[Path] = []
    for directory in state.config.transcript_dirs:
        for text_file in sorted(Path(directory).glob("*.txt")):
            found.extend(m.resolve() for m in sorted(text_file.parent.glob(text_file.stem + ".*"))
                         if m.suffix.lower() in MEDIA_SUFFIXES)
    return tuple(found)


class MediaLibrary:
    """The platforms' works, their derived files and the link store of one sandbox state.

    Probing, hashing and deriving are cached per media file: the same few samples are
    resolved again and again, and each costs an ffprobe/ffmpeg run the first time only.
    """

    def __init__(self, state: SandboxState) -> None:
        # A weak reference: the registry of libraries is keyed weakly by state, and a strong
        # one here would keep every finished sandbox alive.
        self._state = weakref.ref(state)
        self.config: MediaLibraryConfig = state.config.vendor(NAME, MediaLibraryConfig)
        self.media = tuple(Path(m).resolve() for m in self.config.media) or default_media(state)
        self.links = LinkStore(self.config.link_ttl_s)
        self._probes: dict[Path, MediaInfo] = {}
        self._hashes: dict[Path, str] = {}
        self._analyses: dict[Path, speech.AudioAnalysis] = {}
        self._derived: dict[tuple[Path, str], Path | None] = {}
        self._share_media: tuple[Path, ...] | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> SandboxState:
        state = self._state()
        if state is None:
            raise RuntimeError("the sandbox this media library belonged to is gone")
        return state

    # ---- works

    def media_for(self, url: str) -> Path:
        """The media behind a share link: the configured mapping, else a pick by URL hash.

        Raises:
            LookupError: the library holds no media at all.
        """
        for key in (url, url.rstrip("/"), url.rstrip("/") + "/"):
            if key in self.config.links:
                return Path(self.config.links[key]).resolve()
        pool = self.share_media()
        if not pool:
            raise LookupError("the sandbox media library is empty: register samples or configure media")
        digest = hashlib.sha256(url.encode("utf-8")).digest()
        return pool[int.from_bytes(digest[:8], "big") % len(pool)]

    def share_media(self) -> tuple[Path, ...]:
        """The media share links are picked from: configured ``media`` as given, else the vertical ones.

        Douyin, Xiaohongshu and Kuaishou serve 9:16 phone video, so a downloaded work must look
        like one: of the registered media, those whose picture displays portrait. A transcript
        folder with no vertical video (landscape or audio only) still resolves, to all of them.
        Worked out on the first link, not at start: it costs an ffprobe per file.
        """
        if self.config.media:
            return self.media
        with self._lock:
            known = self._share_media
        if known is None:
            known = tuple(m for m in self.media if self._displays_portrait(m)) or self.media
            with self._lock:
                self._share_media = known
        return known

    def _displays_portrait(self, media: Path) -> bool:
        """True when the first picture stream is taller than wide as shown (rotation applied)."""
        try:
            pictures = self.probe(media).video_streams
        except PipelineError:  # a broken or vanished file is simply not a platform video
            return False
        size = pictures[0].display_size if pictures else None
        return size is not None and size[1] > size[0]

    def resolve(self, url: str, platform: str) -> Work:
        """The work a (validated) share link names. Title and author say they are the sandbox's."""
        media = self.media_for(url)
        work_id = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
        where = PLATFORM_NAMES.get(platform, platform)
        return Work(url=url, platform=platform, work_id=work_id, media=media,
                    title=f"[sandbox {where}] {media.stem}", author=f"sandbox-{platform.lower()}")

    def probe(self, media: Path) -> MediaInfo:
        """ffprobe of a library file, cached. Raises NotMediaError for a broken file."""
        with self._lock:
            known = self._probes.get(media)
        if known is None:
            known = probe(media)
            with self._lock:
                self._probes[media] = known
        return known

    def sha256(self, media: Path) -> str:
        """Content hash of a library file, cached (for the submission counters)."""
        with self._lock:
            known = self._hashes.get(media)
        if known is None:
            known = sha256_file(media)
            with self._lock:
                self._hashes[media] = known
        return known

    def analysis(self, media: Path) -> speech.AudioAnalysis:
        """Loudness and speech regions of a library file, cached (library files never change).

        Raises:
            NotMediaError: the audio cannot be decoded.
        """
        with self._lock:
            known = self._analyses.get(media)
        if known is None:
            known = speech.analyse(media)
            with self._lock:
                self._analyses[media] = known
        return known

    def _derive(self, media: Path, kind: str, make: Callable[[Path, Path], None], suffix: str) -> Path | None:
        """A file derived from ``media`` once (None when it cannot be made, e.g. no video for a cover)."""
        key = (media, kind)
        with self._lock:
            if key in self._derived:
                return self._derived[key]
        target = self.state.new_upload_path(suffix)
        try:
            make(media, target)
            result: Path | None = target if target.exists() and target.stat().st_size else None
        except NotMediaError:
            result = None
        with self._lock:
            self._derived[key] = result
        return result

    def cover(self, media: Path) -> Path | None:
        """A JPEG frame of the video (None for audio-only media)."""
        if not self.probe(media).video_streams:
            return None
        return self._derive(media, "cover", lambda src, dst: run_ffmpeg(
            "-ss", "0.5", "-i", str(src), "-frames:v", "1", "-vf", "scale=320:-2", str(dst)), ".jpg")

    def audio_track(self, media: Path) -> Path | None:
        """The sound track as MP3 (None without audio)."""
        if self.probe(media).audio is None:
            return None
        return self._derive(media, "audio", lambda src, dst: run_ffmpeg(
            "-i", str(src), "-vn", "-map", "0:a:0", "-c:a", "libmp3lame", "-b:a", "128k", str(dst)), ".mp3")

    # ---- links

    def base_url(self, request: Request) -> str:
        return (self.config.public_base_url or str(request.base_url)).rstrip("/")

    def link(self, request: Request, path: Path | None, name: str) -> str:
        """An absolute, expiring link to ``path`` served as ``name`` ("" when there is no file)."""
        return "" if path is None else self.url_for(self.base_url(request), path, name)

    def url_for(self, base_url: str, path: Path, name: str) -> str:
        """An expiring link under ``base_url`` (tests use it to host a file for Yinzi's pathKey)."""
        token = self.links.issue(Path(path), name)
        return f"{base_url.rstrip('/')}{FILES_PREFIX}/{token}/{quote(name)}"

    async def serve(self, request: Request) -> Response:
        """GET a handed-out file: 404 unknown, 403 expired, else the bytes with Content-Length."""
        self.state.count_request(f"{NAME}.files.get")
        token, name = request.path_params["token"], request.path_params["name"]
        link = self.links.lookup(token)
        if link is None or link.name != name or not link.path.is_file():
            return PlainTextResponse("sandbox: no such file link\n", status_code=404)
        if self.links.expired(link):
            return PlainTextResponse("sandbox: link expired (request a fresh one from the API)\n", status_code=403)
        content_type = mimetypes.guess_type(link.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or link.name.endswith(".srt"):
            content_type = f"{content_type if content_type != 'application/octet-stream' else 'text/plain'}; charset=utf-8"
        return FileResponse(link.path, media_type=content_type, filename=link.name, content_disposition_type="inline")


_LIBRARIES: weakref.WeakKeyDictionary[SandboxState, MediaLibrary] = weakref.WeakKeyDictionary()
_LIBRARIES_LOCK = threading.Lock()


def library_for(state: SandboxState) -> MediaLibrary:
    """The one library of ``state`` (every vendor of a sandbox shares its links)."""
    with _LIBRARIES_LOCK:
        library = _LIBRARIES.get(state)
        if library is None:
            library = _LIBRARIES[state] = MediaLibrary(state)
        return library


def file_routes(state: SandboxState) -> list[BaseRoute]:
    """``GET /files/{token}/{name}`` behind the transport-fault guard (endpoint ``media_library.files.get``)."""
    library = library_for(state)
    guard = FaultGuard(request_response(library.serve), state.faults, f"{NAME}.files.get")
    return [Route(FILES_PREFIX + "/{token}/{name}", guard, methods=["GET", "HEAD"])]


__all__ = [
    "DEFAULT_LINK_TTL_S",
    "FILES_PREFIX",
    "PLATFORM_DOMAINS",
    "FetchError",
    "FileLink",
    "LinkStore",
    "MediaLibrary",
    "MediaLibraryConfig",
    "Work",
    "WorkUrlError",
    "fetch",
    "file_routes",
    "find_links",
    "library_for",
    "parse_work_url",
    "platform_of",
    "run_ffmpeg",
]
