"""Share links end to end: TranscriptGenerate / Yinzi resolve, download, then caption or align."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pysrt
import pysubs2
import pytest

from flows.links import ResolvedLink, output_stem
from pipeline.media.probe import probe

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SHARE_TEXT = "7.43 复制打开抖音，看看【小明的作品】今天的晚霞太美了 #日落 https://v.douyin.com/iRNBho6u/ E@u.Fs 09/15"


def bare(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def test_output_stem_is_safe_and_stable() -> None:
    link = ResolvedLink("https://v.douyin.com/x/", "DOUYIN", "晚霞 / sunset! #日落", "u", None, None, "t", False)
    stem = output_stem(link)
    assert "/" not in stem and " " not in stem and stem.startswith("晚霞_sunset_日落-")
    assert stem == output_stem(link)
    assert output_stem(ResolvedLink("https://v.douyin.com/x/", "DOUYIN", "", "u", None, None, "", False)).startswith("douyin-")


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("resolver, mode", [("transcriptgenerate", "caption"), ("transcriptgenerate", "align_text"),
                                            ("yinzi", "caption")])
def test_share_text_becomes_subtitles(resolver: str, mode: str, tmp_path: Path) -> None:
    from flows.links import caption_link
    from pipeline.sandbox import SandboxServer

    with SandboxServer() as sandbox:
        result = caption_link(share_text=SHARE_TEXT, output_dir=str(tmp_path), resolver=resolver, mode=mode,
                              sandbox_url=sandbox.base_url, formats=["srt", "json"], review=mode == "caption")
        again = caption_link(share_text=SHARE_TEXT, output_dir=str(tmp_path), resolver=resolver, mode=mode,
                             sandbox_url=sandbox.base_url)
        assert sandbox.state.submissions.duplicates() == {}
    assert again.reused_task and again.task_id == result.task_id
    text = "".join(item.text for item in pysrt.open(result.outputs["srt"], encoding="utf-8"))
    # The sandbox's platform stand-in serves one of the samples; its transcript must come back whole.
    assert bare(text) in {bare((SAMPLES / n).read_text(encoding="utf-8")) for n in ("zh_demo.txt", "en_demo.txt")}
    # Its videos are the vertical samples at 30 and 29.97 fps: the cue gaps are counted in those frames.
    rules = json.loads(Path(result.outputs["json"]).read_text(encoding="utf-8"))["rules"]
    assert rules["fps"] == pytest.approx(probe(result.media).frame_rate) and rules["fps"] != 25
    # Beside the delivery files, an ASS cut for the phone frame the video shows (after rotation).
    burn_ready = pysubs2.load(result.outputs["burn.ass"])
    assert (burn_ready.info["PlayResX"], burn_ready.info["PlayResY"]) == ("1080", "1920")
    style = burn_ready.styles["Default"]
    assert style.marginr > style.marginl and style.marginv >= 0.2 * 1920, "the douyin preset's safe area"
    assert bare("".join(e.plaintext for e in burn_ready)) == bare(text)
    if mode == "caption":
        assert Path(result.outputs["review.png"]).stat().st_size > 0
        assert "<video" in Path(result.outputs["review.html"]).read_text(encoding="utf-8")


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_translation_is_written_beside_the_subtitles(tmp_path: Path) -> None:
    from flows.links import caption_link

    result = caption_link(share_text=SHARE_TEXT, output_dir=str(tmp_path), target_language="en")
    translation = Path(result.outputs["translation-en"])
    assert translation.name.endswith(".en.txt") and translation.read_text(encoding="utf-8").strip()


def test_align_text_needs_transcriptgenerate() -> None:
    from flows.links import caption_link
    from pipeline.errors import InputError

    with pytest.raises(InputError, match="needs resolver=transcriptgenerate"):
        caption_link.fn(share_text=SHARE_TEXT, resolver="yinzi", mode="align_text")


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_new_user_links_a_douyin_share_text_then_burns_it(no_system_cjk_fonts: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    # The "done when": a machine without a Chinese font, `link` on a Douyin share text,
    # then `burn` with the douyin preset and a review: Chinese glyphs within 2 lines in the safe area.
    from flows.cli import main
    from pipeline.sandbox import SandboxServer

    with SandboxServer() as sandbox:
        assert main(["link", "复制打开抖音，看看【作品】 https://v.douyin.com/abc/?modeFrom=x 9/15", "-o",
                     str(tmp_path), "--sandbox-url", sandbox.base_url]) == 0
    srt = next(Path(line) for line in capsys.readouterr().out.split() if line.endswith(".srt"))
    video = next((tmp_path / "downloads").glob("*.mp4"))
    assert probe(video).video_streams[0].display_size == (1080, 1920)
    code = main(["burn", str(video), str(srt), "-o", str(tmp_path / "burned.mp4"), "--preset", "douyin", "--review"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "font: Noto Sans CJK SC (bundled Noto Sans CJK SC (no Chinese font is installed))" in err
    assert re.search(r"pixel check: \d+ frame\(s\), all within 2 line\(s\) inside the safe area with distinct glyphs",
                     err)
    assert [Path(p).name for p in out.split()] == ["burned.mp4", "burned.review.png", "burned.review.html"]


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_the_same_video_with_other_tracking_parameters_is_not_paid_twice(tmp_path: Path) -> None:
    from flows.links import caption_link
    from pipeline.sandbox import SandboxServer

    first = "看看 https://www.douyin.com/video/7301234567?modeFrom=userPost&secUid=MS4wLjABAAAA_alice"
    second = "https://www.douyin.com/video/7301234567?modeFrom=search&secUid=MS4wLjABAAAA_bob&previous_page=x"
    with SandboxServer() as sandbox:
        a = caption_link(share_text=first, output_dir=str(tmp_path), sandbox_url=sandbox.base_url)
        b = caption_link(share_text=second, output_dir=str(tmp_path), sandbox_url=sandbox.base_url)
        assert sandbox.state.submissions.duplicates() == {}
        resolved = [key for key in sandbox.state.submissions.by_api if key.startswith("transcriptgenerate.task|url:")]
    # One TranscriptGenerate task, for the work itself: the sharer's ids never reach the vendor.
    assert resolved == ["transcriptgenerate.task|url:https://www.douyin.com/video/7301234567"], resolved
    assert b.reused_task and b.task_id == a.task_id
    ledger = (tmp_path / ".jobs.json").read_text(encoding="utf-8")
    assert "secUid" not in ledger and "alice" not in ledger


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(("option", "says"), [({"max_chars_per_line": -3}, "max_chars_per_line"),
                                              ({"burn_preset": "tiktok"}, "burn_preset"),
                                              ({"max_download_mb": 0}, "max_download_mb")])
def test_a_bad_option_is_refused_before_the_link_is_resolved(option: dict[str, object], says: str,
                                                             tmp_path: Path) -> None:
    from flows.links import caption_link
    from pipeline.errors import PipelineError
    from pipeline.sandbox import SandboxServer

    with SandboxServer() as sandbox:
        with pytest.raises(PipelineError, match=says):
            caption_link(share_text="https://v.douyin.com/iRNBho6u/", output_dir=str(tmp_path),
                         sandbox_url=sandbox.base_url, **option)  # type: ignore[arg-type]
        assert sandbox.state.submissions.total == 0  # no TranscriptGenerate task was paid for
