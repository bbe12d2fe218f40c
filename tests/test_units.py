"""Amounts in messages never round a real amount to zero."""

from __future__ import annotations

import pytest

from pipeline.units import minutes_text, size_text, wait_text


@pytest.mark.parametrize(("seconds", "text"), [(0.0, "0 ms"), (0.04, "40 ms"), (0.999, "999 ms"), (2.34, "2.3 s")])
def test_wait_text(seconds: float, text: str) -> None:
    assert wait_text(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [(10, "10 s"), (59.4, "59 s"), (60, "1 min"), (100, "1.7 min"),
                                               (360, "6 min"), (3600, "60 min")])
def test_minutes_text(seconds: float, text: str) -> None:
    assert minutes_text(seconds) == text


@pytest.mark.parametrize(("size", "text"), [(1000, "1000 bytes"), (300_000, "293 KB"), (1024 * 1024, "1 MB"),
                                            (2_500_000, "2.4 MB"), (2048 * 1024 * 1024, "2048 MB")])
def test_size_text(size: int, text: str) -> None:
    assert size_text(size) == text
