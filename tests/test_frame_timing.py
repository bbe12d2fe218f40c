"""The video's own frame rate reaches the cue builder: gaps in its frames, times on its frames.

What the flows call (``flows.tasks.subtitle_rules`` and ``write_cue_files``) is run here without
Prefect on clips probed for real; the commands are checked through ``flows.cli.main`` with the
flow replaced, so only what the command passes on is asserted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flows.cli import EXIT_USER_ERROR, main
from flows.tasks import subtitle_rules, write_cue_files
from pipeline.media.probe import parse_probe, probe
from pipeline.subtitles import Cue, read_cues
from pipeline.transcript import Transcript, Utterance, Word

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
FrameClip = Callable[..., Path]


def sentence(text: str, start_ms: int, word_ms: int = 300) -> Utterance:
    words = tuple(Word(w.strip(".,"), start_ms + k * word_ms, start_ms + (k + 1) * word_ms - 20)
                  for k, w in enumerate(text.split()))
    return Utterance(text, start_ms, words[-1].end_ms, words)


def talk() -> Transcript:
    """Three sentences, 213 ms and 157 ms apart: both gaps get closed to two frames."""
    a = sentence("Welcome to the subtitle pipeline.", 1013)
    b = sentence("This clip tests the timing.", a.end_ms + 213)
    c = sentence("Thank you for watching.", b.end_ms + 157)
    return Transcript((a, b, c), language="en-US")


def gaps(cues: list[Cue]) -> list[int]:
    return [b.start_ms - a.end_ms for a, b in zip(cues, cues[1:], strict=False)]


def frame_error_ms(time_ms: int, fps: float) -> float:
    frame_ms = 1000 / fps
    return abs(time_ms - round(time_ms / frame_ms) * frame_ms)


# --------------------------------------------------------------------------- the probed rate


@pytest.mark.parametrize(("fps", "expected"), [("30000/1001", 29.97), ("60", 60.0), ("24000/1001", 23.976)])
def test_a_clip_reports_its_frame_rate(frame_clip: FrameClip, fps: str, expected: float) -> None:
    assert probe(frame_clip(160, 90, fps=fps, seconds=1)).frame_rate == pytest.approx(expected, abs=0.001)


def test_audio_only_and_implausible_rates_have_no_frame_rate(tone_wav: Path, tmp_path: Path) -> None:
    assert probe(tone_wav).frame_rate is None
    (tmp_path / "x.mp4").write_bytes(b"x")
    for rate in ("1000/1", "1/1", "0/0"):  # a time base, a slideshow, unknown
        stream = {"index": 0, "codec_type": "video", "codec_name": "h264", "width": 4, "height": 2,
                  "avg_frame_rate": rate, "r_frame_rate": rate}
        assert parse_probe(tmp_path / "x.mp4", {"format": {}, "streams": [stream]}).frame_rate is None, rate


def test_the_vertical_samples_have_phone_frame_rates() -> None:
    assert probe(SAMPLES / "zh_demo.vertical-rotated.mp4").frame_rate == pytest.approx(30.0)
    assert probe(SAMPLES / "en_demo.vertical.mp4").frame_rate == pytest.approx(29.97, abs=0.001)


# --------------------------------------------------------------------------- what the flows write


@pytest.mark.parametrize("fps", ["30000/1001", "60"])
def test_gaps_in_the_written_srt_are_two_frames_of_the_video(frame_clip: FrameClip, tmp_path: Path, fps: str) -> None:
    rate = probe(frame_clip(160, 90, fps=fps, seconds=1)).frame_rate
    assert rate is not None
    rules = subtitle_rules("en-US", None, 2, fps=rate)
    outputs, count = write_cue_files(talk(), rules, str(tmp_path), "talk", ["srt", "json"])
    written = gaps(read_cues(outputs["srt"]))
    assert count == 3 and written == [math.ceil(2000 / rate)] * 2  # 67 ms at 29.97, 34 at 60: not 25 fps's 80
    assert all(gap * rate / 1000 >= 2 for gap in written)
    doc = json.loads(Path(outputs["json"]).read_text(encoding="utf-8"))
    assert doc["rules"]["fps"] == pytest.approx(rate)
    close_gaps = next(step for step in doc["recipe"] if step["name"] == "close_gaps")
    assert close_gaps["args"]["fps"] == pytest.approx(rate)  # the recipe says which video the gaps are for


def test_without_a_video_frame_rate_gaps_stay_two_frames_at_25(tone_wav: Path, tmp_path: Path) -> None:
    rules = subtitle_rules("en-US", None, 2, fps=probe(tone_wav).frame_rate)
    outputs, _ = write_cue_files(talk(), rules, str(tmp_path), "talk", ["srt"])
    assert gaps(read_cues(outputs["srt"])) == [80, 80]


@pytest.mark.parametrize("fps", ["30000/1001", "60", "25"])
def test_snapping_puts_every_written_time_on_a_frame(frame_clip: FrameClip, tmp_path: Path, fps: str) -> None:
    rate = probe(frame_clip(160, 90, fps=fps, seconds=1)).frame_rate
    assert rate is not None
    plain, _ = write_cue_files(talk(), subtitle_rules("en-US", None, 2, fps=rate), str(tmp_path), "plain", ["srt"])
    assert any(frame_error_ms(t, rate) >= 1 for c in read_cues(plain["srt"]) for t in (c.start_ms, c.end_ms))
    rules = subtitle_rules("en-US", None, 2, fps=rate, snap_to_frames=True)
    outputs, _ = write_cue_files(talk(), rules, str(tmp_path), "snapped", ["srt", "json"])
    cues = read_cues(outputs["srt"])
    assert all(frame_error_ms(t, rate) < 1 for c in cues for t in (c.start_ms, c.end_ms))  # whole ms of a frame
    assert gaps(cues) == [math.ceil(2000 / rate)] * 2
    recipe = json.loads(Path(outputs["json"]).read_text(encoding="utf-8"))["recipe"]
    assert recipe[-1]["name"] == "snap_to_frames" and recipe[-1]["args"]["fps"] == pytest.approx(rate)


# --------------------------------------------------------------------------- the commands


@pytest.mark.parametrize(("command", "module", "flow"), [
    (["caption", str(SAMPLES / "en_demo.mp4")], "flows.caption", "caption_media"),
    (["align", str(SAMPLES / "en_demo.mp4"), str(SAMPLES / "en_demo.txt")], "flows.align", "align_script"),
    (["link", "https://v.douyin.com/iRNBho6u/"], "flows.links", "caption_link"),
    (["batch", str(SAMPLES / "en_demo.mp4")], "flows.batch", "caption_batch"),
], ids=["caption", "align", "link", "batch"])
def test_snap_frames_reaches_the_flow(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                      command: list[str], module: str, flow: str) -> None:
    import importlib

    from flows.batch_state import BatchSummary
    from flows.caption import CaptionResult

    calls: list[dict[str, Any]] = []

    def fake(**kwargs: Any) -> object:
        calls.append(kwargs)
        if flow == "caption_batch":
            from prefect.states import Completed

            assert kwargs.pop("return_state") is True  # run_batch reads the summary off the final state
            return Completed(data=BatchSummary(0, 0, 0, 0, [], "state"))
        return CaptionResult("m", {}, "t", False, "a", "r", 1.0, 0)

    monkeypatch.setattr(importlib.import_module(module), flow, fake)
    assert main([*command, "--snap-frames", "--burn-preset", "youtube-shorts"]) == 0
    assert main(command) == 0
    assert [call["snap_to_frames"] for call in calls] == [True, False]
    assert [call["burn_preset"] for call in calls] == ["youtube-shorts", "auto"]
    if flow in ("caption_media", "caption_link"):
        assert main([*command, "--review"]) == 0 and calls[-1]["review"] is True


SRT = """1
00:00:01,013 --> 00:00:02,500
Welcome to the subtitle pipeline.

2
00:00:02,713 --> 00:00:04,200
This clip tests the timing.
"""


def test_rewrap_counts_gaps_in_the_video_frames_and_snaps_to_them(frame_clip: FrameClip, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.srt"
    source.write_text(SRT, encoding="utf-8")
    video = frame_clip(160, 90, fps="60", seconds=1)
    assert main(["rewrap", str(source), "-o", str(tmp_path / "gaps.srt"), "--video", str(video)]) == 0
    assert gaps(read_cues(tmp_path / "gaps.srt")) == [34]  # two frames at 60 fps
    assert main(["rewrap", str(source), "-o", str(tmp_path / "snapped.srt"), "--video", str(video), "--snap-frames"]) == 0
    cues = read_cues(tmp_path / "snapped.srt")
    assert all(frame_error_ms(t, 60) < 1 for c in cues for t in (c.start_ms, c.end_ms))
    assert "60 fps, on its frames" in capsys.readouterr().out
    assert main(["rewrap", str(source), "-o", str(tmp_path / "plain.srt")]) == 0
    assert gaps(read_cues(tmp_path / "plain.srt")) == [80]


@pytest.mark.parametrize(("extra", "expected"), [
    (["--snap-frames"], "error: --snap-frames needs the video's frame rate; add --video VIDEO"),
    (["--video", "missing.mp4"], "error: --video "),
])
def test_rewrap_timing_options_fail_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                extra: list[str], expected: str) -> None:
    source = tmp_path / "in.srt"
    source.write_text(SRT, encoding="utf-8")
    assert main(["rewrap", str(source), "-o", str(tmp_path / "out.srt"), *extra]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1


def test_rewrap_refuses_a_video_without_a_picture(tone_wav: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.srt"
    source.write_text(SRT, encoding="utf-8")
    assert main(["rewrap", str(source), "-o", str(tmp_path / "out.srt"), "--video", str(tone_wav)]) == EXIT_USER_ERROR
    assert f"--video {tone_wav}: has no video stream" in capsys.readouterr().err
