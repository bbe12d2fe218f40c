"""Burn style: force_style sizes in libass's PlayRes units, style validation and colour conversion."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.media.burn_style import BurnStyle, ass_colour, force_style


def test_exact_value_at_playres_height() -> None:
    fields = dict(kv.split("=", 1) for kv in force_style(BurnStyle(font_size=0.1, margin_v=0.1), 288).split(","))
    assert fields["Fontsize"] == "29" and fields["MarginV"] == "29"


def test_thin_outline_never_rounds_away_but_zero_stays_zero() -> None:
    fields = dict(kv.split("=", 1) for kv in force_style(BurnStyle(outline=0.001, shadow=0), 240).split(","))
    assert float(fields["Outline"]) * 240 / 288 == pytest.approx(1, abs=0.01)
    assert fields["Shadow"] == "0"


@pytest.mark.parametrize("kwargs", [{"font_name": "A,B"}, {"font_size": 16}, {"primary_colour": "white"},
                                    {"alignment": 0}, {"margin_v": -0.1}])
def test_bad_style_is_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        BurnStyle(**kwargs)  # type: ignore[arg-type]


def test_colours() -> None:
    assert ass_colour("#FF8000") == "&H000080FF"
    assert ass_colour("#ffffff80") == "&H7FFFFFFF"
    assert ass_colour("&HFF") == "&H000000FF"
