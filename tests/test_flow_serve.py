"""Deployments (``prefect.yaml`` and ``flows.serve``): what a fresh clone needs for them to run."""

from __future__ import annotations

import importlib
import inspect
import subprocess
from pathlib import Path

import pytest
import yaml

from flows.serve import ServeOptions, build_deployments

ROOT = Path(__file__).resolve().parents[1]


def yaml_deployments() -> list[dict[str, object]]:
    return list(yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"])


def test_every_prefect_yaml_parameter_is_one_its_flow_takes() -> None:
    for deployment in yaml_deployments():
        module, name = str(deployment["entrypoint"]).split(":")
        flow = getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), name)
        taken = inspect.signature(flow.fn).parameters
        params = deployment.get("parameters") or {}
        assert isinstance(params, dict)
        assert set(params) <= set(taken), (deployment["entrypoint"], set(params) - set(taken))


def test_the_batch_deployments_create_their_watch_folder() -> None:
    batches = [d for d in yaml_deployments() if str(d["entrypoint"]).endswith(":caption_batch")]
    assert {d["name"] for d in batches} == {"ui", "nightly"}
    assert all((d.get("parameters") or {}).get("watch") is True for d in batches)  # type: ignore[union-attr]
    served = [d for d in build_deployments(ServeOptions()) if d.flow_name == "caption-batch"]
    assert len(served) == 2 and all((d.parameters or {}).get("watch") is True for d in served)


def test_the_inbox_is_ignored_by_git() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", "inbox/new.mp4"], cwd=ROOT, check=False)
    assert ignored.returncode == 0


def test_serving_over_a_pool_deployment_warns_and_says_how_to_give_it_back() -> None:
    from flows.serve import takeover_warnings

    lines = takeover_warnings({"caption-batch/nightly": "local", "caption-media/ui": None})
    assert len(lines) == 1  # a deployment serve itself made earlier has no pool: no warning
    assert "caption-batch/nightly was deployed to work pool 'local'" in lines[0]
    assert "stopping serve pauses it" in lines[0] and "prefect deploy --all" in lines[0]


def test_serving_on_a_temporary_server_warns_and_points_at_prefect_server_start(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import flows.serve

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    served: list[object] = []
    monkeypatch.setattr(flows.serve, "serve_until_stopped", lambda deployments, limit: served.extend(deployments))
    monkeypatch.setattr("flows.logs.api_url", lambda: None)
    flows.serve.serve(ServeOptions(watch_folder=str(tmp_path / "inbox"), only=("caption-media/ui",)))
    err = capsys.readouterr().err
    assert len(served) == 1 and "PREFECT_API_URL is not set" in err and "`prefect server start`" in err
