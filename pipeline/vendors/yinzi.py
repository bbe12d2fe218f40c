"""Yinzi (音子AI) open API: vocal/music separation, transcript extraction, share-link analysis.

Contract: ``vendor-docs/yinzi-open-api.txt`` (no public client code exists). Endpoints under
``/api/open/v1``: ``order/create``, ``order/query``, ``short-video/analyze``. Answers are
``{"code", "data", "msg"}`` with ``code`` 0 on success.

Three facts shape this client:

- Input is a URL only (``stuff.pathKey``): a local file must be hosted first; we refuse paths.
- Result links (``stuffs[].url``) expire one hour after the order finished, so
  ``download_stuffs`` fetches them at once, streamed to disk and written atomically. The first
  query after completion charges the order; later queries are free and return the links again.
- ``short-video/analyze`` charges on every call, so it is never resent after it may have arrived.

The key travels in ``Authorization: Bearer <key>``; the doc also allows ``?apiKey=``, which we
never use because URLs end up in logs and error messages.

How answers map to errors: ``pipeline.vendors.yinzi_codes``.

Example::

    client = YinziClient(YinziCredentials.from_env())
    order_no = client.create_order("track-separation", "https://example.com/audio.mp3")
    result = client.wait_order(order_no)
    paths = client.download_stuffs(result, "out/stems")
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from pipeline import errors
from pipeline.fileio import atomic_path
from pipeline.vendors.answers import normalized_code
from pipeline.vendors.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    RetryPolicy,
    Timeouts,
    call_with_retries,
    expected_body_length,
    raise_for_transport_status,
)
from pipeline.vendors.pacing import Pace, account_key, paced
from pipeline.vendors.polling import Pending, PollPolicy, poll_until_done
from pipeline.vendors.share import ShareLink, parse_share_text
from pipeline.vendors.yinzi_codes import CODES, MESSAGES, VENDOR, error_for, read_answer

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.yinziai.com"
API = "/api/open/v1"
ORDER_TYPES = ("track-separation", "extract-voice", "extract-music", "extract-text")
# The doc lists Douyin, Kuaishou, Xiaohongshu, Weibo "and other mainstream platforms".
PLATFORMS = ("DOUYIN", "KUAISHOU", "XHS", "WEIBO")
PENDING_STATUSES = ("pending", "processing")
FINISHED = "finish"
FAILED_STATUSES = ("failed", "timeout")
# Result links live one hour; refresh them a little before that so a download never races expiry.
LINK_LIFETIME = 3600.0
LINK_SAFETY = 300.0
DOWNLOAD_CHUNK = 256 * 1024

# Separation takes minutes rather than seconds; nothing in the doc says how often to ask.
DEFAULT_POLL = PollPolicy(interval=3.0, max_interval=10.0, backoff=1.5, deadline=2 * 3600.0, held_threshold=float("inf"))

@dataclass(frozen=True)
class YinziCredentials:
    """The account's API key (masked in repr)."""

    api_key: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> YinziCredentials:
        """Read ``YINZI_API_KEY``.

        Raises:
            InputError: when it is missing.
        """
        env = os.environ if environ is None else environ
        if not env.get("YINZI_API_KEY"):
            raise errors.InputError("YINZI_API_KEY not set; export it or use the sandbox (the default target)")
        return cls(env["YINZI_API_KEY"])

    def __repr__(self) -> str:
        return "YinziCredentials(api_key='***')"


@dataclass(frozen=True)
class Order:
    """What ``order/create`` answered."""

    order_no: str
    order_type: str
    order_status: str | None = None
    pay_status: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class Stuff:
    """One result file: ``business`` says which (vocals, accompaniment, caption ...)."""

    name: str
    business: str
    url: str


@dataclass(frozen=True)
class OrderResult:
    """A finished order. ``received_at`` (``time.time()``) dates the links, which live one hour."""

    order_no: str
    order_type: str
    status: str
    cost: float
    reason: str | None
    stuffs: tuple[Stuff, ...]
    balance: float | None
    received_at: float = 0.0

    def links_expired(self, now: float | None = None) -> bool:
        """True when the links are (nearly) an hour old and should be fetched again."""
        age = (time.time() if now is None else now) - self.received_at
        return age >= LINK_LIFETIME - LINK_SAFETY


@dataclass(frozen=True)
class ShortVideo:
    """What ``short-video/analyze`` answered (``music_url`` only when the video has one)."""

    title: str | None
    author: str | None
    cover: str | None
    video_url: str | None
    music_url: str | None
    balance: float | None




def check_path_key(path_key: str | os.PathLike[str] | None) -> str:
    """An http(s) URL for ``stuff.pathKey``; Yinzi cannot read files from this machine.

    Raises:
        InputError: empty, a local path, or not an http(s) URL.
    """
    text = os.fspath(path_key).strip() if path_key is not None else ""
    if not text:
        raise errors.InputError("pathKey is required: pass the http(s) URL of the audio or video")
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return text
    if parts.scheme.lower() == "file" or not parts.scheme or re.match(r"^[A-Za-z]:[\\/]", text):
        raise errors.InputError(
            f"Yinzi takes a URL only, not the local file {text!r}: upload it somewhere reachable "
            "(object storage with a signed link, or any web server) and pass its http(s) URL"
        )
    raise errors.InputError(f"pathKey {text!r} is not an http(s) URL; pass the http(s) URL of the audio or video")


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _stuffs(value: Any) -> tuple[Stuff, ...]:
    items = value if isinstance(value, list) else []
    return tuple(
        Stuff(name=str(item.get("name") or ""), business=str(item.get("business") or ""), url=str(item.get("url") or ""))
        for item in items
        if isinstance(item, Mapping) and item.get("url")
    )


def stuff_filename(stuff: Stuff) -> str:
    """A safe file name for a result: the vendor's name without directories, else business + suffix."""
    name = PurePosixPath(stuff.name.replace("\\", "/")).name
    if name in ("", ".", ".."):
        suffix = PurePosixPath(urlsplit(stuff.url).path).suffix
        name = f"{stuff.business or 'result'}{suffix}"
    return name


class YinziClient:
    """Create and query Yinzi orders, analyse share links and fetch result files.

    Args:
        credentials: the API key, sent as ``Authorization: Bearer <key>`` to the API only
            (never to the CDN that serves result files).
        base_url: the API root (the sandbox's or the real one).
        transport: an httpx transport, e.g. ``httpx.MockTransport`` in unit tests; used for
            result downloads too.
        sleep, clock, wall_clock: injectable so tests never wait and can age result links.
    """

    def __init__(
        self,
        credentials: YinziCredentials,
        base_url: str = DEFAULT_BASE_URL,
        *,
        platforms: tuple[str, ...] = PLATFORMS,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        poll: PollPolicy = DEFAULT_POLL,
        transport: httpx.BaseTransport | None = None,
        pace: Pace | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.platforms = platforms
        self.retry = retry
        self.poll = poll
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self.pacer, transport = paced(VENDOR, account_key(self.base_url, credentials.api_key), pace, transport)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeouts.httpx(),
            transport=transport,
            headers={"Authorization": f"Bearer {credentials.api_key}"},
        )
        # Result links point at a CDN: a separate client so the key never leaves for another host.
        self._download = httpx.Client(timeout=timeouts.httpx(), transport=transport, follow_redirects=True)

    def __repr__(self) -> str:
        return f"YinziClient(base_url={self.base_url!r}, credentials={self.credentials!r})"

    def close(self) -> None:
        self._http.close()
        self._download.close()

    def __enter__(self) -> YinziClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- orders -----------------------------------------------------------------------------

    def create_order(self, order_type: str, path_key: str | os.PathLike[str]) -> str:
        """Create an order for the media at URL ``path_key``; returns the order number.

        Not idempotent (orders cost credits), so it is resent only when the request surely never
        arrived.

        Raises:
            InputError: unknown ``order_type``, or ``path_key`` is not an http(s) URL.
            VendorError: a subclass per the module's table.
            TransportError: no usable answer.
        """
        return self.create_order_details(order_type, path_key).order_no

    def create_order_details(self, order_type: str, path_key: str | os.PathLike[str]) -> Order:
        """Like ``create_order`` but returns the whole answer (statuses and message id)."""
        if order_type not in ORDER_TYPES:
            raise errors.InputError(f"orderType={order_type!r} is not one of {', '.join(ORDER_TYPES)}")
        payload = {"orderType": order_type, "stuff": {"pathKey": check_path_key(path_key)}}
        what = "yinzi order/create"

        def send() -> Order:
            data = read_answer(self._http.post(f"{API}/order/create", json=payload), what)
            order_no = str(data.get("orderNo") or "")
            if not order_no:
                raise errors.VendorError(VENDOR, "0", "order/create answered without an orderNo")
            log.info("%s: order %s (%s)", what, order_no, order_type)
            return Order(
                order_no=order_no,
                order_type=str(data.get("orderType") or order_type),
                order_status=_text(data.get("orderStatus")),
                pay_status=_text(data.get("payStatus")),
                message_id=_text(data.get("messageId")),
            )

        return call_with_retries(send, self.retry, idempotent=False, sleep=self._sleep, what=what)

    def query_order(self, order_no: str) -> OrderResult | Pending[OrderResult]:
        """Ask once: ``Pending`` while pending/processing, the result when finished.

        The first query after completion charges the order; asking again is free.

        Raises:
            InputError: ``order_no`` is empty.
            TaskFailedError: the order failed or timed out (carries ``reason``).
            TaskNotFoundError: unknown order, or another account's.
        """
        if not order_no or not str(order_no).strip():
            raise errors.InputError("orderNo is required: pass the order number returned by create_order")
        what = "yinzi order/query"

        def ask() -> Mapping[str, Any]:
            return read_answer(self._http.get(f"{API}/order/query", params={"orderNo": order_no}), what)

        data = call_with_retries(ask, self.retry, idempotent=True, sleep=self._sleep, what=what)
        return self._order_state(order_no, data)

    def _order_state(self, order_no: str, data: Mapping[str, Any]) -> OrderResult | Pending[OrderResult]:
        status = str(data.get("status") or data.get("orderStatus") or "").lower()
        if status in FAILED_STATUSES:
            reason = _text(data.get("reason")) or f"order {status}"
            raise errors.TaskFailedError(VENDOR, None, reason, f"order {order_no} {status}; create a new order")
        if status != FINISHED:
            if status not in PENDING_STATUSES:
                # Undocumented: most likely another processing stage; the poll deadline bounds it.
                log.warning("yinzi order %s: unknown status %r; still waiting", order_no, status)
            return Pending(status)
        result = OrderResult(
            order_no=str(data.get("orderNo") or order_no),
            order_type=str(data.get("orderType") or ""),
            status=status,
            cost=_number(data.get("cost")) or 0.0,
            reason=_text(data.get("reason")),
            stuffs=_stuffs(data.get("stuffs")),
            balance=_number(data.get("balance")),
            received_at=self._wall_clock(),
        )
        log.info("yinzi order %s finished: cost %s, balance %s", order_no, result.cost, result.balance)
        return result

    def wait_order(self, order_no: str, *, on_pending: Callable[[int, str], None] | None = None,
                   cancel: threading.Event | None = None) -> OrderResult:
        """Poll until the order finishes; returns the result with fresh links.

        Raises:
            TaskFailedError: the order failed or timed out.
            DeadlineExceededError: still running at the poll deadline.
        """
        return poll_until_done(
            lambda: self.query_order(order_no), self.poll, what=f"yinzi order {order_no}",
            on_pending=on_pending, sleep=self._sleep, clock=self._clock, cancel=cancel,
        )

    # -- short-video analysis ---------------------------------------------------------------

    def check_link(self, share_text: str) -> ShareLink:
        """Validate a share text locally, before a call that would charge.

        Raises:
            InputError: empty, too long or no platform link in it.
            UnsupportedPlatformError: a platform outside ``platforms``.
        """
        return parse_share_text(share_text, self.platforms, vendor=VENDOR)

    def analyze_short_video(self, share_text: str) -> ShortVideo:
        """Resolve a share link to its title, author and watermark-free media links.

        Charges immediately, so it is resent only when the request surely never arrived.

        Raises:
            InputError, UnsupportedPlatformError: rejected locally (no charge).
            VendorError: a subclass per the module's table.
        """
        link = self.check_link(share_text)
        what = "yinzi short-video/analyze"

        def send() -> ShortVideo:
            data = read_answer(self._http.post(f"{API}/short-video/analyze", json={"link": link.url}), what)
            return ShortVideo(
                title=_text(data.get("title")),
                author=_text(data.get("author")),
                cover=_text(data.get("cover")),
                video_url=_text(data.get("videoUrl")),
                music_url=_text(data.get("musicUrl")) or None,
                balance=_number(data.get("balance")),
            )

        return call_with_retries(send, self.retry, idempotent=False, sleep=self._sleep, what=what)

    # -- result files -----------------------------------------------------------------------

    def download_stuffs(self, result: OrderResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Download every result file into ``out_dir`` now; returns ``{business: path}``.

        Links older than ~55 minutes are fetched again first (a repeat query is free). Each
        file is streamed to disk and renamed into place only when complete.

        Raises:
            TaskFailedError: a repeat query found the order failed.
            VendorError: the file host refused a link.
            TransportError: the download failed on every attempt.
        """
        if result.links_expired(self._wall_clock()):
            log.info("yinzi order %s: result links are about to expire; asking for fresh ones", result.order_no)
            fresh = self.query_order(result.order_no)
            if isinstance(fresh, Pending):
                raise errors.VendorError(VENDOR, None, f"order {result.order_no} is no longer finished", "query it again")
            result = fresh
        out = Path(out_dir)
        paths: dict[str, Path] = {}
        used: set[str] = set()
        for index, stuff in enumerate(result.stuffs):
            name = stuff_filename(stuff)
            if name in used:
                name = f"{index}-{name}"
            used.add(name)
            target = out / name
            call_with_retries(
                functools.partial(self._fetch, stuff, target), self.retry,
                idempotent=True, sleep=self._sleep, what=f"yinzi download {name}",
            )
            key = stuff.business if stuff.business and stuff.business not in paths else name
            paths[key] = target
        return paths

    def _fetch(self, stuff: Stuff, target: Path) -> None:
        with self._download.stream("GET", stuff.url) as response:
            if 400 <= response.status_code < 500 and response.status_code != 429:
                # Most likely an expired link (403/404/410): asking again will not help.
                raise errors.VendorError(
                    VENDOR, str(response.status_code), f"result file {stuff.name or stuff.business} refused by the file host",
                    "links expire one hour after the order finished; call download_stuffs with a fresh query_order result",
                )
            raise_for_transport_status(response, "yinzi download")
            expected = expected_body_length(response)
            written = 0
            with atomic_path(target) as tmp:
                with tmp.open("wb") as fh:
                    for chunk in response.iter_bytes(DOWNLOAD_CHUNK):
                        fh.write(chunk)
                        written += len(chunk)
                if expected is not None and expected != written:
                    # A cut-off body: leave no partial file and let the retry fetch it again.
                    raise errors.TransportError(f"yinzi download {target.name}: got {written} of {expected} bytes")
        log.info("yinzi: saved %s (%d bytes)", target, written)


__all__ = [
    "API",
    "CODES",
    "DEFAULT_BASE_URL",
    "DEFAULT_POLL",
    "MESSAGES",
    "ORDER_TYPES",
    "PLATFORMS",
    "Order",
    "OrderResult",
    "ShortVideo",
    "Stuff",
    "YinziClient",
    "YinziCredentials",
    "check_path_key",
    "error_for",
    "normalized_code",
    "read_answer",
    "stuff_filename",
]
