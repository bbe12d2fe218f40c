"""A batch asked for a translation (``--translate`` per run, a ``translate`` column per manifest row)."""

from __future__ import annotations

import json
from pathlib import Path

import pysrt
import pysubs2
import pytest

from flows.cli import EXIT_USER_ERROR, main
from pipeline.sandbox import SandboxServer

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# The sandbox's Douyin stand-in serves the Chinese sample for this link.
ZH_SHARE = "3.21 复制打开抖音，看看【小红的作品】中文示例 https://v.douyin.com/abc/ x@y.Zz 10/12"


def accepted(sandbox: SandboxServer, api: str, key: str) -> int:
    """Submissions ``api`` accepted, counted once each (by content for Volcengine, by link for TranscriptGenerate)."""
    return sum(n for k, n in sandbox.state.submissions.by_api.items() if k.startswith(f"{api}|{key}:"))


@pytest.mark.parametrize(("source", "resolver", "message"), [
    (str(SAMPLES / "zh_demo.mp4"), "transcriptgenerate", "translate=en needs a share link"),
    (ZH_SHARE, "yinzi", "a translation comes from TranscriptGenerate; use resolver=transcriptgenerate"),
])
def test_an_item_that_cannot_be_translated_fails_alone_before_anything_is_paid(
        tmp_path: Path, source: str, resolver: str, message: str) -> None:
    from prefect.logging import disable_run_logger

    from flows.batch import caption_item

    options = {"formats": ["srt"], "burn_preset": "none", "resolver": resolver}
    with SandboxServer() as sandbox, disable_run_logger():
        item = caption_item.fn({"source": source, "translate": "en"}, "clip", options, str(tmp_path), sandbox.base_url)
        assert sandbox.state.submissions.total == 0
    assert item.status == "failed" and "\n" not in item.error
    assert message in item.error


def test_the_cli_refuses_a_bad_translation_code_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["batch", str(SAMPLES / "zh_demo.mp4"), "--translate", "English!", "-o", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_USER_ERROR
    assert err.count("\n") == 0 and "target_language='English!' is not a language code" in err


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_new_translation_target_redoes_the_local_steps_on_the_paid_caption_job(tmp_path: Path) -> None:
    from flows.batch import run_batch

    out = tmp_path / "out"
    with SandboxServer() as sandbox:
        kwargs = {"inputs": [ZH_SHARE], "output_dir": str(out), "sandbox_url": sandbox.base_url,
                  "formats": ["srt", "ass"], "burn_preset": "none"}
        plain = run_batch(**kwargs)
        english = run_batch(**kwargs, target_language="en")
        again = run_batch(**kwargs, target_language="en")
        # One Volcengine caption job for all three runs; TranscriptGenerate once per target language.
        assert accepted(sandbox, "volcengine.caption", "sha256") == 1
        assert accepted(sandbox, "transcriptgenerate.task", "url") == 2
    assert (plain.done, english.done, again.skipped) == (1, 1, 1)
    assert english.items[0].reused_task
    outputs = english.items[0].outputs
    assert {"en.srt", "en.ass", "bilingual.srt", "bilingual.ass", "bilingual.align"} <= set(outputs)
    assert not any(key.startswith("bilingual") or key.startswith("en.") for key in plain.items[0].outputs)
    english_text = (SAMPLES / "zh_demo.en.txt").read_text(encoding="utf-8").split()
    assert " ".join(i.text.replace("\n", " ") for i in pysrt.open(outputs["en.srt"], encoding="utf-8")).split() \
        == english_text
    assert set(pysubs2.load(outputs["bilingual.ass"]).styles) >= {"Default", "Secondary"}
    state = json.loads((out / ".batch.json").read_text(encoding="utf-8"))
    assert state[ZH_SHARE]["options"] == english.items[0].options != plain.items[0].options


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_manifest_row_translates_and_a_non_member_fails_only_that_item(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.sandbox import SandboxConfig, TranscriptGenerateConfig

    manifest = tmp_path / "list.csv"
    # The run asks for Japanese; the link's row says English, the file's row says none.
    manifest.write_text(f"source,translate,output_name\n\"{ZH_SHARE}\",en,clip\n{SAMPLES / 'en_demo.mp4'},auto,talk\n",
                        encoding="utf-8")
    member = tmp_path / "member"
    with SandboxServer() as sandbox:
        code = main(["batch", "--manifest", str(manifest), "--translate", "ja", "-o", str(member), "-f", "srt",
                     "--burn-preset", "none", "--sandbox-url", sandbox.base_url])
    assert code == 0, capsys.readouterr().err
    assert {p.name for p in member.glob("clip.*.srt")} == {"clip.en.srt", "clip.bilingual.srt"}
    assert (member / "talk.srt").is_file() and not list(member.glob("talk.*.srt"))

    config = SandboxConfig(vendors={"transcriptgenerate": TranscriptGenerateConfig(member=False)})
    refused = tmp_path / "refused"
    with SandboxServer(config) as sandbox:
        code = main(["batch", "--manifest", str(manifest), "--translate", "ja", "-o", str(refused), "-f", "srt",
                     "--burn-preset", "none", "--sandbox-url", sandbox.base_url])
    out = capsys.readouterr().out
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and "membership plan" in failed[0], out
    assert "1 done, 1 failed" in out and (refused / "talk.srt").is_file()
