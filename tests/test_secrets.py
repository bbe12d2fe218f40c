"""No secret in logs, artifacts, outputs, exception text, run parameters or logged URLs.

Runs live-mode flows (target="live") against a sandbox that only accepts our test secrets, with
every logger at DEBUG (httpx logs each request URL at INFO), then searches everything the runs
produced for the secrets.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from pipeline.errors import PipelineError

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TOKEN = "volc-SECRET-token-5f1c"
WRONG = "volc-WRONG-token-77aa"
TG_SECRET = "sk-SECRET-tg-93d0"
YINZI_KEY = "yz-SECRET-key-41be"
SECRETS = (TOKEN, WRONG, TG_SECRET, YINZI_KEY)

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture()
def sandbox():
    from pipeline.sandbox import (
        SandboxConfig,
        SandboxServer,
        TranscriptGenerateConfig,
        VolcengineConfig,
        YinziConfig,
    )

    config = SandboxConfig(vendors={
        "volcengine": VolcengineConfig(appid="app-live", token=TOKEN),
        "transcriptgenerate": TranscriptGenerateConfig(api_key="ak-live", api_secret=TG_SECRET),
        "yinzi": YinziConfig(api_key=YINZI_KEY),
    })
    with SandboxServer(config) as server:
        yield server


class AllLogs:
    """Every record of every logger (Prefect's loggers do not propagate to the root, so caplog misses them)."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setLevel(logging.DEBUG)
        self.loggers: list[tuple[logging.Logger, int]] = []

    def attach(self) -> None:
        names = ["", "httpx", "httpcore", "pipeline", "flows", *logging.root.manager.loggerDict]
        for name in dict.fromkeys(names):
            logger = logging.getLogger(name)
            self.loggers.append((logger, logger.level))
            logger.addHandler(self.handler)
            logger.setLevel(logging.DEBUG)

    def detach(self) -> None:
        for logger, level in self.loggers:
            logger.removeHandler(self.handler)
            logger.setLevel(level)

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture()
def all_logs():
    logs = AllLogs()
    logs.attach()
    yield logs
    logs.detach()


def everything_produced(out_dir: Path, logs: AllLogs) -> str:
    from prefect.client.orchestration import get_client

    texts = [logs.text]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in out_dir.rglob("*") if p.is_file()
              and p.suffix in {".srt", ".vtt", ".json", ".txt", ".ass"}]
    with get_client(sync_client=True) as client:
        texts += [str(a.data) + str(a.description) for a in client.read_artifacts()]
        texts += [repr(run.parameters) for run in client.read_flow_runs()]
        texts += [log.message for log in client.read_logs()]
    return "\n".join(texts)


def test_live_runs_leak_no_secret(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, all_logs: AllLogs) -> None:
    from flows.caption import caption_media
    from flows.links import caption_link

    monkeypatch.setenv("VOLCENGINE_BASE_URL", f"{sandbox.base_url}/api/v1/vc")
    monkeypatch.setenv("VOLCENGINE_APPID", "app-live")
    monkeypatch.setenv("VOLCENGINE_TOKEN", TOKEN)
    monkeypatch.setenv("TRANSCRIPTGENERATE_BASE_URL", f"{sandbox.base_url}/open-gateway")
    monkeypatch.setenv("TRANSCRIPTGENERATE_API_KEY", "ak-live")
    monkeypatch.setenv("TRANSCRIPTGENERATE_API_SECRET", TG_SECRET)
    monkeypatch.setenv("YINZI_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("YINZI_API_KEY", YINZI_KEY)

    caption_media(media=str(SAMPLES / "en_demo.mp4"), output_dir=str(tmp_path), language="en-US", target="live",
                  formats=["srt", "json"])
    caption_link(share_text="https://v.douyin.com/iRNBho6u/", output_dir=str(tmp_path), target="live")
    caption_link(share_text="https://v.douyin.com/iRNBho6u/", output_dir=str(tmp_path / "y"), resolver="yinzi",
                 target="live")

    monkeypatch.setenv("VOLCENGINE_TOKEN", WRONG)
    with pytest.raises(PipelineError) as failure:
        caption_media(media=str(SAMPLES / "zh_demo.mp4"), output_dir=str(tmp_path / "bad"), target="live")
    assert "1002" in str(failure.value)

    produced = everything_produced(tmp_path, all_logs) + str(failure.value) + repr(failure.value)
    assert "HTTP Request" in all_logs.text  # httpx did log its request lines: they were searched too
    for secret in SECRETS:
        assert secret not in produced


def test_credentials_block_keeps_the_token_out_of_run_parameters(sandbox, tmp_path: Path, all_logs: AllLogs) -> None:
    from flows.blocks import VolcengineCredentialsBlock
    from flows.caption import caption_media

    VolcengineCredentialsBlock(appid="app-live", token=TOKEN, base_url=f"{sandbox.base_url}/api/v1/vc").save(
        "volc-test", overwrite=True)
    assert TOKEN not in repr(VolcengineCredentialsBlock.load("volc-test"))
    result = caption_media(media=str(SAMPLES / "en_demo.mp4"), output_dir=str(tmp_path), language="en-US",
                           target="live", credentials_block="volc-test")
    assert Path(result.outputs["srt"]).is_file()
    produced = everything_produced(tmp_path, all_logs)
    assert "submitted as vendor task" in produced and TOKEN not in produced
