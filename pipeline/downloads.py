"""Fetch a media URL to disk in a way that a hostile URL or server cannot turn against us.

A media URL comes from a user or from a vendor's answer (a share link's video), and so does
every redirect after it. Unchecked, such a URL could make this machine fetch from itself, from
the local network or from a cloud metadata service (and save the answer as a "video"), keep a
worker busy forever, or write outside the download folder. ``download`` therefore:

- refuses loopback, private, link-local, multicast, reserved and cloud-metadata addresses, on the
  first request and after every redirect (redirects are followed here, one hop at a time, capped).
  The check is made on the address actually connected: each host name is resolved once, every
  address it resolves to is checked, and the connection goes to a checked address, so a DNS
  answer that changes between check and connect (DNS rebinding) gains nothing. TLS still uses
  the host name (SNI and certificate), and so does the ``Host`` header;
- lets only the configured ``allowed_origins`` (the sandbox, which lives on loopback) through;
- bounds the whole download by an overall deadline, on top of the per-read timeout, at the
  socket: every read and write may wait only for what is left of the deadline, so a server that
  drips one byte a second (in the headers or the body) is cut off in time;
- caps the decoded bytes as they stream, handles gzip/deflate bodies (Content-Length counts the
  bytes on the wire, so it is compared with those), and refuses an encoding it cannot decode
  rather than saving it as a broken file;
- derives a safe file name from the URL (no NUL or control characters, no separators, no ``..``,
  at most ``MAX_NAME_BYTES`` in UTF-8, extension kept), and writes atomically.

Every failure is one line that names the URL, with credentials and signature-like query values
redacted (``redact_url``). Not retryable: refused addresses and links (``InputError``), files
over the cap (``TooLargeError``), 4xx answers. Retryable: timeouts, the overall deadline, cut
connections and 5xx (``TransportError``).

Example::

    path = download("https://cdn.example.com/v/clip.mp4?sign=...", "out/downloads",
                    allowed_origins=(sandbox.base_url,))
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from pipeline import errors, units
from pipeline.addresses import (
    DEFAULT_PORTS,
    METADATA_ADDRESSES,
    Origin,
    RefusedAddressError,
    Resolver,
    parse_origins,
    refusal_reason,
    system_resolver,
)
from pipeline.fileio import atomic_path
from pipeline.media.limits import MB
from pipeline.pinned_connections import PinnedBackend, PinnedTransport
from pipeline.vendors.http import Deadline, expected_body_length

MEDIA_EXTENSIONS = frozenset({".mp4", ".mov", ".m4a", ".mp3", ".wav", ".ogg", ".opus", ".aac", ".flac", ".mkv",
                              ".webm", ".avi", ".flv", ".ts", ".m4v", ".wma", ".amr"})
DEFAULT_MAX_DOWNLOAD = 2048 * MB
DEFAULT_TIMEOUT = 60.0
DEFAULT_DEADLINE = 600.0
MAX_REDIRECTS = 10
# Well under the usual 255-byte limit: atomic_path's temporary name adds about 15 bytes.
MAX_NAME_BYTES = 200

# Parts of query keys whose values are secrets or personal ids (sign, signature, x-amz-credential,
# xsec_token, secUid, OSSAccessKeyId ...): matched on the key lower-cased, punctuation removed.
SECRET_KEY_PARTS = ("token", "sign", "sig", "key", "secret", "auth", "pass", "cred", "session", "ticket",
                    "uid", "policy", "code")
SHOWN_URL_CHARS = 200
# Windows-reserved too: a download folder may be on a share or copied to Windows later.
_UNSAFE_NAME_CHARS = re.compile(r'[/\\<>:"|?*]')


def _decodable_encodings() -> frozenset[str]:
    """The Content-Encodings httpx can decode here (brotli and zstd only with their packages)."""
    names = {"identity", "gzip", "deflate"}
    if importlib.util.find_spec("brotli") or importlib.util.find_spec("brotlicffi"):
        names.add("br")
    if importlib.util.find_spec("zstandard"):
        names.add("zstd")
    return frozenset(names)


DECODABLE_ENCODINGS = _decodable_encodings()



# -- names and messages -------------------------------------------------------------------------


def _printable(text: str) -> str:
    """``text`` on one line: control characters shown as escapes."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _is_secret_key(key: str) -> bool:
    plain = re.sub(r"[^a-z0-9]", "", unquote(key).lower())
    return any(part in plain for part in SECRET_KEY_PARTS)


def _redacted_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        pairs.append(f"{key}{sep}***" if sep and value and _is_secret_key(key) else pair)
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """``url`` fit for a log line: no user:password, secret-looking query values as ``***``, no fragment."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        if "@" in parts.netloc:
            netloc = f"***@{netloc}"
        shown = urlunsplit((parts.scheme, netloc, parts.path, _redacted_query(parts.query), ""))
    except ValueError:
        shown = "an unparseable URL"
    shown = _printable(shown)
    return shown if len(shown) <= SHOWN_URL_CHARS else shown[:SHOWN_URL_CHARS - 3] + "..."


def _clean_name_part(text: str) -> str:
    """``text`` without characters that are unsafe or misleading in a file name.

    Control and format characters go (NUL, newlines, bidi overrides that make ``gpj.exe`` read
    as ``exe.jpg``), and so do separators; leading dots would hide the file or spell ``..``.
    """
    text = "".join("_" if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return _UNSAFE_NAME_CHARS.sub("_", text).strip(" .")


def _cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that is at most ``limit`` bytes in UTF-8 (whole characters only)."""
    encoded = text.encode("utf-8")
    return text if len(encoded) <= limit else encoded[:max(limit, 0)].decode("utf-8", errors="ignore")


def download_name(url: str) -> str:
    """A safe file name for ``url``: its last path segment's stem, a hash of the URL, a media extension.

    Stable for a URL (a finished download is found again) and distinct per URL. At most
    ``MAX_NAME_BYTES`` in UTF-8; the extension is kept; unknown extensions become ``.mp4``.
    """
    name = Path(unquote(urlsplit(url).path)).name
    digest = hashlib.sha256(url.encode("utf-8", errors="surrogatepass")).hexdigest()[:10]
    suffix = Path(name).suffix.lower()
    tail = f".{digest}{suffix if suffix in MEDIA_EXTENSIONS else '.mp4'}"
    stem = _cut_to_bytes(_clean_name_part(Path(name).stem)[:60], MAX_NAME_BYTES - len(tail))
    return f"{stem or 'media'}{tail}"


# -- answers ----------------------------------------------------------------------------------


def _refuse_bad_status(response: httpx.Response, shown: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status >= 500 or status in (408, 429):
        raise errors.TransportError(f"download {shown}: HTTP {status}; the server is busy or failing, try again later")
    error = errors.TransportError(f"download {shown}: HTTP {status}; the link may have expired or be private, "
                                  "get a fresh link")
    error.retryable = False  # the same link will be refused again
    raise error


def _refuse_undecodable(response: httpx.Response, shown: str) -> None:
    """Refuse a body httpx would pass on still encoded (it skips encodings it does not know)."""
    values = [v.strip().lower() for v in response.headers.get_list("content-encoding", split_commas=True)]
    unknown = [v for v in values if v and v not in DECODABLE_ENCODINGS]
    if unknown:
        error = errors.TransportError(f"download {shown}: the server sent the file encoded as {', '.join(unknown)}, "
                                      "which cannot be decoded here; ask for an unencoded link")
        error.retryable = False
        raise error


def _too_large(shown: str, max_bytes: int, size: int | None = None) -> errors.TooLargeError:
    size_is = f"{units.size_text(size)} is " if size is not None else ""
    return errors.TooLargeError(f"download {shown}: {size_is}over the {units.size_text(max_bytes)} cap; "
                                "raise the download size limit if the file is expected to be this large")


def _save_body(response: httpx.Response, target: Path, max_bytes: int, shown: str) -> None:
    """Stream the decoded body into ``target`` atomically, stopping at ``max_bytes``."""
    _refuse_bad_status(response, shown)
    _refuse_undecodable(response, shown)
    declared = expected_body_length(response)
    if declared is not None and declared > max_bytes:
        raise _too_large(shown, max_bytes, declared)
    with atomic_path(target) as tmp, tmp.open("wb") as fh:
        received = 0
        # No chunk size: control comes back after every network read, not after 256 KB.
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > max_bytes:
                raise _too_large(shown, max_bytes)
            fh.write(chunk)
        if received == 0:
            # Saved, it would pass as a finished download and fail later as "not a media file".
            raise errors.TransportError(f"download {shown}: the server sent an empty file; the link may have "
                                        "expired, get a fresh link or try again")
        wire = response.headers.get("Content-Length", "")
        if wire.isdigit() and int(wire) != response.num_bytes_downloaded:
            raise errors.TransportError(f"download {shown}: got {response.num_bytes_downloaded} of {wire} bytes; "
                                        "the connection was cut, try again")


# -- requests and redirects -------------------------------------------------------------------


def _http_url(text: str, shown: str) -> httpx.URL:
    """``text`` as an http(s) URL with a host.

    Raises:
        InputError: another scheme, no host, or not a valid URL.
    """
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise errors.InputError(f"{shown}: not a valid link ({_printable(str(exc))[:100]}); copy the whole link again") from exc
    if url.scheme not in DEFAULT_PORTS:
        raise errors.InputError(f"{shown}: only http and https links can be downloaded; give an http(s) link")
    if not url.raw_host:
        raise errors.InputError(f"{shown}: the link has no host; copy the whole link again")
    return url


def _refuse_trusted_endpoint_on_other_scheme(url: httpx.URL, allowed: frozenset[Origin], shown: str) -> None:
    """The connection layer trusts (host, port); the scheme is checked here, where it is known."""
    origin = Origin.of(url)
    if origin not in allowed and origin.endpoint in {o.endpoint for o in allowed}:
        names = ", ".join(sorted(str(o) for o in allowed))
        raise errors.InputError(f"download {shown}: {origin} is refused; only {names} is allowed there")


def _next_url(response: httpx.Response, shown: str) -> httpx.URL:
    location = response.headers["Location"]
    try:
        target = response.url.join(location)
    except httpx.InvalidURL as exc:
        raise errors.InputError(f"download {shown}: the server redirected to an invalid link; check the link") from exc
    if target.scheme not in DEFAULT_PORTS:
        raise errors.InputError(f"download {shown}: redirected to a {_printable(target.scheme)[:20]}: link; "
                                "only http and https redirects are followed")
    return target


def _send(client: httpx.Client, url: httpx.URL, shown: str, first: bool) -> httpx.Response:
    try:
        return client.send(client.build_request("GET", url), stream=True)
    except RefusedAddressError as exc:
        where = "" if first else f" (redirected to {redact_url(str(url))})"
        raise errors.InputError(f"download {shown}{where}: refused, {exc}; downloads reach public internet "
                                "addresses only, check the link") from None


@contextmanager
def _final_response(client: httpx.Client, url: httpx.URL, allowed: frozenset[Origin], max_redirects: int,
                    shown: str) -> Iterator[httpx.Response]:
    """The answer at the end of the redirect chain, each hop checked before it is requested."""
    seen: set[str] = set()
    for hop in range(max_redirects + 1):
        _refuse_trusted_endpoint_on_other_scheme(url, allowed, shown)
        response = _send(client, url, shown, first=hop == 0)
        if not response.is_redirect:
            try:
                yield response
            finally:
                response.close()
            return
        response.close()  # a redirect's body is never read
        seen.add(str(url))
        url = _next_url(response, shown)
        if str(url) in seen:
            raise errors.InputError(f"download {shown}: the server redirects in a loop; open the link in a browser to check it")
    raise errors.InputError(f"download {shown}: more than {max_redirects} redirects; open the link in a browser to check it")


def _transport_error(exc: httpx.HTTPError, shown: str, deadline: Deadline, timeout: float) -> errors.TransportError:
    if isinstance(exc, httpx.TimeoutException) and deadline.expired():
        return errors.TransportError(f"download {shown}: not finished within the {deadline.seconds:.0f} s overall "
                                     "deadline; the server is too slow, try again later or allow more time")
    if isinstance(exc, httpx.TimeoutException):
        return errors.TransportError(f"download {shown}: no answer for {timeout:.0f} s ({type(exc).__name__}); "
                                     "try again later")
    detail = _printable(str(exc).splitlines()[0] if str(exc) else "no details")[:150]
    return errors.TransportError(f"download {shown}: {type(exc).__name__}: {detail}; check the link and the network, "
                                 "then try again")


def _check_limits(max_bytes: int, timeout: float, deadline: float, max_redirects: int) -> None:
    if max_bytes <= 0 or timeout <= 0 or deadline <= 0 or max_redirects < 0:
        raise errors.InputError(f"download limits must be positive (max_bytes={max_bytes}, timeout={timeout}, "
                                f"deadline={deadline}, max_redirects={max_redirects})")


def download(url: str, out_dir: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_DOWNLOAD,
             timeout: float = DEFAULT_TIMEOUT, deadline: float = DEFAULT_DEADLINE,
             allowed_origins: Iterable[str | None] = (), max_redirects: int = MAX_REDIRECTS,
             resolver: Resolver | None = None) -> Path:
    """Stream ``url`` to a file in ``out_dir`` (atomically) and return its path.

    A finished download is reused: the name is derived from the URL (``download_name``).

    Args:
        max_bytes: cap on the decoded bytes, checked on Content-Length and while streaming.
        timeout: per connect/read/write, in seconds.
        deadline: for the whole download, redirects included, in seconds (name lookups are the
            system resolver's and not cut short by it).
        allowed_origins: origins such as ``"http://127.0.0.1:8000"`` (the sandbox) that may be on
            loopback or a private network; ``None`` entries are ignored.
        max_redirects: redirects followed before giving up.
        resolver: ``(host, port) -> addresses``; the system resolver by default.

    Raises:
        InputError: not http(s), a refused address (first or after a redirect), too many
            redirects, or the file cannot be written into ``out_dir``.
        TooLargeError: larger than ``max_bytes``.
        TransportError: the server did not deliver the file (timeouts and the deadline are
            retryable; 4xx answers are not).
    """
    shown = redact_url(url)
    _check_limits(max_bytes, timeout, deadline, max_redirects)
    first = _http_url(url, shown)
    allowed = parse_origins(allowed_origins)
    target = Path(out_dir) / download_name(url)
    if target.is_file() and target.stat().st_size > 0:
        return target
    clock = Deadline(deadline)
    backend = PinnedBackend(resolver or system_resolver, frozenset(o.endpoint for o in allowed), clock)
    headers = {"Accept-Encoding": ", ".join(sorted(DECODABLE_ENCODINGS - {"identity"}))}
    try:
        with httpx.Client(transport=PinnedTransport(backend), timeout=timeout, follow_redirects=False,
                          trust_env=False, headers=headers) as client, \
                _final_response(client, first, allowed, max_redirects, shown) as response:
            _save_body(response, target, max_bytes, shown)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, shown, clock, timeout) from exc
    except OSError as exc:  # network errors arrive as httpx errors, so this is the download folder
        raise errors.InputError(f"download {shown}: cannot write into {out_dir}: {exc.strerror or exc}; "
                                "check that the folder is writable and has space") from exc
    return target


__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_DOWNLOAD",
    "DEFAULT_TIMEOUT",
    "MAX_NAME_BYTES",
    "MAX_REDIRECTS",
    "MEDIA_EXTENSIONS",
    "METADATA_ADDRESSES",
    "Origin",
    "PinnedBackend",
    "PinnedTransport",
    "RefusedAddressError",
    "Resolver",
    "download",
    "download_name",
    "parse_origins",
    "redact_url",
    "refusal_reason",
    "system_resolver",
]
