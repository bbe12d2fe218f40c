"""Make a local file fetchable by URL, for vendors that only take URLs.

Yinzi (``stuff.pathKey``) and Volcengine's URL mode download the audio themselves, so a local
file needs an address the vendor can reach for as long as the job may take to start. A
``MediaHost`` publishes a file and answers a ``HostedMedia`` (URL and expiry); ``unpublish``
takes it down again, and ``host.published(path)`` does both around a block.

Two hosts:

* ``LoopbackHost`` serves published files over HTTP on 127.0.0.1 from a background thread.
  Each file gets an unguessable token in its URL and an expiry; only published files are
  served (no directory listing, no path ever mapped onto the disk), streamed from disk with a
  Content-Length. It is for the sandbox and tests: a real vendor cannot reach 127.0.0.1.
* ``S3Host`` uploads to an S3-compatible bucket (AWS, MinIO, or OSS/COS through their S3
  endpoints) and hands out presigned GET URLs. It needs ``boto3``, the ``s3`` extra.

URLs are secrets: a presigned URL carries a signature, a loopback URL its token. They are never
logged or put in a repr or an error message; ``HostedMedia.label`` (host and key) is what logs
show.

Example::

    with LoopbackHost() as host, host.published("talk.wav") as media:
        task_id = client.submit_caption_url(media.url)
        response = client.wait_caption(task_id)
"""

from __future__ import annotations

import inspect
import logging
import mimetypes
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote, unquote, urlsplit

from pipeline import errors

log = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_EXPIRES_S = 3600.0
# SigV4 presigned URLs are valid for at most seven days.
MAX_PRESIGN_S = 7 * 24 * 3600
S3_EXTRA_HINT = "S3 hosting needs boto3: pip install 'subtitle-pipeline[s3]'"
ENV_HOST = "MEDIA_HOST"
ENV_S3 = {
    "bucket": "MEDIA_HOST_S3_BUCKET",
    "prefix": "MEDIA_HOST_S3_PREFIX",
    "endpoint_url": "MEDIA_HOST_S3_ENDPOINT_URL",
    "region": "MEDIA_HOST_S3_REGION",
}
ENV_EXPIRES = "MEDIA_HOST_EXPIRES_S"


@dataclass(frozen=True)
class HostedMedia:
    """A published file.

    Attributes:
        url: where the vendor fetches the file. A secret: never log it (use ``label``).
        expires_at: when the URL stops working (UTC).
        label: host and key, safe for logs and messages.
        size: bytes published.
        handle: what ``unpublish`` needs (the loopback token, or the object key); may be secret.
    """

    url: str = field(repr=False)
    expires_at: datetime
    label: str
    size: int
    handle: str = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return f"HostedMedia(label={self.label!r}, expires_at={self.expires_at.isoformat()}, size={self.size})"

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the URL expires (negative once it has)."""
        return (self.expires_at - (now or datetime.now(UTC))).total_seconds()


@runtime_checkable
class MediaHost(Protocol):
    """Publishes local files at URLs a vendor can fetch."""

    name: str

    def publish(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> HostedMedia:
        """Make ``path`` fetchable until ``expires_in`` seconds from now."""
        ...

    def unpublish(self, media: HostedMedia) -> None:
        """Take a published file down (best effort; never raises for an unknown one)."""
        ...

    def published(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> Any:
        """Context manager: publish, yield the ``HostedMedia``, unpublish."""
        ...

    def close(self) -> None:
        """Release the host's resources (server, client)."""
        ...

    def __enter__(self) -> MediaHost:
        """A host is its own context manager: ``with host_from_settings() as host:``."""
        ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Close the host."""
        ...


class _HostBase:
    """What every host shares: the context managers and the input checks."""

    name = "host"

    def publish(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> HostedMedia:
        raise NotImplementedError

    def unpublish(self, media: HostedMedia) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release by default."""

    @contextmanager
    def published(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> Iterator[HostedMedia]:
        """Publish ``path`` for the block, and take it down afterwards even if the block fails.

        Take it down only once the vendor has fetched the file: for an asynchronous job, that is
        after waiting for the result, not right after the submit.
        """
        media = self.publish(path, expires_in=expires_in)
        try:
            yield media
        finally:
            self.unpublish(media)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _readable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as an existing regular file.

    Raises:
        InputError: it is missing or not a file.
    """
    file = Path(path)
    if not file.is_file():
        raise errors.InputError(f"cannot publish {file}: no such file")
    return file


def _checked_expiry(expires_in: float | None, default: float, maximum: float | None = None) -> float:
    seconds = default if expires_in is None else float(expires_in)
    if seconds <= 0 or (maximum is not None and seconds > maximum):
        limit = f" and at most {maximum:.0f}" if maximum is not None else ""
        raise errors.InputError(f"expires_in={seconds:g} s: the link lifetime must be positive{limit}")
    return seconds


def content_type(path: Path) -> str:
    """The MIME type vendors expect for ``path`` (by extension; octet-stream when unknown)."""
    overrides = {".m4a": "audio/mp4", ".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg"}
    return overrides.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def redact_url(url: str) -> str:
    """``url`` without credentials, query or fragment: what may appear in a log line."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


# --------------------------------------------------------------------------- loopback


@dataclass
class _Published:
    path: Path
    name: str
    expires_at: float
    label: str


class LoopbackHost(_HostBase):
    """Serve published files on 127.0.0.1 over HTTP (for the sandbox and tests).

    URLs look like ``http://127.0.0.1:PORT/media/<token>/<file name>``: the token (32 random
    bytes) is the only key; the file name is there so a vendor that guesses the format from
    the URL's extension gets it right. Unknown tokens answer 404, expired ones 403.
    Range requests get the whole file with 200, which HTTP allows; HEAD is answered.

    Args:
        host: the interface to listen on. A real vendor cannot reach 127.0.0.1; binding to a
            public interface makes every published file downloadable by whoever gets its URL.
        port: 0 picks a free port.
        expires_in: default link lifetime in seconds.
        clock: wall-clock seconds (injectable so tests can expire links without waiting).

    Example::

        with LoopbackHost() as host:
            media = host.publish("clip.wav", expires_in=600)
            httpx.get(media.url).content
    """

    name = "loopback"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, expires_in: float = DEFAULT_EXPIRES_S,
                 clock: Callable[[], float] = time.time, request_timeout_s: float = 60.0) -> None:
        self.host = host
        self.port = port
        self.expires_in = _checked_expiry(expires_in, DEFAULT_EXPIRES_S)
        self.clock = clock
        self.request_timeout_s = request_timeout_s
        self._files: dict[str, _Published] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"LoopbackHost(host={self.host!r}, port={self.port}, published={len(self._files)})"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LoopbackHost:
        """Start serving (idempotent); ``port`` is the bound port afterwards."""
        if self._server is not None:
            return self
        handler = type("LoopbackMediaHandler", (_MediaHandler,), {"host_ref": self, "timeout": self.request_timeout_s})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"loopback-host-{self.port}", daemon=True)
        self._thread.start()
        log.info("loopback media host on %s", self.base_url)
        return self

    def close(self) -> None:
        """Stop serving and forget every published file (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            self._files.clear()

    def __enter__(self) -> LoopbackHost:
        return self.start()

    def publish(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> HostedMedia:
        """Serve ``path`` under a fresh token (starting the server if needed).

        Raises:
            InputError: the file does not exist, or ``expires_in`` is not positive.
        """
        file = _readable_file(path)
        seconds = _checked_expiry(expires_in, self.expires_in)
        self.start()
        token = secrets.token_urlsafe(32)
        now = self.clock()
        label = f"{self.host}:{self.port}/media/…/{file.name}"
        with self._lock:
            self._prune(now)
            self._files[token] = _Published(file.resolve(), file.name, now + seconds, label)
        url = f"{self.base_url}/media/{token}/{quote(file.name)}"
        expires_at = datetime.fromtimestamp(now + seconds, UTC)
        log.info("published %s until %s", label, expires_at.isoformat(timespec="seconds"))
        return HostedMedia(url=url, expires_at=expires_at, label=label, size=file.stat().st_size, handle=token)

    def unpublish(self, media: HostedMedia) -> None:
        """Stop serving ``media`` (an unknown or already removed one is ignored)."""
        with self._lock:
            removed = self._files.pop(media.handle, None)
        if removed is not None:
            log.info("unpublished %s", removed.label)

    def _prune(self, now: float) -> None:
        """Forget links that expired long ago (recent ones still answer 403 rather than 404)."""
        stale = [token for token, entry in self._files.items() if entry.expires_at + DEFAULT_EXPIRES_S < now]
        for token in stale:
            del self._files[token]

    def lookup(self, token: str, name: str) -> tuple[HTTPStatus, _Published | None]:
        """The entry for a request, or the status that refuses it."""
        with self._lock:
            entry = self._files.get(token)
        if entry is None or entry.name != name:
            return HTTPStatus.NOT_FOUND, None
        if self.clock() >= entry.expires_at:
            return HTTPStatus.FORBIDDEN, None
        return HTTPStatus.OK, entry


class _MediaHandler(BaseHTTPRequestHandler):
    """GET/HEAD ``/media/<token>/<name>``; everything else is 404 (or 501 for other methods)."""

    host_ref: LoopbackHost
    server_version = "subtitle-pipeline-media"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def _serve(self, body: bool) -> None:
        parts = urlsplit(self.path).path.split("/")
        if len(parts) != 4 or parts[0] != "" or parts[1] != "media":
            self._refuse(HTTPStatus.NOT_FOUND)
            return
        status, entry = self.host_ref.lookup(parts[2], unquote(parts[3]))
        if entry is None:
            self._refuse(status)
            return
        try:
            handle = entry.path.open("rb")
        except OSError:
            self._refuse(HTTPStatus.NOT_FOUND)
            return
        with handle:
            self._send_file(handle, entry, body)

    def _send_file(self, handle: Any, entry: _Published, body: bool) -> None:
        size = os.fstat(handle.fileno()).st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(entry.path))
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not body:
            return
        try:
            # socket.sendfile streams from the page cache; it falls back to read/send loops.
            self.connection.sendfile(handle)
        except (BrokenPipeError, ConnectionResetError):
            log.info("download of %s ended early by the client", entry.label)

    def _refuse(self, status: HTTPStatus) -> None:
        text = {HTTPStatus.FORBIDDEN: b"link expired\n"}.get(status, b"not found\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(text)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The request line carries the token: log the method and status only.
        log.debug("loopback media host: %s -> %s", self.command, code)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        # BaseHTTPRequestHandler would print request lines (tokens) to stderr.
        log.debug("loopback media host: %s", (format % args).split("/media/")[0])


# --------------------------------------------------------------------------- S3


@dataclass(frozen=True)
class S3Credentials:
    """An access key pair (and session token). Leave them out to use boto3's usual sources:
    ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``, profiles, roles."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"S3Credentials(access_key_id={self.access_key_id[:4]!r}…, secret_access_key='***')"


def _import_boto3() -> Any:
    """boto3, imported only when S3 hosting is used.

    Raises:
        InputError: boto3 is not installed (the message names the extra to install).
    """
    try:
        import boto3  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import boto3.s3.transfer  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
        import botocore.config  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError as exc:
        raise errors.InputError(S3_EXTRA_HINT) from exc
    return boto3


# Error codes that configuration, not the network, must fix.
_S3_CONFIG_CODES = {
    "NoSuchBucket": "the bucket does not exist; create it or fix the bucket name",
    "AccessDenied": "the credentials may not write to this bucket",
    "InvalidAccessKeyId": "the access key is unknown to this endpoint; check AWS_ACCESS_KEY_ID and the endpoint",
    "SignatureDoesNotMatch": "the secret key does not match the access key; check AWS_SECRET_ACCESS_KEY",
    "AllAccessDisabled": "access to this bucket is disabled",
    "InvalidBucketName": "the bucket name is invalid",
    "PermanentRedirect": "the bucket is in another region; set the region",
    "AuthorizationHeaderMalformed": "the region does not match the bucket's; set the region",
}


def _s3_error(exc: Exception, action: str) -> errors.PipelineError:
    """Translate a boto3/botocore error into ours, without credentials or URLs in the text."""
    name = type(exc).__name__
    if name in {"NoCredentialsError", "PartialCredentialsError"}:
        return errors.InputError(f"{action}: no usable S3 credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code") or "")
    if not code and name == "S3UploadFailedError":
        # boto3's transfer manager wraps the ClientError's text; pick the code out of it.
        code = next((c for c in _S3_CONFIG_CODES if f"({c})" in str(exc)), "")
    if code in _S3_CONFIG_CODES:
        return errors.InputError(f"{action}: {code}: {_S3_CONFIG_CODES[code]}")
    return errors.TransportError(f"{action}: {code or name}")


class S3Host(_HostBase):
    """Upload to an S3-compatible bucket and hand out presigned GET URLs.

    Objects go under ``prefix`` + a random folder + the file name, uploaded with boto3's
    managed transfer (multipart above ``multipart_threshold``, parts of ``multipart_chunksize``
    read from disk, at most ``max_concurrency`` in flight, so memory stays bounded).

    Args:
        bucket: the bucket's name.
        prefix: key prefix for published objects (a lifecycle rule on it can expire leftovers).
        endpoint_url: for MinIO or another S3-compatible store, e.g. ``http://127.0.0.1:9000``;
            ``None`` uses AWS (or boto3's ``AWS_ENDPOINT_URL``).
        region: signing region (``None``: boto3's configuration, else us-east-1).
        credentials: explicit keys; ``None`` uses boto3's credential chain (standard AWS env vars).
        expires_in: default presigned URL lifetime in seconds (at most seven days).
        addressing_style: ``"path"`` for MinIO and IP endpoints, ``"virtual"`` for OSS/COS.
        delete_on_unpublish: delete the object when the file is unpublished.
        client: an existing boto3 S3 client (the other connection arguments are then ignored).

    Raises:
        InputError: boto3 is missing, or ``expires_in`` is out of range.
    """

    name = "s3"

    def __init__(self, bucket: str, *, prefix: str = "subtitle-pipeline/", endpoint_url: str | None = None,
                 region: str | None = None, credentials: S3Credentials | None = None,
                 expires_in: float = DEFAULT_EXPIRES_S, addressing_style: str | None = None,
                 multipart_threshold: int = 16 * MB, multipart_chunksize: int = 8 * MB, max_concurrency: int = 4,
                 delete_on_unpublish: bool = True, client: Any = None) -> None:
        if not bucket:
            raise errors.InputError(f"S3 hosting needs a bucket name (set {ENV_S3['bucket']})")
        boto3 = _import_boto3()
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.expires_in = _checked_expiry(expires_in, DEFAULT_EXPIRES_S, MAX_PRESIGN_S)
        self.delete_on_unpublish = delete_on_unpublish
        self._transfer = boto3.s3.transfer.TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency)
        self._client = client or self._make_client(boto3, region, credentials, addressing_style)

    def __repr__(self) -> str:
        endpoint = redact_url(self.endpoint_url) if self.endpoint_url else "aws"
        return f"S3Host(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint={endpoint!r})"

    def __enter__(self) -> S3Host:
        return self

    def _make_client(self, boto3: Any, region: str | None, credentials: S3Credentials | None,
                     addressing_style: str | None) -> Any:
        import botocore.config  # type: ignore[import-untyped,import-not-found,unused-ignore]

        keys = {}
        if credentials is not None:
            keys = {"aws_access_key_id": credentials.access_key_id,
                    "aws_secret_access_key": credentials.secret_access_key,
                    "aws_session_token": credentials.session_token}
        session = boto3.session.Session(**keys)
        s3_options = {"addressing_style": addressing_style} if addressing_style else {}
        config = botocore.config.Config(signature_version="s3v4", s3=s3_options)
        return session.client("s3", endpoint_url=self.endpoint_url,
                              region_name=region or session.region_name or "us-east-1", config=config)

    def key_for(self, file: Path) -> str:
        """A fresh object key: prefix, a random folder (no collisions), the file name."""
        return f"{self.prefix}{uuid.uuid4().hex}/{file.name}"

    def publish(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> HostedMedia:
        """Upload ``path`` and presign a GET for it.

        Raises:
            InputError: missing file, bad ``expires_in``, or a bucket/credential problem.
            TransportError: the store could not be reached or failed.
        """
        file = _readable_file(path)
        seconds = _checked_expiry(expires_in, self.expires_in, MAX_PRESIGN_S)
        key = self.key_for(file)
        label = f"s3://{self.bucket}/{key}"
        size = file.stat().st_size
        started = time.monotonic()
        try:
            self._client.upload_file(str(file), self.bucket, key, ExtraArgs={"ContentType": content_type(file)},
                                     Config=self._transfer)
            url = self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=int(seconds))
        except Exception as exc:  # boto3's exception classes exist only once it is imported
            raise _s3_error(exc, f"S3 upload of {file.name} to {label}") from exc
        expires_at = datetime.now(UTC) + timedelta(seconds=int(seconds))
        log.info("published %s (%d bytes in %.1f s) until %s", label, size, time.monotonic() - started,
                 expires_at.isoformat(timespec="seconds"))
        return HostedMedia(url=url, expires_at=expires_at, label=label, size=size, handle=key)

    def unpublish(self, media: HostedMedia) -> None:
        """Delete the object (when ``delete_on_unpublish``); failures are logged, not raised,
        because the link expires anyway and a bucket lifecycle rule can sweep leftovers."""
        if not self.delete_on_unpublish:
            return
        try:
            self._client.delete_object(Bucket=self.bucket, Key=media.handle)
        except Exception as exc:  # best effort, see above
            log.warning("could not delete %s: %s", media.label, _s3_error(exc, "S3 delete"))
        else:
            log.info("unpublished %s", media.label)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            close()


# --------------------------------------------------------------------------- factory

HOSTS: dict[str, type[_HostBase]] = {"loopback": LoopbackHost, "s3": S3Host}


def host_from_settings(name: str | None = None, *, environ: Mapping[str, str] | None = None,
                       **options: Any) -> MediaHost:
    """Build the host called ``name`` (default: ``$MEDIA_HOST``, else ``loopback``).

    Options given as keywords win over the environment: ``MEDIA_HOST_EXPIRES_S`` for every host,
    and for ``s3`` ``MEDIA_HOST_S3_BUCKET``, ``_PREFIX``, ``_ENDPOINT_URL`` and ``_REGION``
    (credentials come from the standard AWS variables, read by boto3).

    Example::

        host = host_from_settings("s3", bucket="media", endpoint_url="http://127.0.0.1:9000")

    Raises:
        InputError: unknown host name or option, a missing bucket, or boto3 missing for ``s3``.
    """
    env = os.environ if environ is None else environ
    chosen = (name or env.get(ENV_HOST) or "loopback").strip().lower()
    if chosen not in HOSTS:
        raise errors.InputError(f"media host {chosen!r} is unknown; use one of {', '.join(HOSTS)}")
    settings: dict[str, Any] = {}
    if env.get(ENV_EXPIRES):
        settings["expires_in"] = _env_seconds(env[ENV_EXPIRES])
    if chosen == "s3":
        settings.update({option: env[var] for option, var in ENV_S3.items() if env.get(var)})
        settings.setdefault("bucket", "")
    settings.update(options)
    cls = HOSTS[chosen]
    try:
        inspect.signature(cls).bind(**settings)
    except TypeError as exc:
        raise errors.InputError(f"media host {chosen!r}: {exc}") from None
    return cls(**settings)  # type: ignore[return-value]


def _env_seconds(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise errors.InputError(f"{ENV_EXPIRES}={raw!r} is not a number of seconds") from None


__all__ = [
    "DEFAULT_EXPIRES_S",
    "HOSTS",
    "HostedMedia",
    "LoopbackHost",
    "MediaHost",
    "S3Credentials",
    "S3Host",
    "content_type",
    "host_from_settings",
    "redact_url",
]
