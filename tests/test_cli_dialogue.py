"""``--dialogue`` on caption and align: it reaches the flows, and the flows ask for and use speakers.

No Prefect server starts: the flows are replaced (the command's part), or run as plain
functions with the shared steps replaced (the flow's part).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from flows.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize(("command", "module", "flow"), [
    (["caption", str(SAMPLES / "zh_dialogue.mp4")], "flows.caption", "caption_media"),
    (["align", str(SAMPLES / "zh_dialogue.mp4"), str(SAMPLES / "zh_dialogue.txt")], "flows.align", "align_script"),
], ids=["caption", "align"])
def test_dialogue_reaches_the_flow(monkeypatch: pytest.MonkeyPatch, command: list[str], module: str, flow: str) -> None:
    from flows.caption import CaptionResult

    calls: list[dict[str, Any]] = []

    def fake(**kwargs: Any) -> CaptionResult:
        calls.append(kwargs)
        return CaptionResult("m", {}, "t", False, "a", "r", 1.0, 0)

    monkeypatch.setattr(importlib.import_module(module), flow, fake)
    assert main([*command, "--dialogue"]) == 0 and main(command) == 0
    assert [call["dialogue"] for call in calls] == [True, False]


@pytest.fixture
def shared_steps(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record what caption and align hand to the steps they share, instead of running them."""
    import flows.align
    import flows.caption

    calls: list[dict[str, Any]] = []

    def record(*args: Any, **kwargs: Any) -> None:
        calls.append({"options": args[1], "text": args[2], **kwargs})

    monkeypatch.setattr(flows.caption, "media_to_subtitles", record)
    monkeypatch.setattr(flows.align, "media_to_subtitles", record)
    return calls


def test_caption_asks_the_vendor_for_speakers_only_with_dialogue(shared_steps: list[dict[str, Any]]) -> None:
    from flows.caption import caption_media

    caption_media.fn(media="clip.mp4", dialogue=True)
    caption_media.fn(media="clip.mp4")
    asked = [call["options"].params().get("with_speaker_info") for call in shared_steps]
    assert asked == ["True", None] and [call["dialogue"] for call in shared_steps] == [True, False]


def test_align_sends_a_dialogue_script_without_its_dashes(shared_steps: list[dict[str, Any]]) -> None:
    from flows.align import align_script

    align_script.fn(media="clip.mp4", script="- 你吃饭了吗？\n- 还没有。", dialogue=True)
    align_script.fn(media="clip.mp4", script="- 你吃饭了吗？\n- 还没有。")
    with_turns, without = shared_steps
    assert with_turns["text"] == "你吃饭了吗？\n还没有。" and with_turns["script_turns"] == ["你吃饭了吗？", "还没有。"]
    assert without["text"] == "- 你吃饭了吗？\n- 还没有。" and without["script_turns"] is None  # unchanged without
