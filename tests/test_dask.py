"""The batch flow on a Dask cluster (``prefect-dask``), and what must pickle for worker processes.

Why: large batches may move onto Dask workers. In-process (thread) workers share everything
with the flow; worker processes receive every task's inputs and send back every result by
pickle, so those values must round-trip — checked here without starting processes.
"""

from __future__ import annotations

import pickle
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipeline.media import tools

pytest.importorskip("prefect_dask")

ROOT = Path(__file__).resolve().parents[1]


def make_tone(target: Path, frequency: int) -> Path:
    subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=frequency={frequency}:duration=1.5", "-ac", "1", "-ar", "16000", str(target)], check=True)
    return target


def test_task_runner_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from flows.runners import task_runner_from_settings
    from pipeline.errors import InputError

    monkeypatch.delenv("SUBTITLE_PIPELINE_TASK_RUNNER", raising=False)
    default = task_runner_from_settings()
    assert isinstance(default, ThreadPoolTaskRunner) and default._max_workers == 16
    monkeypatch.setenv("SUBTITLE_PIPELINE_TASK_RUNNER", "dask")
    monkeypatch.setenv("SUBTITLE_PIPELINE_DASK_WORKERS", "3")
    runner = task_runner_from_settings()
    assert isinstance(runner, DaskTaskRunner)
    assert runner.cluster_kwargs["n_workers"] == 3 and runner.cluster_kwargs["processes"] is False
    monkeypatch.setenv("SUBTITLE_PIPELINE_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    assert task_runner_from_settings().address == "tcp://127.0.0.1:8786"
    monkeypatch.setenv("SUBTITLE_PIPELINE_TASK_RUNNER", "ray")
    with pytest.raises(InputError, match="use thread or dask"):
        task_runner_from_settings()


def test_values_crossing_worker_processes_pickle(tmp_path: Path) -> None:
    """Task inputs and results of the batch and caption flows survive a pickle round trip."""
    from flows.batch_state import BatchSummary, ItemResult
    from flows.caption import CaptionResult
    from flows.connections import connection
    from pipeline.media import extract, probe
    from pipeline.vendors.volcengine import CaptionOptions

    clip = make_tone(tmp_path / "tone.wav", 440)
    info = probe.probe(clip)
    audio = extract.extract_audio(info, tmp_path / "audio")
    item = ItemResult(source=str(clip), status="done", outputs={"srt": "x.srt"}, task_id="t")
    values: list[Any] = [
        item, BatchSummary(1, 1, 0, 0, [item], "s"), info, audio, CaptionOptions(language="en-US"),
        connection("volcengine", "sandbox", "http://127.0.0.1:1"),
        CaptionResult(str(clip), {"srt": "x.srt"}, "t", False, str(audio.path), "copied", 1.5, 2),
    ]
    for value in values:
        assert pickle.loads(pickle.dumps(value)) == value


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_batch_runs_on_a_local_dask_cluster(tmp_path: Path) -> None:
    from prefect_dask import DaskTaskRunner

    from flows.batch import caption_batch
    from pipeline.sandbox import SandboxConfig, SandboxServer

    clips = [str(make_tone(tmp_path / f"tone-{i}.wav", 330 + 110 * i)) for i in range(3)]
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 2, "processes": False,
                                            "dashboard_address": None})
    with SandboxServer(SandboxConfig(processing_ms=200, processing_ms_per_audio_s=0)) as sandbox:
        summary = caption_batch.with_options(task_runner=runner)(
            inputs=clips, output_dir=str(tmp_path / "out"), sandbox_url=sandbox.base_url, concurrency=2)
        assert (summary.done, summary.failed) == (3, 0), [item.error for item in summary.items]
        assert all(Path(p).is_file() for item in summary.items for p in item.outputs.values())
        assert sandbox.state.submissions.total == 3 and sandbox.state.submissions.duplicates() == {}
