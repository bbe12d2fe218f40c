"""The review of a burn: tiles of the contact sheet, the sheet itself, the page's HTML, `burn --review`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from flows.cli import main
from pipeline.errors import InputError
from pipeline.media.burn_plan import plan_burn
from pipeline.media.contact_sheet import contact_sheet, tiles_for
from pipeline.media.review import findings_by_cue, review_paths, write_review
from pipeline.media.review_page import review_page_html
from pipeline.subtitles.cues import Cue


def cues(n: int, step: int = 1000) -> list[Cue]:
    return [Cue(k * step, k * step + step - 100, (f"第{k + 1}句",)) for k in range(n)]


def test_few_cues_get_a_tile_each_and_many_are_grouped() -> None:
    assert [(t.first, t.last) for t in tiles_for(cues(3))] == [(1, 1), (2, 2), (3, 3)]
    grouped = tiles_for(cues(100), max_tiles=48)
    assert len(grouped) <= 48 and grouped[0].first == 1 and grouped[-1].last == 100
    assert all(a.last + 1 == b.first for a, b in zip(grouped, grouped[1:], strict=False))
    assert grouped[1].label == "00:03.0–00:05.9  #4–6" and grouped[1].at_ms == 3450


def srt(path: Path, texts: list[str]) -> Path:
    path.write_text("\n".join(f"{k + 1}\n00:00:0{k},000 --> 00:00:0{k},900\n{t}\n" for k, t in enumerate(texts)),
                    encoding="utf-8")
    return path


def test_the_sheet_shows_each_cue_in_its_own_labelled_tile(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=4)
    plan = plan_burn(video, srt(tmp_path / "c.srt", ["第一句字幕", "第二句不一样", "third cue"]))
    sheet, page = write_review(plan, tmp_path / "out.mp4")
    assert (sheet.name, page.name) == ("out.review.png", "out.review.html")
    image = np.asarray(Image.open(sheet).convert("L"))
    assert image.shape == (6 + 480 + 34 + 6, 6 + 3 * (270 + 6))  # 3 tiles of 270 px, each 9:16 with a label
    tiles = [image[6:486, 6 + k * 276: 6 + k * 276 + 270] for k in range(3)]
    assert all(np.any(tile > 200) for tile in tiles), "every tile shows its subtitle"
    assert np.count_nonzero(tiles[0] != tiles[1]) > 50, "different cues look different"
    labels = image[486:520]
    assert np.count_nonzero(labels > 150) > 100, "times are written under the tiles"
    assert "第二句不一样" in page.read_text(encoding="utf-8")


def test_the_sheet_needs_cues_and_a_png(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(320, 180, seconds=1)
    with pytest.raises(InputError, match="no cues to show"):
        contact_sheet(video, [], tmp_path / "s.png")
    with pytest.raises(InputError, match="a contact sheet is a PNG"):
        contact_sheet(video, cues(1), tmp_path / "s.jpg")
    assert list(tmp_path.iterdir()) == []


def test_review_paths_sit_beside_the_output() -> None:
    assert review_paths("/x/clip.burned.mp4") == (Path("/x/clip.burned.review.png"), Path("/x/clip.burned.review.html"))


def test_the_page_escapes_text_and_shows_findings() -> None:
    page = review_page_html("v 1.mp4", [Cue(0, 1000, ("</script><b>&",)), Cue(1000, 2000, ("二",))],
                            {1: ["error: gap: 10 ms"]}, title="<t>")
    assert "</script><b>" not in page.split('id="cues-vtt">')[1].split("</script>")[0]
    assert "&lt;/script&gt;&lt;b&gt;&amp;" in page and "<title>&lt;t&gt;</title>" in page
    assert 'class="finding error">error: gap: 10 ms' in page and 'src="v 1.mp4"' in page
    assert "http" not in page, "nothing is fetched from anywhere"


def test_findings_leave_widths_to_the_pixels(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=2)
    plan = plan_burn(video, srt(tmp_path / "c.srt", ["iPhone 15 Pro Max 售价 7999 元起，比上一代贵了"]))
    assert all("line_width" not in note for notes in findings_by_cue(plan).values() for note in notes)


def test_burn_review_writes_the_sheet_and_the_page(frame_clip: Callable[..., Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    video = frame_clip(1080, 1920, seconds=3)
    subs = srt(tmp_path / "c.srt", ["第一句字幕", "第二句"])
    assert main(["burn", str(video), str(subs), "-o", str(tmp_path / "s.png"), "--preview-at", "0.5", "--review"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(tmp_path / "s.png"), str(tmp_path / "s.review.png"), str(tmp_path / "s.review.html")]
