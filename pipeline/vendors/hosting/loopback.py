"""Serve published files over HTTP on 127.0.0.1, for the sandbox and tests.

The sandbox's URL-mode vendors fetch audio by URL like the real ones do; ``LoopbackHost`` gives
a local file such a URL without any cloud account. It serves published files from a background
thread: each file gets an unguessable token in its URL and an expiry; only published files are
served (no directory listing, no path ever mapped onto the disk), streamed from disk with a
Content-Length. A real vendor cannot reach 127.0.0.1: for those, use ``S3Host``.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pipeline.vendors.hosting.protocol import (
    DEFAULT_EXPIRES_S,
    HostBase,
    HostedMedia,
    checked_expiry,
    content_type,
    readable_file,
)

log = logging.getLogger(__name__)


@dataclass
class _Published:
    path: Path
    name: str
    expires_at: float
    label: str


class LoopbackHost(HostBase):
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
        self.expires_in = checked_expiry(expires_in, DEFAULT_EXPIRES_S)
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
        file = readable_file(path)
        seconds = checked_expiry(expires_in, self.expires_in)
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


__all__ = ["LoopbackHost"]
