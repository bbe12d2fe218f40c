"""Yinzi track separation end to end through the sandbox, with the audio published on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.media.probe import probe
from pipeline.subtitles import Cue, lint_cues, read_cues, rules_for

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]


def test_stems_are_downloaded_charged_once_and_reused_on_rerun(tmp_path: Path) -> None:
    from flows.separate import separate_tracks
    from pipeline.sandbox import SandboxServer

    with SandboxServer() as sandbox:
        first = separate_tracks(media=str(SAMPLES / "zh_demo.mp4"), output_dir=str(tmp_path), caption="mix",
                                sandbox_url=sandbox.base_url)
        again = separate_tracks(media=str(SAMPLES / "zh_demo.mp4"), output_dir=str(tmp_path),
                                sandbox_url=sandbox.base_url)
        assert sandbox.state.submissions.duplicates() == {}
    assert set(first.stems) == {"vocals", "accompaniment"}
    for path in first.stems.values():
        info = probe(path)
        assert info.audio is not None and info.duration_s == pytest.approx(24.5, abs=1.0)
    assert first.cost and first.balance is not None
    assert again.reused_order and again.order_no == first.order_no
    assert again.balance == first.balance  # charged at the first finished query only
    assert Path(first.captions["srt"]).is_file()


def words_of(cues: list[Cue]) -> list[str]:
    return " ".join(line for cue in cues for line in cue.lines).split()


def test_extract_text_returns_a_caption_file_and_our_subtitles(tmp_path: Path) -> None:
    from flows.separate import separate_tracks

    result = separate_tracks(media=str(SAMPLES / "en_demo.mp4"), order_type="extract-text", output_dir=str(tmp_path),
                             language="en-US", formats=["srt", "vtt", "json"])
    assert set(result.stems) == {"caption"}
    vendor_file = Path(result.stems["caption"])
    assert "Welcome to the subtitle pipeline" in vendor_file.read_text(encoding="utf-8")  # kept as downloaded
    assert set(result.text_subtitles) == {"srt", "vtt", "json"}
    assert Path(result.text_subtitles["srt"]).name == "en_demo.yinzi.srt"
    vendor_cues = read_cues(vendor_file)
    ours = {fmt: read_cues(result.text_subtitles[fmt]) for fmt in ("srt", "vtt")}
    # Same words in the same order, rewrapped under our rules, within the vendor's time span.
    for cues in ours.values():
        assert words_of(cues) == words_of(vendor_cues)
        assert cues[0].start_ms >= vendor_cues[0].start_ms and cues[-1].end_ms <= vendor_cues[-1].end_ms
        assert [issue for issue in lint_cues(cues, rules_for("en-US")) if issue.severity == "error"] == []
    assert [(c.start_ms, c.end_ms) for c in ours["srt"]] == [(c.start_ms, c.end_ms) for c in ours["vtt"]]


def test_extract_text_without_times_is_aligned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain-text caption file (no times) is timed by Volcengine alignment before it becomes subtitles."""
    from flows.separate import separate_tracks
    from pipeline.sandbox import SandboxServer
    from pipeline.sandbox import yinzi as yinzi_sandbox

    timed_caption = yinzi_sandbox.make_caption

    def plain_caption(state: object, source: Path, target: Path) -> bool:
        if not timed_caption(state, source, target):  # type: ignore[arg-type]
            return False
        target.write_text("\ufeff" + "\r\n".join(" ".join(c.lines) for c in read_cues(target)) + "\r\n", encoding="utf-8")
        return True

    monkeypatch.setattr(yinzi_sandbox, "make_caption", plain_caption)
    with SandboxServer() as sandbox:
        result = separate_tracks(media=str(SAMPLES / "zh_demo.mp4"), order_type="extract-text",
                                 output_dir=str(tmp_path), sandbox_url=sandbox.base_url)
        assert sandbox.state.submissions.duplicates() == {}
    vendor_text = Path(result.stems["caption"]).read_text(encoding="utf-8-sig")
    assert "-->" not in vendor_text
    ours = read_cues(result.text_subtitles["srt"])
    assert ours and all(cue.end_ms > cue.start_ms for cue in ours)
    spoken = "".join(ch for ch in vendor_text if ch.isalnum())
    assert "".join(ch for cue in ours for line in cue.lines for ch in line if ch.isalnum()) == spoken
