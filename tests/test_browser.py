"""The Prefect UI really shows a served batch: server → ``python -m flows.serve`` → run → Chromium.

Other tests drive flows in-process; these check what an operator gets. One real
``prefect server`` (temporary PREFECT_HOME, loopback, a free port) and one ``python -m flows.serve``
are shared by the module's tests:

- the nightly deployment's cron schedule really produces scheduled runs (Asia/Shanghai);
- ``caption-batch/ui`` runs over a two-clip watch folder (embedded sandbox vendors), started and
  awaited through the Prefect client; then headless Chromium, driven over the DevTools protocol
  (so it waits for the single-page app to render instead of guessing a time budget), opens the
  run's Artifacts tab and the ``batch-items`` table and finds the input file names in it.
  Screenshots go to the test's tmp_path (and are copied to ``$TEST_OUTPUT_DIR`` when set).

Skipped when Chromium is missing (``.ci/browser-deps.sh`` installs it when run as root).
Every process is started in its own process group and the whole group is killed at teardown,
so flow-run subprocesses of the serve process die with it, even when a test fails.

A fresh server spends 10–30 s of its start on database migrations; the migrated, still empty
database is kept in pytest's cache (keyed by the Prefect version) and copied into the next
temporary home.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CLIPS = ("zh_demo.mp4", "en_demo.mp4")
SHANGHAI = "Asia/Shanghai"  # flows.serve's default time zone for the nightly batch


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (run .ci/browser-deps.sh as root)"),
]

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.5,
              detail: Callable[[], str] = lambda: "") -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` (and logs) on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{detail()}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    """A subprocess in its own process group, with its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return f"--- {self.name} log ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited with status {self.process.returncode}\n{self.tail()}")

    def stop(self) -> None:
        """SIGTERM the group, then SIGKILL what is left: no stray servers, runners or browsers."""
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; children may linger in the group until killed.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break


def start(name: str, args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> Service:
    handle = log.open("wb")
    try:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=handle,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        handle.close()
    return Service(name, process, log)


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    ui_url: str
    env: dict[str, str]
    service: Service


def server_env(home: Path, api_url: str) -> dict[str, str]:
    """The environment of every Prefect process here: an isolated home and nothing inherited that points elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        # Run logs belong in the UI (the test session's conftest turns shipping off for in-process runs).
        "PREFECT_LOGGING_TO_API_ENABLED": "true",
        # Pick up the triggered run within ~1 s instead of the default 10 s.
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def db_template(request: pytest.FixtureRequest) -> Path | None:
    """Where the migrated, empty database is cached (None when pytest's cache is disabled)."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return None
    import prefect

    return Path(cache.mkdir("prefect-server-db")) / f"prefect-{prefect.__version__}.db"


def save_db_template(db: Path, template: Path) -> None:
    """Snapshot the live database with SQLite's backup API (consistent while the server runs)."""
    partial = template.with_suffix(".partial")
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    partial.replace(template)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[PrefectServer]:
    tmp_path = tmp_path_factory.mktemp("prefect-server")
    home = tmp_path / "prefect-home"
    home.mkdir()
    template = db_template(request)
    seeded = template is not None and template.exists()
    if seeded:
        shutil.copyfile(template, home / "prefect.db")
    port = free_port()
    ui_url = f"http://127.0.0.1:{port}"
    env = server_env(home, f"{ui_url}/api")
    service = start("prefect server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                       "--port", str(port)], env, tmp_path / "server.log")

    def healthy() -> bool:
        service.check_alive()
        try:
            return httpx.get(f"{ui_url}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        started = time.monotonic()
        wait_for("the Prefect server's /api/health", healthy, timeout=120, detail=service.tail)
        print(f"prefect server answered after {time.monotonic() - started:.1f} s "
              f"({'seeded' if seeded else 'fresh'} database)")
        if template is not None and not seeded:
            save_db_template(home / "prefect.db", template)
        yield PrefectServer(f"{ui_url}/api", ui_url, env, service)
    finally:
        service.stop()


@dataclass(frozen=True)
class Served:
    inbox: Path
    output: Path
    nightly_hour: int
    service: Service


@pytest.fixture(scope="module")
def served(prefect_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp_path = tmp_path_factory.mktemp("serve")
    inbox, output = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for name in CLIPS:
        shutil.copyfile(SAMPLES / name, inbox / name)
    # A live nightly schedule (its runs must be created), twelve hours away in the default time
    # zone so it never fires during the test and races the run under test.
    nightly_hour = (datetime.now(ZoneInfo(SHANGHAI)).hour + 12) % 24
    service = start("flows.serve", [sys.executable, "-m", "flows.serve", "--watch-folder", str(inbox),
                                    "--output-dir", str(output), "--language", "zh-CN",
                                    "--cron", f"0 {nightly_hour} * * *"],
                    prefect_server.env, tmp_path / "serve.log")
    try:
        yield Served(inbox, output, nightly_hour, service)
    finally:
        service.stop()


DEPLOYMENTS = ("caption-batch/ui", "caption-batch/nightly", "caption-media/ui", "caption-link/ui",
               "align-script/ui", "separate-tracks/ui", "burn-subtitles/ui")


@pytest.fixture(scope="module")
def deployments(prefect_server: PrefectServer, served: Served) -> dict[str, Any]:
    """Every deployment ``flows.serve`` registers, once it has registered them all."""
    from prefect.client.orchestration import SyncPrefectClient

    with SyncPrefectClient(prefect_server.api_url) as client:
        def registered() -> dict[str, Any] | None:
            served.service.check_alive()
            found = {}
            for name in DEPLOYMENTS:
                try:
                    found[name] = client.read_deployment_by_name(name)
                except Exception:  # noqa: BLE001 - not registered yet
                    return None
            return found

        return wait_for("flows.serve to register its deployments", registered, timeout=90,
                        detail=served.service.tail)


class DevTools:
    """Just enough of the Chrome DevTools protocol: navigate, evaluate, screenshot."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self.ws = connect(ws_url, max_size=None, open_timeout=20)
        self.ids = itertools.count(1)

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if message.get("id") == call_id:  # events (no id) and other replies are skipped
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''",
                           returnByValue=True)
        return str(result.get("result", {}).get("value", ""))

    def show(self, url: str, expect: tuple[str, ...], timeout: float = 45, navigate: bool = True) -> str:
        """Open ``url`` (unless already there) and wait until every ``expect`` string is in the page text."""
        if navigate:
            self.call("Page.navigate", url=url)
        last = ""

        def rendered() -> str | None:
            nonlocal last
            last = self.text()
            return last if all(e in last for e in expect) else None

        return wait_for(f"{expect} on {url}", rendered, timeout,
                        detail=lambda: f"page text:\n{last[:3000]}")

    def click(self, selector: str, text: str) -> None:
        """Click the ``selector`` element whose text is ``text`` (the UI's tabs only switch on a click)."""
        found = self.call("Runtime.evaluate", returnByValue=True, expression=(
            f"(() => {{ const e = [...document.querySelectorAll({json.dumps(selector)})]"
            f".find(e => e.textContent.trim() === {json.dumps(text)}); if (e) e.click(); return !!e; }})()"))
        assert found.get("result", {}).get("value") is True, f"no {selector} reading {text!r} on the page"

    def screenshot(self, path: Path) -> Path:
        time.sleep(1.0)  # let transitions and fonts settle after the text appears
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    service = start("chromium", [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1400,1000", "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1", "about:blank",
    ], dict(os.environ), tmp_path / "chromium.log")
    tools = None
    try:
        port_file = profile / "DevToolsActivePort"

        def port() -> str | None:
            service.check_alive()
            lines = port_file.read_text().splitlines() if port_file.exists() else []
            return lines[0] if lines and lines[0].isdigit() else None

        devtools_port = wait_for("Chromium's DevTools port", port, timeout=30, detail=service.tail)
        targets = httpx.get(f"http://127.0.0.1:{devtools_port}/json/list", timeout=10).json()
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        yield tools
    finally:
        if tools is not None:
            tools.close()
        service.stop()


def keep(path: Path) -> None:
    """Copy a screenshot to $TEST_OUTPUT_DIR (relative to the repository root) when set."""
    target = os.environ.get("TEST_OUTPUT_DIR")
    if target:
        folder = ROOT / target
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / path.name)


def test_nightly_schedule_creates_runs(prefect_server: PrefectServer, served: Served,
                                       deployments: dict[str, Any]) -> None:
    """The server's scheduler turns the nightly cron into scheduled runs, in the Shanghai time zone.

    Prefect 3.8.8's scheduler fails on every loop with SQLAlchemy 2.1 ("Can't evaluate bulk DML
    statement"), so no scheduled run is ever created: the nightly batch would silently never run.
    """
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    nightly = deployments["caption-batch/nightly"]
    assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in nightly.schedules] == \
        [(f"0 {served.nightly_hour} * * *", SHANGHAI, True)]
    assert nightly.parameters["folder"] == str(served.inbox)
    with SyncPrefectClient(prefect_server.api_url) as client:
        def scheduled() -> list[Any]:
            if "Can't evaluate bulk DML statement" in prefect_server.service.tail(400):
                import sqlalchemy

                pytest.fail(f"Prefect's scheduler fails with SQLAlchemy {sqlalchemy.__version__} (it needs 2.0.x: "
                            "pin 'sqlalchemy<2.1'); the nightly batch would never run\n"
                            f"{prefect_server.service.tail(30)}")
            return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[nightly.id])))

        runs = wait_for("the scheduler to create the nightly runs", scheduled, timeout=45, interval=1,
                        detail=lambda: prefect_server.service.tail(30))
    starts = sorted(r.expected_start_time.astimezone(ZoneInfo(SHANGHAI)) for r in runs)
    assert all((t.hour, t.minute) == (served.nightly_hour, 0) for t in starts), starts
    assert all(r.state is not None and r.state.is_scheduled() for r in runs)


def test_served_batch_run_shows_its_items_in_the_ui(prefect_server: PrefectServer, served: Served,
                                                      deployments: dict[str, Any], browser: DevTools,
                                                      tmp_path: Path) -> None:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    began = time.monotonic()
    batch = deployments["caption-batch/ui"]
    assert batch.parameters["folder"] == str(served.inbox)
    assert batch.parameters["output_dir"] == str(served.output)
    assert "batch" in batch.tags and batch.description
    with SyncPrefectClient(prefect_server.api_url) as client:
        run = client.create_flow_run_from_deployment(batch.id)

        def finished() -> Any:
            served.service.check_alive()
            state = client.read_flow_run(run.id).state
            return state if state is not None and state.is_final() else None

        state = wait_for("the batch run to finish", finished, timeout=150, interval=1,
                         detail=lambda: served.service.tail(60))
        assert state.is_completed(), f"{state.type}: {state.message}\n{served.service.tail(60)}"
        artifacts = {a.key: a for a in client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))}
    print(f"the batch ran in {time.monotonic() - began:.1f} s")
    assert {"batch-items", "batch-summary", "batch-progress"} <= set(artifacts)
    for clip in CLIPS:
        assert (served.output / clip).with_suffix(".srt").is_file()

    run_page = f"{prefect_server.ui_url}/runs/flow-run/{run.id}"
    browser.show(run_page, expect=(run.name, "caption-batch", "Completed", "Artifacts"))
    browser.click("li.p-tab", "Artifacts")
    browser.show(run_page, expect=("batch-items", "batch-summary", "batch-progress"), navigate=False)
    run_shot = browser.screenshot(tmp_path / "batch-run-artifacts.png")
    table_page = f"{prefect_server.ui_url}/artifacts/artifact/{artifacts['batch-items'].id}"
    text = browser.show(table_page, expect=(*CLIPS, "batch-items"))
    assert text.count("done") >= len(CLIPS), text[:2000]
    assert "zh_demo.srt" in text and "en_demo.srt" in text, text[:2000]
    table_shot = browser.screenshot(tmp_path / "batch-items.png")
    for shot in (run_shot, table_shot):
        assert shot.stat().st_size > 10_000
        keep(shot)
    print(f"screenshots: {run_shot} {table_shot}; test body {time.monotonic() - began:.1f} s")
