"""The contact sheet on real video: tiles laid out and labelled, subtitles drawn at the right time.

The subtitles come from an ASS written here (the bundled Noto Sans CJK, PlayRes = frame size),
drawn on the fly through ``video_filter_at`` for a preview, or burned into a copy first; both
must give the same stills. The clips are flat grey, so any bright pixel is text.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.errors import InputError, MediaError
from pipeline.media import tools
from pipeline.media.contact_sheet import GUTTER_PX, LABEL_PX, contact_sheet
from pipeline.media.fonts import BUNDLED_CJK_FAMILY, bundled_cjk_font
from pipeline.subtitles.cues import Cue

TEXTS = ("第一句字幕", "第二句完全不一样", "third cue <&>")
CUES = [Cue(k * 1000 + 100, k * 1000 + 900, (text,)) for k, text in enumerate(TEXTS)]


def _clock(ms: int) -> str:
    return f"0:{ms // 60000:02}:{ms // 1000 % 60:02}.{ms % 1000 // 10:02}"


def write_ass(path: Path, cues: list[Cue], width: int, height: int) -> Path:
    """Bottom-centred white text with a black outline, sized for the frame (PlayRes = frame size)."""
    hard_break = r"\N"
    events = "\n".join(f"Dialogue: 0,{_clock(c.start_ms)},{_clock(c.end_ms)},Default,,0,0,0,,{hard_break.join(c.lines)}"
                       for c in cues)
    path.write_text(
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 2\nScaledBorderAndShadow: yes\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
        "Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{BUNDLED_CJK_FAMILY},{height // 20},&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,"
        f"0,0,0,0,100,100,0,0,1,{height // 400},0,2,40,40,{height // 10},1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        f"{events}\n",
        encoding="utf-8",
    )
    return path


def subtitles_filter(ass: Path) -> str:
    font = bundled_cjk_font()
    if font is None:
        pytest.skip("the bundled CJK font (noto-cjk-sans-otc) is not installed")
    assert "'" not in f"{ass}{font.parent}", "quoted below"
    return f"subtitles=filename='{ass}':fontsdir='{font.parent}'"


def drawn_at(ass: Path) -> Callable[[float], str]:
    """The preview's filter: seeked frames restart at 0, so the subtitles' clock is moved to ``seconds``."""
    burn = subtitles_filter(ass)
    return lambda seconds: f"setpts=PTS+{seconds:.3f}/TB,{burn},setpts=PTS-STARTPTS"


def grid(sheet: Path, columns: int, rows: int, tile: tuple[int, int]) -> tuple[np.ndarray, list[np.ndarray],
                                                                              list[np.ndarray]]:
    """The sheet in grey levels, then each tile's still and label strip, in reading order."""
    image = np.asarray(Image.open(sheet).convert("L")).astype(int)
    width, height = tile
    pitch_x, pitch_y = width + GUTTER_PX, height + LABEL_PX + GUTTER_PX
    assert image.shape == (rows * pitch_y + GUTTER_PX, columns * pitch_x + GUTTER_PX), "the layout's size"
    stills, labels = [], []
    for k in range(columns * rows):
        x, y = GUTTER_PX + k % columns * pitch_x, GUTTER_PX + k // columns * pitch_y
        stills.append(image[y: y + height, x: x + width])
        labels.append(image[y + height: y + height + LABEL_PX, x: x + width])
    return image, stills, labels


def test_a_preview_sheet_shows_each_cue_at_its_time(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=4)
    ass = write_ass(tmp_path / "subs.ass", CUES, 1080, 1920)
    sheet = contact_sheet(video, CUES, tmp_path / "sheet.png", video_filter_at=drawn_at(ass), columns=2)
    assert sheet == tmp_path / "sheet.png"
    _, stills, labels = grid(sheet, columns=2, rows=2, tile=(270, 480))
    for k in range(3):
        assert np.count_nonzero(stills[k] > 200) > 100, f"tile {k + 1} shows its subtitle"
        assert not np.any(stills[k][: 480 * 2 // 3] > 200), "the subtitle sits at the bottom"
        assert np.count_nonzero(labels[k] > 150) > 100, f"tile {k + 1} has its label"
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert np.count_nonzero(np.abs(stills[a] - stills[b]) > 60) > 200, f"tiles {a + 1} and {b + 1} differ"
    assert not np.any(stills[3] > 60) and not np.any(labels[3] > 60), "the fourth place of the grid is empty"


def test_stills_of_a_burned_video_match_the_preview(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(1080, 1920, seconds=4)
    ass = write_ass(tmp_path / "subs.ass", CUES, 1080, 1920)
    burned = tmp_path / "burned.mp4"
    subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-i", str(video), "-vf", subtitles_filter(ass),
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-an", str(burned)], check=True)
    preview = contact_sheet(video, CUES, tmp_path / "preview.png", video_filter_at=drawn_at(ass))
    plain = contact_sheet(burned, CUES, tmp_path / "burned.png")
    _, previewed, _ = grid(preview, columns=3, rows=1, tile=(270, 480))
    _, grabbed, _ = grid(plain, columns=3, rows=1, tile=(270, 480))
    for k, (a, b) in enumerate(zip(previewed, grabbed, strict=True)):
        text = a > 200
        assert np.count_nonzero(b[text] > 200) > 0.8 * np.count_nonzero(text), f"tile {k + 1}: same text, same place"


@pytest.mark.parametrize(("stored", "rotation", "sar", "tile"), [
    ((1920, 1080), 90, "1/1", (270, 480)),   # a phone's portrait video: stored landscape, shown upright
    ((1440, 1080), 0, "4/3", (270, 150)),    # anamorphic: shown 1920x1080, not squeezed to 4:3
], ids=["rotated", "anamorphic"])
def test_tiles_have_the_shape_the_video_is_shown_in(frame_clip: Callable[..., Path], tmp_path: Path,
                                                    stored: tuple[int, int], rotation: int, sar: str,
                                                    tile: tuple[int, int]) -> None:
    video = frame_clip(*stored, rotation=rotation, sar=sar, seconds=2)
    sheet = contact_sheet(video, CUES[:2], tmp_path / "sheet.png")
    grid(sheet, columns=2, rows=1, tile=tile)


def test_many_cues_are_grouped_into_at_most_max_tiles(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    video = frame_clip(320, 180, seconds=4)
    many = [Cue(k * 400, k * 400 + 300, (f"第{k + 1}句",)) for k in range(10)]
    sheet = contact_sheet(video, many, tmp_path / "sheet.png", max_tiles=4, columns=3, tile_width=160)
    _, _, labels = grid(sheet, columns=3, rows=2, tile=(160, 90))  # 10 cues, 3 a tile: 4 tiles
    assert [np.count_nonzero(label > 150) > 30 for label in labels] == [True] * 4 + [False] * 2


def test_a_failed_still_leaves_no_file_and_keeps_the_old_sheet(frame_clip: Callable[..., Path],
                                                                tmp_path: Path) -> None:
    video = frame_clip(320, 180, seconds=1)
    old = tmp_path / "sheet.png"
    old.write_bytes(b"the previous sheet")
    with pytest.raises(MediaError) as caught:
        contact_sheet(video, CUES[:1], old, video_filter_at=lambda seconds: "no_such_filter")
    assert "\n" not in str(caught.value) and str(video) in str(caught.value)
    assert old.read_bytes() == b"the previous sheet"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.png"], "no temporary file left"


def test_a_failed_write_leaves_no_temporary_file(frame_clip: Callable[..., Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    video = frame_clip(320, 180, seconds=1)

    def half_written(self: Image.Image, fp: Path, *args: object, **kwargs: object) -> None:
        Path(fp).write_bytes(b"\x89PNG half")
        raise OSError("No space left on device")

    monkeypatch.setattr(Image.Image, "save", half_written)
    with pytest.raises(OSError, match="No space left"):
        contact_sheet(video, CUES[:1], tmp_path / "out" / "sheet.png")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(("case", "error", "words"), [
    ("missing video", InputError, "video not found"),
    ("not a video", MediaError, "could not take the still at 0.5 s"),
    ("cue past the end", MediaError, "could not take the still at 30.5 s"),
    ("no cues", InputError, "no cues to show"),
    ("jpeg", InputError, "a contact sheet is a PNG"),
    ("no columns", InputError, "columns, max_tiles and tile_width must be at least 1"),
])
def test_bad_input_is_one_line_naming_the_file(frame_clip: Callable[..., Path], tmp_path: Path, case: str,
                                               error: type[Exception], words: str) -> None:
    video, cues, output, columns = frame_clip(320, 180, seconds=1), [Cue(0, 1000, ("一",))], tmp_path / "s.png", 4
    if case == "missing video":
        video = tmp_path / "gone.mp4"
    elif case == "not a video":
        video = tmp_path / "notes.mp4"
        video.write_text("not a video", encoding="utf-8")
    elif case == "cue past the end":
        cues = [Cue(30_000, 31_000, ("晚了",))]
    elif case == "no cues":
        cues = []
    elif case == "jpeg":
        output = tmp_path / "s.jpg"
    else:
        columns = 0
    with pytest.raises(error, match=words) as caught:
        contact_sheet(video, cues, output, columns=columns)
    message = str(caught.value)
    assert "\n" not in message and (video.name in message or output.name in message), message
    assert not output.exists()
