"""Run the sandbox: one Starlette app with every vendor mounted under its real path prefix.

A vendor is a module ``pipeline.sandbox.<name>`` with a function
``routes(state: SandboxState) -> list[BaseRoute]``. ``build_app`` finds such modules by
name, so a new vendor (``transcriptgenerate.py``, ``yinzi.py`` ...) is mounted by adding
its module, without touching this file. Besides the vendors' routes the app answers
``GET /sandbox/stats`` (JSON counters, no credentials).

Example:
    >>> with SandboxServer(SandboxConfig(processing_ms=50)) as sandbox:   # doctest: +SKIP
    ...     httpx.get(sandbox.base_url + "/sandbox/stats").json()
"""

from __future__ import annotations

import importlib
import pkgutil
import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from pipeline.sandbox.faults import ASGIApp, CaptureRawSend
from pipeline.sandbox.state import SandboxConfig, SandboxState

INFRASTRUCTURE_MODULES = frozenset({"faults", "server", "speech", "state"})
STARTUP_TIMEOUT_S = 10.0


def available_vendors() -> tuple[str, ...]:
    """Names of the sandbox modules that provide ``routes(state)``, sorted."""
    names = []
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name in INFRASTRUCTURE_MODULES or module.name.startswith("_"):
            continue
        if callable(getattr(importlib.import_module(f"pipeline.sandbox.{module.name}"), "routes", None)):
            names.append(module.name)
    return tuple(sorted(names))


def vendor_routes(name: str, state: SandboxState) -> list[BaseRoute]:
    """The routes of vendor ``name``.

    Raises:
        ValueError: no sandbox module of that name provides ``routes``.
    """
    if name not in available_vendors():
        raise ValueError(f"no sandbox vendor {name!r}; available: {', '.join(available_vendors())}")
    return list(importlib.import_module(f"pipeline.sandbox.{name}").routes(state))


def stats_route(state: SandboxState) -> Route:
    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(state.stats())

    return Route("/sandbox/stats", stats, methods=["GET"])


def build_app(vendors: Iterable[str] | None = None, config: SandboxConfig | None = None,
              state: SandboxState | None = None) -> Starlette:
    """A Starlette app serving ``vendors`` (default: every available one) over one shared state.

    The state is reachable as ``app.state.sandbox``.
    """
    state = state or SandboxState(config)
    names = tuple(vendors) if vendors is not None else available_vendors()
    routes: list[BaseRoute] = [stats_route(state)]
    for name in names:
        routes.extend(vendor_routes(name, state))
    app = Starlette(routes=routes)
    app.state.sandbox = state
    return app


def asgi_app(app: Starlette) -> ASGIApp:
    """The app as handed to uvicorn: wrapped so injected faults can drop connections."""
    return CaptureRawSend(app)


class SandboxServer:
    """The sandbox on 127.0.0.1 in a background thread, for tests and demos.

    Attributes:
        base_url: e.g. ``"http://127.0.0.1:54321"``; vendor paths go after it.
        state: the live ``SandboxState`` (jobs, submissions, registry, faults).

    Example:
        >>> with SandboxServer() as sandbox:          # doctest: +SKIP
        ...     sandbox.state.registry.register("clip.mp4", "Hello there.")
    """

    def __init__(self, config: SandboxConfig | None = None, vendors: Iterable[str] | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self.app = build_app(vendors, state=self.state)
        self.host = host
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.port = self._socket.getsockname()[1]
        self.base_url = f"http://{host}:{self.port}"
        # An embedded server must leave its host's logging alone: uvicorn's default dictConfig
        # flushes and closes every handler in the process (Prefect's API log handler among them)
        # under the logging lock, which deadlocked a flow run whose other threads were logging.
        self._server = uvicorn.Server(uvicorn_config(asgi_app(self.app), host, self.port, log_config=None))
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        """Start serving and return once the server answers."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._server.started and self._answers():
                return self
            if not self._thread.is_alive():
                break
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"sandbox did not start on {self.base_url}")

    def _answers(self) -> bool:
        try:
            return httpx.get(self.base_url + "/sandbox/stats", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """Stop serving, wait for the thread, delete uploads."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=STARTUP_TIMEOUT_S)
            self._thread = None
        self._socket.close()
        self.state.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def uvicorn_config(app: ASGIApp, host: str, port: int, log_config: Any = uvicorn.config.LOGGING_CONFIG) -> uvicorn.Config:
    """Quiet uvicorn: warnings only, no access log, no lifespan, short graceful shutdown.

    ``log_config=None`` keeps uvicorn from configuring the process's logging (embedded servers).
    """
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off",
                          timeout_graceful_shutdown=1, log_config=log_config)


def accepted_credentials(config: SandboxConfig | None = None) -> list[str]:
    """What the sandbox accepts, as the environment variables a client reads (public test values, not secrets).

    Printed when a standalone sandbox starts, so a rehearsal with ``--live`` and
    ``<VENDOR>_BASE_URL`` pointed at the sandbox needs no reading of the code.
    """
    from pipeline.sandbox.transcriptgenerate import TranscriptGenerateConfig
    from pipeline.sandbox.volcengine import VolcengineConfig
    from pipeline.sandbox.yinzi import YinziConfig

    config = config or SandboxConfig()
    volc = config.vendor("volcengine", VolcengineConfig)
    tg = config.vendor("transcriptgenerate", TranscriptGenerateConfig)
    yz = config.vendor("yinzi", YinziConfig)
    return [f"volcengine: VOLCENGINE_APPID={volc.appid} VOLCENGINE_TOKEN={volc.token}",
            f"transcriptgenerate: TRANSCRIPTGENERATE_API_KEY={tg.api_key} TRANSCRIPTGENERATE_API_SECRET={tg.api_secret}",
            f"yinzi: YINZI_API_KEY={yz.api_key}"]


def serve(host: str = "127.0.0.1", port: int = 8800, config: SandboxConfig | None = None,
          vendors: Iterable[str] | None = None) -> None:
    """Serve the sandbox in the foreground until interrupted (the CLI's ``sandbox`` command).

    Prints where it listens and the (public, made-up) credentials it accepts.
    """
    state = SandboxState(config)
    app = build_app(vendors, state=state)
    names = ", ".join(tuple(vendors) if vendors is not None else available_vendors())
    print(f"sandbox ({names}) on http://{host}:{port}  stats: http://{host}:{port}/sandbox/stats"
          f"  transcripts registered: {len(state.registry)}", flush=True)
    print("accepts (sandbox test credentials, not secrets):", *accepted_credentials(config), sep="\n  ", flush=True)
    try:
        uvicorn.Server(uvicorn_config(asgi_app(app), host, port)).run()
    finally:
        state.close()
