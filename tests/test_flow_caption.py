"""End to end: the caption flow under a real (test) Prefect server against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pysrt
import pytest
import webvtt

from pipeline.media import tools

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def bare(text: str) -> str:
    """Text without punctuation or white space: what must survive segmentation and wrapping."""
    return re.sub(r"[\W_]+", "", text).lower()


def cue_text_srt(path: Path) -> str:
    return "".join(item.text for item in pysrt.open(str(path), encoding="utf-8"))


def cue_text_vtt(path: Path) -> str:
    return "".join(caption.text for caption in webvtt.read(str(path)))


@pytest.fixture(scope="module")
def sandbox():
    from pipeline.sandbox import SandboxServer

    with SandboxServer() as server:
        yield server


@pytest.mark.parametrize("name, language", [("zh_demo", "zh-CN"), ("en_demo", "en-US")])
def test_sample_becomes_srt_and_vtt_with_its_transcript(name: str, language: str, tmp_path: Path) -> None:
    from flows.caption import caption_media

    result = caption_media(media=str(SAMPLES / f"{name}.mp4"), output_dir=str(tmp_path), language=language,
                           formats=["srt", "vtt", "json"])
    srt, vtt = Path(result.outputs["srt"]), Path(result.outputs["vtt"])
    expected = bare((SAMPLES / f"{name}.txt").read_text(encoding="utf-8"))
    assert bare(cue_text_srt(srt)) == expected
    assert bare(cue_text_vtt(vtt)) == expected
    assert not srt.read_bytes().startswith(b"\xef\xbb\xbf")
    items = pysrt.open(str(srt), encoding="utf-8")
    assert all(a.end <= b.start for a, b in zip(items, items[1:], strict=False))
    assert result.audio_reason and result.task_id and not result.reused_task


def test_rerun_reuses_the_vendor_task_instead_of_paying_twice(sandbox, tmp_path: Path) -> None:
    from flows.caption import caption_media

    media = str(SAMPLES / "zh_demo.mp4")
    first = caption_media(media=media, output_dir=str(tmp_path), sandbox_url=sandbox.base_url)
    second = caption_media(media=media, output_dir=str(tmp_path), sandbox_url=sandbox.base_url)
    assert second.reused_task and second.task_id == first.task_id
    assert sandbox.state.submissions.total == 1 and sandbox.state.submissions.duplicates() == {}


def test_summary_artifact_names_input_audio_task_and_outputs(tmp_path: Path) -> None:
    from prefect.artifacts import Artifact

    from flows.caption import caption_media

    result = caption_media(media=str(SAMPLES / "en_demo.mp4"), output_dir=str(tmp_path), language="en-US")
    artifact = Artifact.get("caption-summary")
    assert artifact is not None
    text = str(artifact.data)
    assert "en_demo.mp4" in text and result.task_id in text and result.outputs["srt"] in text


def test_silent_input_fails_with_one_line_and_no_traceback(silent_wav: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import EXIT_USER_ERROR, main

    code = main(["caption", str(silent_wav), "-o", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == EXIT_USER_ERROR
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert re.search(r"silence\.wav \(audio track [^)]*\): audio is silent", err)
    assert "Traceback" not in out + err


def test_cli_prints_the_paths_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    assert main(["caption", str(SAMPLES / "zh_demo.mp4"), "-o", str(tmp_path)]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    # The delivery files, then the burn-ready ASS cut for the clip's own frame.
    assert [Path(p).name for p in printed] == ["zh_demo.srt", "zh_demo.vtt", "zh_demo.burn.ass"]
    assert all(Path(p).is_file() for p in printed)


def test_english_without_l_is_not_wrapped_as_chinese_in_silence(tmp_path: Path) -> None:
    import logging

    from flows.cli import main

    seen: list[str] = []

    class Keep(logging.Filter):  # a filter: Prefect's logging setup replaces handlers, never filters
        def filter(self, record: logging.LogRecord) -> bool:
            if record.levelno == logging.WARNING and "recognised text" in record.getMessage():
                seen.append(record.getMessage())
            return True

    keep = Keep()
    logging.getLogger("prefect.flow_runs").addFilter(keep)
    try:
        assert main(["caption", str(SAMPLES / "en_demo.mp4"), "-o", str(tmp_path / "en")]) == 0
        [warning] = seen
        assert warning.startswith("en_demo.mp4: the recognised text is in Latin") and "-l en-US" in warning
        seen.clear()
        assert main(["caption", str(SAMPLES / "zh_demo.mp4"), "-o", str(tmp_path / "zh")]) == 0
        assert seen == []
    finally:
        logging.getLogger("prefect.flow_runs").removeFilter(keep)


def test_flow_runs_on_the_pypi_ffmpeg_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.caption import caption_media

    monkeypatch.setenv("SUBTITLE_PIPELINE_FFMPEG", tools.locate("ffmpeg", search_path="").path)
    monkeypatch.setenv("SUBTITLE_PIPELINE_FFPROBE", tools.locate("ffprobe", search_path="").path)
    tools.ffmpeg.cache_clear()
    tools.ffprobe.cache_clear()
    try:
        assert tools.locate("ffmpeg").origin == "env"
        result = caption_media(media=str(SAMPLES / "en_demo.mp4"), output_dir=str(tmp_path), language="en-US")
        assert bare(cue_text_srt(Path(result.outputs["srt"]))) == bare((SAMPLES / "en_demo.txt").read_text())
    finally:
        tools.ffmpeg.cache_clear()
        tools.ffprobe.cache_clear()


def test_dialogue_asks_for_speakers_and_writes_dialogue_cues(tmp_path: Path) -> None:
    """The dialogue sample (two voices, six quick turns): without the option its last two turns share a
    line; with it every turn starts a cue, and the two short last ones share a dialogue cue."""
    from flows.caption import caption_media

    media = str(SAMPLES / "zh_dialogue.mp4")
    plain = caption_media(media=media, output_dir=str(tmp_path / "plain"))
    dialogue = caption_media(media=media, output_dir=str(tmp_path / "dialogue"), dialogue=True)
    before = [item.text for item in pysrt.open(plain.outputs["srt"], encoding="utf-8")]
    after = [item.text for item in pysrt.open(dialogue.outputs["srt"], encoding="utf-8")]
    assert before[-1] == "楼下的面馆。走吧。"
    assert after == [*before[:-1], "-楼下的面馆。\n-走吧。"]
