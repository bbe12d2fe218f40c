"""Fault injection shared by every sandbox vendor: business error codes and transport faults.

Two layers, because they fail differently for a client:

* **Business errors** (``ErrorRule``): the request is answered normally (HTTP 200) but with
  the vendor code the rule names, in the vendor's own envelope. Vendor routes ask
  ``FaultInjector.pick_error(endpoint)`` after authentication and build the response.
  ``task_errors`` rules are drawn once per submitted job instead: the job then *ends* with
  that code (1020/1021/1022/1099 are outcomes of recognition, so they stick to the task).
* **Transport faults** (``FaultGuard``): slow answers, HTTP 5xx, and connections closed
  without any answer, either before the handler runs or after it (the nastiest case: the
  job was created but the client never learns its id).

Every decision draws from one ``random.Random(seed)``, so a run with the same requests in the
same order injects the same faults. Endpoint names are ``"<vendor>.<api>.<verb>"``, e.g.
``"volcengine.caption.submit"``; rules match them with shell-style globs
(``"volcengine.*.query"``).

Example:
    >>> FaultConfig(seed=1, errors=(ErrorRule(code=1022, endpoint="volcengine.*.query"),))
    ... # doctest: +ELLIPSIS
    FaultConfig(seed=1, ...)
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RAW_SEND_KEY = "sandbox.raw_send"


@dataclass(frozen=True)
class ErrorRule:
    """Answer ``code`` on matching endpoints with probability ``rate``.

    Attributes:
        code: the vendor code to answer (kept as given; the vendor decides int or str).
        rate: probability per request (or per job for ``task_errors``), 0..1.
        endpoint: glob over endpoint names, ``"*"`` for all.
        message: message to send; empty means the vendor's standard text for the code.
    """

    code: int | str
    rate: float = 1.0
    endpoint: str = "*"
    message: str = ""

    def matches(self, endpoint: str) -> bool:
        return fnmatch.fnmatchcase(endpoint, self.endpoint)


@dataclass(frozen=True)
class FaultConfig:
    """What goes wrong, how often. All rates are probabilities per request, 0..1.

    Attributes:
        seed: seeds the one random generator behind every decision.
        errors: business errors answered instead of the real response (first matching rule that fires wins).
        task_errors: drawn once per accepted submission; the job ends with that code.
        endpoints: glob naming the endpoints that transport faults hit.
        slow_rate, slow_ms: delay this share of answers by ``slow_ms``.
        http_5xx_rate, http_5xx_status: answer this share with a bare HTTP error instead.
        drop_rate: close this share of connections without any answer.
        drop_after_handling: drop only after the handler ran (side effects, e.g. a created job, stay).
        drop_after_rate: also close this share of connections after the handler ran, whatever
            ``drop_after_handling`` says (to mix both kinds of drop in one run).
    """

    seed: int = 0
    errors: tuple[ErrorRule, ...] = ()
    task_errors: tuple[ErrorRule, ...] = ()
    endpoints: str = "*"
    slow_rate: float = 0.0
    slow_ms: int = 0
    http_5xx_rate: float = 0.0
    http_5xx_status: int = 503
    drop_rate: float = 0.0
    drop_after_handling: bool = False
    drop_after_rate: float = 0.0


@dataclass(frozen=True)
class TransportFault:
    """The transport faults decided for one request."""

    delay_ms: int = 0
    http_status: int | None = None
    drop: bool = False
    drop_after: bool = False


class FaultInjector:
    """Seeded, thread-safe decisions over a ``FaultConfig``; also counts what it injected."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._random = random.Random(config.seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {}

    def _fires(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def _note(self, what: str) -> None:
        with self._lock:
            self.injected[what] = self.injected.get(what, 0) + 1

    def _pick(self, rules: tuple[ErrorRule, ...], endpoint: str, kind: str) -> ErrorRule | None:
        for rule in rules:
            if rule.matches(endpoint) and self._fires(rule.rate):
                self._note(f"{kind}:{rule.code}")
                return rule
        return None

    def pick_error(self, endpoint: str) -> ErrorRule | None:
        """The business error to answer on this request, if any."""
        return self._pick(self.config.errors, endpoint, "error")

    def pick_task_error(self, endpoint: str) -> ErrorRule | None:
        """The code a newly submitted job will end with, if any."""
        return self._pick(self.config.task_errors, endpoint, "task_error")

    def transport_fault(self, endpoint: str) -> TransportFault:
        """Decide slow / 5xx / drop for one request (one draw each, in that order)."""
        cfg = self.config
        if not fnmatch.fnmatchcase(endpoint, cfg.endpoints):
            return TransportFault()
        delay = cfg.slow_ms if self._fires(cfg.slow_rate) else 0
        status = cfg.http_5xx_status if self._fires(cfg.http_5xx_rate) else None
        drop = self._fires(cfg.drop_rate)
        drop_after = not drop and self._fires(cfg.drop_after_rate)
        if drop and cfg.drop_after_handling:
            drop, drop_after = False, True
        for flag, name in ((delay, "slow"), (status, f"http_{status}"), (drop, "drop"), (drop_after, "drop_after")):
            if flag:
                self._note(name)
        return TransportFault(delay, status, drop, drop_after)


async def drop_connection(scope: Scope) -> bool:
    """Close the client's connection without an answer; False if the server gives no way to.

    Works with uvicorn: ``CaptureRawSend`` stores uvicorn's own ``send`` (a bound method of
    its request cycle, which holds the socket transport) in the scope.
    """
    raw_send = scope.get(RAW_SEND_KEY)
    transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None:
        return False
    transport.close()
    # Let connection_lost run, so uvicorn sees the disconnect and sends no 500 of its own.
    for _ in range(3):
        await asyncio.sleep(0)
    return True


async def drain_request_body(receive: Receive) -> None:
    """Read the whole request body, so closing the socket sends FIN rather than RST.

    Closing with unread upload bytes in the kernel buffer resets the connection, and the
    client then sees a reset or a disconnect depending on timing; a drop must look the same
    every time.
    """
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _discard(message: Message) -> None:
    """A ``send`` that swallows the answer (used to drop after handling)."""


async def send_plain(send: Send, status: int, body: bytes) -> None:
    """A bare HTTP answer, as a failing load balancer would give."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class CaptureRawSend:
    """Outermost ASGI middleware: remembers the server's own ``send`` for ``drop_connection``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND_KEY] = send
        await self.app(scope, receive, send)


class FaultGuard:
    """Wraps one endpoint's ASGI app with the transport faults the injector decides.

    A class (not a function) so Starlette's ``Route`` treats it as an ASGI app.
    """

    def __init__(self, app: ASGIApp, injector: FaultInjector, endpoint: str) -> None:
        self.app = app
        self.injector = injector
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self.injector.transport_fault(self.endpoint)
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.drop:
            await drain_request_body(receive)
            if not await drop_connection(scope):
                await send_plain(send, 502, b"sandbox: injected dropped connection (could not close socket)\n")
            return
        if fault.http_status is not None:
            await drain_request_body(receive)
            await send_plain(send, fault.http_status, b"sandbox: injected server error\n")
            return
        if fault.drop_after:
            await self.app(scope, receive, _discard)
            if not await drop_connection(scope):
                await send_plain(send, 502, b"sandbox: injected dropped connection (could not close socket)\n")
            return
        await self.app(scope, receive, send)
