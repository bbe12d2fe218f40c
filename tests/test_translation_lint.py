"""Linting a bilingual file half by half, with the alignment report found beside it."""

from __future__ import annotations

import json
from pathlib import Path

from flows.cli import main
from pipeline.subtitles.bilingual import BilingualCue, write_bilingual_srt
from pipeline.subtitles.cues import Cue
from pipeline.translation.lint import alignment_issues, load_report, report_path, split_bilingual
from pipeline.translation.report import REPORT_FORMAT


def test_report_path_and_split() -> None:
    assert report_path("out/clip.bilingual.srt") == Path("out/clip.bilingual.align.json")
    assert report_path("out/clip.srt") is None
    cues = [Cue(0, 1000, ("你好", "Hello")), Cue(1100, 2000, ("嗯",))]
    source, target = split_bilingual(cues, [1, 1])
    assert [c.lines for c in source] == [("你好",), ("嗯",)] and [c.lines for c in target] == [("Hello",)]


def test_alignment_warnings_land_on_the_cue_showing_the_pair() -> None:
    cues = [Cue(0, 1000, ("a",)), Cue(2000, 3000, ("b",))]
    pairs = [{"index": 0, "kind": "1:1", "start_ms": 0, "problem": None},
             {"index": 1, "kind": "1:0", "start_ms": 2100, "problem": "source sentence with no translation (1:0)"}]
    [issue] = alignment_issues(cues, pairs)
    assert (issue.cue_index, issue.rule, issue.severity) == (1, "alignment", "warning")
    assert "pair 2 (1:0)" in issue.message


def test_lint_reads_each_half_under_its_language(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    cues = [BilingualCue(0, 2500, ("欢迎使用字幕流水线。",), ("Welcome to the subtitle pipeline.",)),
            BilingualCue(3000, 5000, ("谢谢观看，再见！",), ("Thank you for watching. Goodbye!",))]
    path = write_bilingual_srt(cues, tmp_path / "clip.bilingual.srt")
    main(["lint", str(path)])  # without the report: linted as one file under one (guessed) language
    assert "(source)" not in capsys.readouterr().out
    report = {"format": REPORT_FORMAT, "source_language": "zh-CN", "target_language": "en",
              "bilingual_source_lines": [1, 1],
              "pairs": [{"index": 1, "kind": "1:2", "start_ms": 3000, "problem": "length ratio 2.40 (usual 1.0)"}]}
    (tmp_path / "clip.bilingual.align.json").write_text(json.dumps(report), encoding="utf-8")
    assert load_report(path) is not None
    assert main(["lint", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(source): 2 cues, clean [zh-CN" in out
    assert "(translation): cue 2" in out and "warning alignment: pair 2 (1:2): length ratio 2.40" in out
