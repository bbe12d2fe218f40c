"""Presets, the canvas and the burn target: the numbers that decide where burned text goes."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.media.burn_target import BurnTarget, ass_colour
from pipeline.media.canvas import Canvas, Rect
from pipeline.media.glyphs import choose_font
from pipeline.media.presets import PORTRAIT_PRESETS, PRESETS, preset_for, preset_named
from pipeline.subtitles.rules import rules_for

REQUIRED = ("douyin", "xiaohongshu", "kuaishou", "bilibili", "youtube", "youtube-shorts", "broadcast-16:9")


def test_every_required_preset_exists_and_says_where_its_numbers_come_from() -> None:
    for name in REQUIRED:
        assert PRESETS[name].source, name
        assert PRESETS[name].max_lines == 2


@pytest.mark.parametrize(("platform", "aspect", "expected"), [
    ("DOUYIN", 9 / 16, "douyin"), ("XHS", 9 / 16, "xiaohongshu"), ("KUAISHOU", 9 / 16, "kuaishou"),
    ("TIKTOK", 9 / 16, "douyin"), ("YOUTUBE", 9 / 16, "youtube-shorts"), ("YOUTUBE", 16 / 9, "youtube"),
    ("BILIBILI", 16 / 9, "bilibili"), (None, 9 / 16, "douyin"), (None, 16 / 9, "broadcast-16:9"),
    (None, 4 / 3, "broadcast-16:9"),
    # A landscape upload to a phone platform is letterboxed in the feed: the frame's shape decides.
    ("DOUYIN", 16 / 9, "broadcast-16:9"), ("BILIBILI", 9 / 16, "douyin"),
])
def test_preset_from_platform_then_shape(platform: str | None, aspect: float, expected: str) -> None:
    assert preset_for(platform, aspect).name == expected


def test_portrait_presets_keep_clear_of_the_right_action_rail() -> None:
    for name in PORTRAIT_PRESETS:
        layout = PRESETS[name]
        assert layout.margin_right > layout.margin_left and layout.margin_bottom >= 0.2, name


def test_overrides_replace_fields_one_by_one() -> None:
    layout = PRESETS["douyin"].with_overrides(font_size=0.08, margin_bottom=None)
    assert (layout.font_size, layout.margin_bottom, layout.margin_right) == (0.08, 0.22, PRESETS["douyin"].margin_right)
    assert PRESETS["douyin"].with_overrides(font_size=None) is PRESETS["douyin"]


@pytest.mark.parametrize(("overrides", "match"), [
    ({"font_size": 3}, "font-size 3: give a fraction"), ({"font_size": 0}, "font-size 0"),
    ({"margin_bottom": -0.1}, "margin-bottom -0.1"), ({"max_lines": 0}, "max-lines 0"),
    ({"margin_left": 0.45, "margin_right": 0.45}, "leave at least a tenth"), ({"colour": "red"}, "not a layout field"),
])
def test_bad_overrides_are_one_line(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        PRESETS["douyin"].with_overrides(**overrides)


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="no such preset; use one of douyin, kuaishou"):
        preset_named("tiktok-ads")


@pytest.mark.parametrize(("canvas", "name", "short"), [
    (Canvas(1080, 1920), "9:16", 1080), (Canvas(1920, 1080), "16:9", 1080), (Canvas(1440, 1080), "4:3", 1080),
    # HDV: 1440x1080 stored with pixels 4:3 wide is shown 1920x1080.
    (Canvas(1440, 1080, sample_aspect=4 / 3), "16:9", 1080),
])
def test_canvas_shape(canvas: Canvas, name: str, short: float) -> None:
    assert canvas.aspect_name == name and canvas.short_side == pytest.approx(short)


def test_canvas_refuses_impossible_frames() -> None:
    with pytest.raises(InputError):
        Canvas(0, 1080)


@pytest.mark.parametrize(("canvas", "preset"), [
    (Canvas(1080, 1920), "douyin"), (Canvas(1920, 1080), "broadcast-16:9"), (Canvas(1440, 1080), "broadcast-16:9"),
    (Canvas(540, 960), "douyin"), (Canvas(3840, 2160), "youtube"),
])
def test_target_pixels_follow_the_frame(canvas: Canvas, preset: str) -> None:
    layout = PRESETS[preset]
    target = BurnTarget(canvas, layout, choose_font())
    assert target.font_px == round(layout.font_size * canvas.short_side)
    assert target.play_res == (canvas.width, canvas.height)
    safe = target.safe
    assert Rect(0, 0, canvas.width, canvas.height).contains(safe)
    assert canvas.height - safe.bottom == round(layout.margin_bottom * canvas.height)
    assert canvas.width - safe.right == round(layout.margin_right * canvas.width)
    style = target.ass_style()
    # Centred between the safe area's sides, resting on its bottom edge.
    assert (style["marginl"], style["marginr"], style["marginv"]) == (
        safe.left, canvas.width - safe.right, canvas.height - safe.bottom + target.outline_px + 1)
    assert style["fontsize"] == target.font_px and style["fontname"] == target.font.family
    assert target.measure().max_width == safe.width - 2 * target.outline_px


def test_a_sixteen_character_chinese_line_fits_a_phone_frame_at_the_douyin_size() -> None:
    # The failure: at 5.5 % of the *height* (106 px) 16 ideographs overflow 1080 px.
    measure = BurnTarget(Canvas(1080, 1920), PRESETS["douyin"], choose_font()).measure()
    width = measure.widths(["今天我们来聊一聊人工智能的未来"])[0]
    assert width <= measure.max_width


def test_non_square_pixels_narrow_the_glyphs() -> None:
    target = BurnTarget(Canvas(1440, 1080, sample_aspect=4 / 3), PRESETS["broadcast-16:9"], choose_font())
    assert target.ass_style()["scalex"] == 75.0
    assert target.measure().max_width == pytest.approx(target.safe.width * 4 / 3 - 2 * target.outline_px)


def test_thin_borders_never_round_away() -> None:
    layout = PRESETS["broadcast-16:9"].with_overrides(outline=0.001)
    assert BurnTarget(Canvas(320, 180), layout, choose_font()).outline_px == 1


def test_colours() -> None:
    assert ass_colour("#FF8000") == "&H000080FF"
    assert ass_colour("#ffffff80") == "&H7FFFFFFF"
    assert ass_colour("&HFF") == "&H000000FF"
    with pytest.raises(InputError, match="colour 'white'"):
        ass_colour("white")


@pytest.mark.parametrize(("canvas", "preset"), [(Canvas(1920, 1080), "broadcast-16:9"), (Canvas(1080, 1920), "douyin")])
def test_a_wide_frame_does_not_make_lines_longer_than_the_delivery_limit(canvas: Canvas, preset: str) -> None:
    target = BurnTarget(canvas, PRESETS[preset], choose_font())
    zh = rules_for("zh-CN")
    measure = target.measure(zh)
    assert measure.widths(["中" * 16])[0] <= measure.max_width < measure.widths(["中" * 17])[0]
    assert measure.max_width <= target.measure().max_width
    # Latin letters in Chinese text count about half an ideograph, as players draw them.
    assert measure.widths(["iPhone 15 Pro Max"])[0] < measure.widths(["中" * 12])[0]


def test_the_flows_refuse_an_unknown_burn_preset_in_one_line() -> None:
    from flows.tasks import check_burn_preset

    assert [check_burn_preset(name) for name in ("auto", "none", "douyin")] == ["auto", "none", "douyin"]
    with pytest.raises(InputError, match="burn_preset 'tiktok': use auto, none or one of douyin"):
        check_burn_preset("tiktok")
