"""``link --translate en`` end to end against the sandbox: timed English and bilingual files that lint clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pysrt
import pysubs2
import pytest
import webvtt

from flows.cli import EXIT_USER_ERROR, main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# The sandbox's Douyin stand-in serves the Chinese sample (zh_demo.vertical-rotated.mp4) for this link.
ZH_SHARE = "3.21 复制打开抖音，看看【小红的作品】中文示例 https://v.douyin.com/abc/ x@y.Zz 10/12"


def bare(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_link_translate_writes_timed_english_and_bilingual_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["link", ZH_SHARE, "--translate", "en", "-f", "srt,vtt,ass", "-o", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    written = {Path(line).name: Path(line) for line in out.splitlines() if line.startswith(str(tmp_path))}
    by_suffix = {name.split("-", 1)[1].split(".", 1)[1]: path for name, path in written.items() if "-" in name}
    for key in ("en.srt", "en.vtt", "en.ass", "bilingual.srt", "bilingual.vtt", "bilingual.ass",
                "bilingual.align.json", "bilingual.burn.ass", "en.txt", "srt", "burn.ass"):
        assert key in by_suffix, sorted(written)
    english = (SAMPLES / "zh_demo.en.txt").read_text(encoding="utf-8")
    chinese = (SAMPLES / "zh_demo.txt").read_text(encoding="utf-8")

    # The three readers read them, and the text is whole.
    assert bare("".join(i.text for i in pysrt.open(str(by_suffix["en.srt"]), encoding="utf-8"))) == bare(english)
    assert bare("".join(c.text for c in webvtt.read(str(by_suffix["en.vtt"])))) == bare(english)
    assert bare("".join(e.plaintext for e in pysubs2.load(str(by_suffix["en.ass"])))) == bare(english)
    bilingual = pysrt.open(str(by_suffix["bilingual.srt"]), encoding="utf-8")
    counts = json.loads(by_suffix["bilingual.align.json"].read_text(encoding="utf-8"))["bilingual_source_lines"]
    lines = [item.text.splitlines() for item in bilingual]
    assert len(counts) == len(lines) and all(0 < n < len(cue) for n, cue in zip(counts, lines, strict=True))
    assert bare("".join("".join(cue[:n]) for n, cue in zip(counts, lines, strict=True))) == bare(chinese)  # on top
    assert bare("".join("".join(cue[n:]) for n, cue in zip(counts, lines, strict=True))) == bare(english)  # below
    assert len(webvtt.read(str(by_suffix["bilingual.vtt"]))) == len(bilingual)
    ass = pysubs2.load(str(by_suffix["bilingual.ass"]))
    assert set(ass.styles) >= {"Default", "Secondary"}
    assert ass.styles["Secondary"].fontsize < ass.styles["Default"].fontsize
    assert all("{\\rSecondary}" in e.text for e in ass)
    # English cues lie inside the Chinese speech they render: within the source cues' overall span.
    source = pysrt.open(str(by_suffix["srt"]), encoding="utf-8")
    translated = pysrt.open(str(by_suffix["en.srt"]), encoding="utf-8")
    assert source[0].start.ordinal <= translated[0].start.ordinal
    assert translated[-1].end.ordinal <= source[-1].end.ordinal + 1

    # lint passes all of them, each half of a bilingual file under its own language's rules (gaps are
    # counted in the video's frames: the sample is 30 fps).
    files = [str(by_suffix[k]) for k in ("srt", "en.srt", "en.vtt", "bilingual.srt", "bilingual.vtt", "bilingual.ass")]
    assert main(["lint", "--fps", "30", *files]) == 0
    report = capsys.readouterr().out
    assert "(source)" in report and "(translation)" in report and "zh-CN" in report and "[en," in report
    assert " error(s)" not in report or "0 error(s)" in report


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_translation_for_a_non_member_is_one_line_naming_the_plan(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.sandbox import SandboxConfig, SandboxServer, TranscriptGenerateConfig

    config = SandboxConfig(vendors={"transcriptgenerate": TranscriptGenerateConfig(member=False)})
    with SandboxServer(config) as sandbox:
        code = main(["link", ZH_SHARE, "--translate", "en", "-o", str(tmp_path), "--sandbox-url", sandbox.base_url])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_USER_ERROR
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "membership plan" in error_lines[0] and "--translate" in error_lines[0], err


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_aligned_text_and_a_translation_file_get_timed_translations(tmp_path: Path) -> None:
    from flows.align import align_script
    from flows.links import caption_link
    from pipeline.sandbox import SandboxServer

    english = (SAMPLES / "zh_demo.en.txt").read_text(encoding="utf-8")
    with SandboxServer() as sandbox:
        # link --align-text --translate en: TranscriptGenerate's text timed by ATA, its translation aligned to it
        linked = caption_link(share_text=ZH_SHARE, output_dir=str(tmp_path / "link"), mode="align_text",
                              target_language="en", formats=["srt"], sandbox_url=sandbox.base_url)
        # align FILE SCRIPT with a translation of the script
        aligned = align_script(media=str(SAMPLES / "zh_demo.mp4"), script_file=str(SAMPLES / "zh_demo.txt"),
                               output_dir=str(tmp_path / "align"), formats=["srt", "vtt"],
                               translation_file=str(SAMPLES / "zh_demo.en.txt"), translation_language="en",
                               sandbox_url=sandbox.base_url)
    for result in (linked, aligned):
        assert bare("".join(i.text for i in pysrt.open(result.outputs["en.srt"], encoding="utf-8"))) == bare(english)
        report = json.loads(Path(result.outputs["bilingual.align"]).read_text(encoding="utf-8"))
        assert [p["kind"] for p in report["pairs"]] == ["1:1", "1:1", "1:2"]
        assert not any(p["problem"] for p in report["pairs"])
    assert Path(linked.outputs["translation-en"]).read_text(encoding="utf-8").strip() == english.strip()
    assert "bilingual.vtt" in aligned.outputs


def test_a_translation_needs_its_language() -> None:
    from flows.align import read_translation
    from pipeline.errors import InputError

    assert read_translation(None, None, None) is None
    with pytest.raises(InputError, match="needs translation_language"):
        read_translation("Hello.", None, "auto")


def test_align_translate_finds_the_translation_beside_the_script_or_says_where_it_looked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "talk.txt"
    script.write_text((SAMPLES / "zh_demo.txt").read_text(encoding="utf-8"), encoding="utf-8")
    code = main(["align", str(SAMPLES / "zh_demo.mp4"), str(script), "--translate", "en", "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_USER_ERROR and err.count("\n") == 0
    assert f"{tmp_path / 'talk.en.txt'}: no translation beside the script" in err and "--translation FILE" in err
    assert main(["align", str(SAMPLES / "zh_demo.mp4"), str(script), "--translation", str(script)]) == EXIT_USER_ERROR
    assert "--translation needs --translate LANG" in capsys.readouterr().err


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_align_translate_times_the_translation_of_the_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # samples/zh_demo.en.txt sits beside samples/zh_demo.txt: --translate en finds it by name.
    code = main(["align", str(SAMPLES / "zh_demo.mp4"), str(SAMPLES / "zh_demo.txt"), "--translate", "en",
                 "-f", "srt,ass", "-o", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    written = {Path(line).name for line in out.splitlines()}
    assert {"zh_demo.srt", "zh_demo.en.srt", "zh_demo.en.ass", "zh_demo.bilingual.srt", "zh_demo.bilingual.ass",
            "zh_demo.bilingual.align.json", "zh_demo.bilingual.burn.ass"} <= written, sorted(written)
    english = (SAMPLES / "zh_demo.en.txt").read_text(encoding="utf-8")
    assert bare("".join(i.text for i in pysrt.open(str(tmp_path / "zh_demo.en.srt"), encoding="utf-8"))) == bare(english)
    assert main(["lint", "--fps", "30", str(tmp_path / "zh_demo.en.srt"), str(tmp_path / "zh_demo.bilingual.srt")]) == 0
