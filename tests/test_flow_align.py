"""The align flow: a script timed against its media through the sandbox's ATA."""

from __future__ import annotations

import re
from pathlib import Path

import pysrt
import pytest

from flows.align import read_script
from pipeline.errors import InputError

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_read_script_from_text_or_file(tmp_path: Path) -> None:
    f = tmp_path / "s.txt"
    f.write_text("\ufeff第一句。\n第二句。\n", encoding="utf-8")
    assert read_script(None, str(f)) == "第一句。\n第二句。"
    assert read_script(" hello ", None) == "hello"


@pytest.mark.parametrize("script, make_file, message", [
    (None, None, "exactly one"),
    ("a", "x", "exactly one"),
    (None, "missing", "no such script file"),
    (None, "empty", "script file is empty"),
    (None, "latin1", "not UTF-8"),
])
def test_read_script_errors_name_the_problem(script: str | None, make_file: str | None, message: str, tmp_path: Path) -> None:
    path = None
    if make_file:
        path = tmp_path / f"{make_file}.txt"
        if make_file == "empty":
            path.write_text("  \n")
        elif make_file == "latin1":
            path.write_bytes("café".encode("latin-1"))
        elif make_file == "x":
            path.write_text("x")
    with pytest.raises(InputError, match=message):
        read_script(script, str(path) if path else None)


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_align_times_the_script_and_keeps_its_words(tmp_path: Path) -> None:
    from flows.align import align_script
    from pipeline.sandbox import SandboxServer

    script = "Welcome to the subtitle pipeline.\nThis short clip tests English captions and their timing.\nThank you for watching, goodbye!"
    with SandboxServer() as sandbox:
        result = align_script(media=str(SAMPLES / "en_demo.mp4"), script=script, output_dir=str(tmp_path),
                              language="en-US", sandbox_url=sandbox.base_url)
        again = align_script(media=str(SAMPLES / "en_demo.mp4"), script=script, output_dir=str(tmp_path),
                             language="en-US", sandbox_url=sandbox.base_url)
        assert sandbox.state.submissions.total == 1 and again.reused_task
    items = pysrt.open(result.outputs["srt"], encoding="utf-8")
    words = re.findall(r"[a-z]+", " ".join(i.text for i in items).lower())
    assert words == re.findall(r"[a-z]+", script.lower())
    assert items[0].start.ordinal >= 900  # the clip starts with a second of silence
    assert all(a.end <= b.start for a, b in zip(items, items[1:], strict=False))


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_align_dialogue_takes_the_turns_from_the_script_s_dashes(tmp_path: Path) -> None:
    from flows.align import align_script

    lines = (SAMPLES / "zh_dialogue.txt").read_text(encoding="utf-8").split()
    script = "\n".join(f"- {line}" for line in lines)
    result = align_script(media=str(SAMPLES / "zh_dialogue.mp4"), script=script, output_dir=str(tmp_path),
                          sta_punc_mode=3, dialogue=True)
    texts = [item.text for item in pysrt.open(result.outputs["srt"], encoding="utf-8")]
    assert texts == [*lines[:-2], f"-{lines[-2]}\n-{lines[-1]}"]
