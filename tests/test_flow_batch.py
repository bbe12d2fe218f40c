"""The batch flow: failure isolation, skip-finished, retry-only-failed, artifacts, no double submission."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from flows.batch_state import BatchState
from pipeline.errors import InputError, PipelineError
from pipeline.sources import collect_inputs, output_names

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_output_names_are_distinct_per_source() -> None:
    rows = [{"source": "/a/intro.mp4"}, {"source": "/b/intro.mp4"}, {"source": "/c/outro.mov"},
            {"source": "https://cdn.test/x/intro.mp4"}, {"source": "/d/z.mp4", "output_name": "custom"}]
    names = output_names(rows)
    assert len(set(names.values())) == len(rows)
    assert names["/a/intro.mp4"] == "intro" and names["/b/intro.mp4"] == "intro-2" and names["/d/z.mp4"] == "custom"


def test_collect_inputs_merges_and_dedupes(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"x")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"source,language\n{tmp_path / 'a.mp4'},en-US\nhttps://v.douyin.com/abc/,\n")
    rows = collect_inputs([str(tmp_path / "a.mp4")], str(tmp_path), "*.mp4", str(manifest))
    assert [r["source"] for r in rows] == [str(tmp_path / "a.mp4"), "https://v.douyin.com/abc/"]
    with pytest.raises(InputError, match="batch is empty"):
        collect_inputs([], None, "*", None)


def test_state_file_knows_finished_and_failed(tmp_path: Path) -> None:
    from flows.batch_state import ItemResult

    out = tmp_path / "x.srt"
    out.write_text("1")
    state = BatchState(tmp_path / ".batch.json")
    state.record(ItemResult("a", "done", outputs={"srt": str(out)}, options="opts1"))
    state.record(ItemResult("b", "failed", error="boom", row={"source": "b", "language": "en-US"}))
    state.record(ItemResult("c", "in_doubt", error="answer lost"))
    again = BatchState(tmp_path / ".batch.json")
    assert again.finished("a", "opts1") and not again.finished("b", "opts1")
    assert not again.finished("a", "opts2")  # other options (formats, language, line rules): redone
    assert again.rows(("failed",)) == [{"source": "b", "language": "en-US"}]  # manifest columns kept for the rerun
    assert again.rows(("failed", "in_doubt")) == [{"source": "b", "language": "en-US"}, {"source": "c"}]
    out.unlink()
    assert not BatchState(tmp_path / ".batch.json").finished("a", "opts1")  # a deleted output is redone


def test_the_fingerprint_follows_the_options_that_shape_outputs() -> None:
    from flows.batch_state import options_fingerprint

    base = {"language": "zh-CN", "formats": ["srt", "vtt"], "burn_preset": "auto"}
    assert options_fingerprint(base) == options_fingerprint(dict(reversed(list(base.items()))))
    assert options_fingerprint(base) != options_fingerprint({**base, "formats": ["srt", "ass"]})
    assert options_fingerprint(base) != options_fingerprint({**base, "language": "en-US"})


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_batch_isolates_failures_skips_done_and_retries_only_failed(tmp_path: Path, silent_wav: Path) -> None:
    from prefect.artifacts import Artifact

    from flows.batch import caption_batch, run_batch
    from pipeline.sandbox import SandboxServer

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "zh_demo.mp4", folder / "zh_demo.mp4")
    shutil.copy(SAMPLES / "zh_demo.mp4", folder / "第二 段.mp4")
    (folder / "broken.mp4").write_text("not a video")
    shutil.copy(silent_wav, folder / "quiet.wav")
    out = tmp_path / "out"
    with SandboxServer() as sandbox:
        state = caption_batch(folder=str(folder), output_dir=str(out), sandbox_url=sandbox.base_url, concurrency=2,
                              return_state=True)
        assert state.is_failed() and state.message.startswith("batch: 2 done, 2 failed, 0 already done (of 4); paid: ")
        first = state.result(raise_on_failure=False)
        assert (first.total, first.done, first.failed) == (4, 2, 2)
        errors = {Path(r.source).name: r.error for r in first.items if r.status == "failed"}
        assert "not a readable video or audio file" in errors["broken.mp4"]
        assert "audio is silent" in errors["quiet.wav"]
        assert (out / "第二 段.srt").is_file() and (out / "zh_demo.srt").is_file()
        # The same audio twice in one batch is one job.
        assert sandbox.state.submissions.total == 1

        second = run_batch(folder=str(folder), output_dir=str(out), sandbox_url=sandbox.base_url)
        assert (second.done, second.skipped, second.failed) == (0, 2, 2)

        (folder / "broken.mp4").unlink()
        shutil.copy(SAMPLES / "en_demo.mp4", folder / "broken.mp4")
        third = run_batch(output_dir=str(out), sandbox_url=sandbox.base_url, retry_failed_only=True, language="en-US")
        assert {Path(r.source).name: r.status for r in third.items} == {"broken.mp4": "done", "quiet.wav": "failed"}
        assert sandbox.state.submissions.total == 2 and sandbox.state.submissions.duplicates() == {}

    table = Artifact.get("batch-items")
    assert table is not None and "quiet.wav" in str(table.data) and "broken.mp4" in str(table.data)
    progress = Artifact.get("batch-progress")
    assert progress is not None and float(progress.data) == 100.0


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_batch_of_links_checks_quota_first_and_sizes_the_limit(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    from flows.batch import caption_batch
    from pipeline.sandbox import SandboxConfig, SandboxServer, TranscriptGenerateConfig

    links = ["https://v.douyin.com/aaa111/", "https://v.douyin.com/bbb222/", "https://v.douyin.com/ccc333/"]
    tight = SandboxConfig(vendors={"transcriptgenerate": TranscriptGenerateConfig(total_seconds=100, max_concurrency=3)})
    with SandboxServer(tight) as sandbox:
        with pytest.raises(PipelineError, match="3 link.s. need about 6 min but 1.7 min are left"):
            caption_batch(inputs=links, output_dir=str(tmp_path), sandbox_url=sandbox.base_url)
        assert sandbox.state.submissions.total == 0  # refused before anything was submitted
        summary = caption_batch(inputs=links[:1], output_dir=str(tmp_path), sandbox_url=sandbox.base_url,
                                expected_seconds_per_link=30)
        assert summary.done == 1
        # Named as `link` names it (title, then a short hash of the link), not after the URL's last segment.
        stem = Path(summary.items[0].outputs["srt"]).stem
        assert re.fullmatch(r".+-[0-9a-f]{6}", stem) and "aaa111" not in stem, stem
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name("vendor-transcriptgenerate").limit == 3


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("child_flow_runs", [False, True])
def test_items_run_inline_unless_child_flow_runs_are_asked_for(tmp_path: Path, child_flow_runs: bool) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )

    from flows.batch import caption_batch
    from pipeline.sandbox import SandboxServer

    out = tmp_path / "out"
    with SandboxServer() as sandbox:
        state = caption_batch(inputs=[str(SAMPLES / "zh_demo.mp4"), str(SAMPLES / "en_demo.mp4")], output_dir=str(out),
                              sandbox_url=sandbox.base_url, child_flow_runs=child_flow_runs, return_state=True)
    summary = state.result()
    assert (summary.done, summary.failed) == (2, 0)
    assert (out / "zh_demo.srt").is_file() and (out / "en_demo.vtt").is_file()
    batch_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[batch_run_id])))
        run_ids = [batch_run_id, *(c.id for c in children)]
        # Task run states arrive as events, recorded shortly after the run: poll, with a deadline.
        deadline = time.monotonic() + 30
        while True:
            runs = [t.name for t in client.read_task_runs(
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=run_ids)))]
            names = [name.rsplit("-", 1)[0] for name in runs]
            # Each item's task run is named after the item (not caption-item-<n>).
            items = {"zh_demo.mp4", "en_demo.mp4"} <= set(runs)
            if items and (not child_flow_runs or names.count("write-subtitles") == 2):
                break
            assert time.monotonic() < deadline, f"task runs never showed up: {names}"
            time.sleep(0.2)
    assert len(children) == (2 if child_flow_runs else 0)
    # Inline, an item is its one caption-item task run: no step task runs anywhere.
    assert ("prepare-audio" in names) == child_flow_runs


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_new_options_redo_the_local_steps_and_reuse_the_paid_job(tmp_path: Path) -> None:
    from flows.batch import run_batch
    from pipeline.sandbox import SandboxServer

    out = tmp_path / "out"
    clip = str(SAMPLES / "zh_demo.mp4")
    with SandboxServer() as sandbox:
        first = run_batch(inputs=[clip], output_dir=str(out), sandbox_url=sandbox.base_url, burn_preset="none")
        again = run_batch(inputs=[clip], output_dir=str(out), sandbox_url=sandbox.base_url, burn_preset="none")
        more = run_batch(inputs=[clip], output_dir=str(out), sandbox_url=sandbox.base_url, burn_preset="none",
                         formats=["srt", "ass"])
        forced = run_batch(inputs=[clip], output_dir=str(out), sandbox_url=sandbox.base_url, burn_preset="none",
                           formats=["srt", "ass"], force=True)
        assert sandbox.state.submissions.total == 1  # one paid job for all four runs
    assert (first.done, again.skipped, more.done, forced.done) == (1, 1, 1, 1)
    assert (out / "zh_demo.ass").is_file()
    assert more.items[0].reused_task and forced.items[0].reused_task


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_an_in_doubt_item_is_counted_and_never_resubmitted_on_its_own(tmp_path: Path) -> None:
    from flows.batch import run_batch
    from pipeline.sandbox import FaultConfig, SandboxConfig, SandboxServer

    out = tmp_path / "out"
    lost = FaultConfig(drop_rate=1.0, drop_after_handling=True, endpoints="volcengine.caption.submit")
    with SandboxServer(SandboxConfig(faults=lost)) as sandbox:
        kwargs = {"output_dir": str(out), "sandbox_url": sandbox.base_url, "burn_preset": "none"}
        first = run_batch(inputs=[str(SAMPLES / "zh_demo.mp4")], **kwargs)
        assert (first.done, first.failed, first.in_doubt) == (0, 0, 1)
        assert "may have accepted it and will charge it" in first.items[0].error
        assert "1 in doubt" in first.line()
        rerun = run_batch(inputs=[str(SAMPLES / "zh_demo.mp4")], **kwargs)
        retried = run_batch(retry_failed_only=True, **kwargs)
        assert rerun.in_doubt == 1 and retried.total == 0
        assert sandbox.state.submissions.total == 1  # neither the rerun nor --retry-failed paid again
        deliberate = run_batch(retry_failed_only=True, resubmit_in_doubt=True, **kwargs)
        assert deliberate.total == 1 and sandbox.state.submissions.total == 2  # sent again, on request only


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_paid_job_whose_result_is_late_waits_and_is_never_a_failed_item(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The vendor accepted the job, then its query endpoint fails for longer than every retry:
    # the item is "waiting on the vendor", and the next run collects it without paying again.
    import functools

    from flows import tasks
    from flows.batch import run_batch
    from pipeline.sandbox import FaultConfig, SandboxConfig, SandboxServer
    from pipeline.vendors.http import RetryPolicy

    monkeypatch.setattr(tasks.wait_volcengine, "retry_delay_seconds", [0.01])
    # The request layer's own backoff too: the test is about giving up, not about how long it takes.
    monkeypatch.setattr(tasks, "open_client", functools.partial(
        tasks.open_client, retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01)))
    out = tmp_path / "out"
    down = FaultConfig(http_5xx_rate=1.0, endpoints="volcengine.caption.query")
    with SandboxServer(SandboxConfig(faults=down)) as sandbox:
        kwargs = {"output_dir": str(out), "sandbox_url": sandbox.base_url, "burn_preset": "none"}
        first = run_batch(inputs=[str(SAMPLES / "zh_demo.mp4")], **kwargs)
        assert (first.done, first.failed, first.pending) == (0, 0, 1)
        assert not first.ok and "1 waiting on the vendor" in first.line()
        item = first.items[0]
        assert item.status == "pending" and item.task_id and "HTTP 503" in item.error
        sandbox.state.faults.config = FaultConfig()  # the vendor answers again
        second = run_batch(retry_failed_only=True, **kwargs)
        assert (second.done, second.pending) == (1, 0)
        assert second.items[0].task_id == item.task_id and second.items[0].reused_task
        assert sandbox.state.submissions.total == 1  # paid once
        assert (out / "zh_demo.srt").is_file()


def test_a_watch_folder_may_be_empty(tmp_path: Path) -> None:
    assert collect_inputs(None, str(tmp_path), "*.mp4", None, allow_empty=True) == []


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_watch_folder_is_created_and_nothing_new_is_not_a_failure(tmp_path: Path) -> None:
    from flows.batch import run_batch

    inbox = tmp_path / "inbox"  # a fresh clone: the deployments' inbox/ does not exist yet
    summary = run_batch(folder=str(inbox), pattern="*.mp4", output_dir=str(tmp_path / "out"), watch=True)
    assert inbox.is_dir() and summary.ok and summary.total == 0
    with pytest.raises(InputError, match="not a folder"):  # without watch a missing folder is still a typo
        run_batch(folder=str(tmp_path / "typo"), output_dir=str(tmp_path / "out"))


def test_the_items_table_puts_the_reason_first_and_no_duration_on_skipped_rows() -> None:
    from flows.batch_report import table_rows
    from flows.batch_state import ItemResult

    source = "/data/in/very/long/folder/name/broken.mp4"
    rows = table_rows([
        ItemResult(source, "failed", label="broken.mp4",
                   error=f"{source}: not a readable video or audio file (moov atom not found); check it plays"),
        ItemResult("https://v.douyin.com/x/", "failed", error="/out/downloads/x.mp4: audio is silent (peak -91 dBFS)"),
        ItemResult("/in/a.mp4", "failed", error="volcengine caption submit: HTTP 503"),
        ItemResult("/in/b.mp4", "skipped", label="b.mp4", duration_s=0.0),
        ItemResult("/in/c.mp4", "done", label="c.mp4", duration_s=12.34),
    ])
    assert rows[0]["error"] == "not a readable video or audio file (moov atom not found); check it plays"
    assert rows[1]["error"] == "audio is silent (peak -91 dBFS) (x.mp4)"
    assert rows[2]["error"] == "volcengine caption submit: HTTP 503"
    assert [r["duration (s)"] for r in rows] == ["", "", "", "", 12.3]


def test_item_task_runs_are_named_after_the_item() -> None:
    from flows.batch import item_run_name

    def name(source: str) -> str:
        return item_run_name({"row": {"source": source}, "output_name": "x"})

    assert name("/data/in/第二 段.mp4") == "第二 段.mp4"
    assert name("https://v.douyin.com/abc123/") == "v.douyin.com/abc123"
    assert name("3.05 复制打开抖音，看看【标题】 https://v.douyin.com/abc123/ 复制此链接") == "v.douyin.com/abc123"
    assert len(name("https://cdn.test/" + "x" * 200 + ".mp4")) == 60


def test_the_quota_refusal_counts_seconds_and_names_an_option_that_exists() -> None:
    from flows.batch import quota_refusal
    from flows.cli import build_parser

    message = str(quota_refusal(3, 120, 10))
    assert "3 link(s) need about 6 min but 10 s are left" in message
    assert "--expected-seconds-per-link" in message and "expected_seconds_per_link" in message
    args = build_parser().parse_args(["batch", "x.mp4", "--expected-seconds-per-link", "30"])
    assert args.expected_seconds_per_link == 30.0


def test_output_names_mirror_the_folder_tree_and_keep_earlier_names(tmp_path: Path) -> None:
    for sub in ("a", "b", "b/c"):
        (tmp_path / sub).mkdir(exist_ok=True)
    for name in ("a/clip.mp4", "b/clip.mp4", "b/c/clip.mp4", "clip.mp4"):
        (tmp_path / name).write_bytes(b"x")
    rows = collect_inputs(None, str(tmp_path), "**/*.mp4", None)
    names = output_names(rows, str(tmp_path))
    assert sorted(names.values()) == ["a/clip", "b/c/clip", "b/clip", "clip"]
    # A rerun keeps the names it recorded, and a new item never takes an old one's name.
    later = output_names([{"source": "/elsewhere/clip.mp4"}, *rows], str(tmp_path),
                         known={str(tmp_path / "clip.mp4"): "clip", "/gone/old.mp4": "old"})
    assert later[str(tmp_path / "clip.mp4")] == "clip" and later["/elsewhere/clip.mp4"] == "clip-2"
    assert output_names([{"source": "/x/old.mp4"}], known={"/gone/old.mp4": "old"}) == {"/x/old.mp4": "old-2"}


def test_a_share_link_is_named_by_the_link_flow_in_a_batch_too() -> None:
    assert output_names([{"source": "https://v.douyin.com/abc123/"}]) == {"https://v.douyin.com/abc123/": ""}


def test_duplicate_inputs_are_reported(tmp_path: Path) -> None:
    from pipeline.sources import gather_inputs

    (tmp_path / "a.mp4").write_bytes(b"x")
    rows, duplicates = gather_inputs([str(tmp_path / "a.mp4"), str(tmp_path / "a.mp4")], str(tmp_path), "*.mp4", None)
    assert [r["source"] for r in rows] == [str(tmp_path / "a.mp4")]
    assert duplicates == [str(tmp_path / "a.mp4")] * 2


def test_a_file_in_a_subfolder_is_labelled_with_its_place() -> None:
    from flows.batch import item_run_name
    from flows.batch_state import item_label

    assert item_label("/in/a/clip.mp4", "a/clip") == "a/clip.mp4"
    assert item_label("/in/clip.mp4", "clip-2") == "clip.mp4"
    assert item_run_name({"row": {"source": "/in/b/clip.mp4"}, "output_name": "b/clip"}) == "b/clip.mp4"


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_each_item_records_what_it_cost_and_a_budget_refuses_before_paying(tmp_path: Path) -> None:
    from prefect.artifacts import Artifact

    from flows.batch import run_batch
    from pipeline.errors import BudgetExceededError
    from pipeline.sandbox import SandboxServer

    out = tmp_path / "out"
    with SandboxServer() as sandbox:
        kwargs = {"inputs": [str(SAMPLES / "zh_demo.mp4")], "output_dir": str(out), "sandbox_url": sandbox.base_url,
                  "burn_preset": "none"}
        with pytest.raises(BudgetExceededError, match="volcengine needs about 24.5 audio s but the budget is 10"):
            run_batch(budget={"volcengine": 10}, **kwargs)
        assert sandbox.state.submissions.total == 0
        first = run_batch(budget={"volcengine": 60}, **kwargs)
        assert first.items[0].costs == {"volcengine": pytest.approx(24.5, abs=0.2)}
        assert "paid: 24.5 audio s (volcengine)" in first.line()
        table = Artifact.get("batch-items")
        assert table is not None and "24.5 audio s (volcengine)" in str(table.data)
        again = run_batch(force=True, budget={"volcengine": 10}, **kwargs)  # the job is reused: nothing to pay
        assert again.items[0].reused_task and again.items[0].costs == {} and "paid: nothing" in again.line()
        assert sandbox.state.submissions.total == 1


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_rerun_on_the_embedded_sandbox_resumes_the_job_instead_of_paying_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each run starts its own embedded sandbox on a new port; the ledger keys on the account.
    from flows.caption import caption_media

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # where the sandbox keeps finished jobs
    kwargs = {"media": str(SAMPLES / "zh_demo.mp4"), "output_dir": str(tmp_path / "out"), "burn_preset": "none"}
    first = caption_media(**kwargs)
    second = caption_media(**kwargs)
    assert not first.reused_task and second.reused_task and second.task_id == first.task_id
    assert (tmp_path / "out" / "zh_demo.srt").read_text(encoding="utf-8").strip()


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_reused_job_the_vendor_no_longer_knows_is_submitted_again_once(tmp_path: Path) -> None:
    import json

    from flows.caption import caption_media
    from pipeline.sandbox import SandboxServer

    out = tmp_path / "out"
    kwargs = {"media": str(SAMPLES / "zh_demo.mp4"), "output_dir": str(out), "burn_preset": "none"}
    with SandboxServer() as forgetful:
        first = caption_media(sandbox_url=forgetful.base_url, **kwargs)
    with SandboxServer() as other:  # knows nothing of the first one's jobs
        second = caption_media(sandbox_url=other.base_url, **kwargs)
        assert other.state.submissions.total == 1
    assert second.task_id != first.task_id and not second.reused_task
    entries = list(json.loads((out / ".jobs.json").read_text(encoding="utf-8")).values())
    assert [(e["status"], e.get("expired_jobs")) for e in entries] == [("done", 1)]


def test_a_folder_tree_is_mirrored_and_a_rerun_skips_it(tmp_path: Path) -> None:
    from flows.batch import run_batch
    from pipeline.sandbox import SandboxServer

    folder = tmp_path / "in"
    for sub in ("a", "b"):
        (folder / sub).mkdir(parents=True)
        shutil.copy(SAMPLES / "zh_demo.mp4", folder / sub / "clip.mp4")
    out = tmp_path / "out"
    with SandboxServer() as sandbox:
        kwargs = {"folder": str(folder), "pattern": "**/*.mp4", "output_dir": str(out), "sandbox_url": sandbox.base_url,
                  "burn_preset": "none"}
        first = run_batch(**kwargs)
        assert first.done == 2 and (out / "a" / "clip.srt").is_file() and (out / "b" / "clip.srt").is_file()
        assert sorted(r.label for r in first.items) == ["a/clip.mp4", "b/clip.mp4"]
        again = run_batch(**kwargs)
        assert (again.done, again.skipped) == (0, 2)
