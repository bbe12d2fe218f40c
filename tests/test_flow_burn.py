"""The burn-in flow end to end under Prefect: burned video, pixel check, review, artifacts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_the_burn_flow_burns_checks_and_reviews(frame_clip: Callable[..., Path], tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.burn import burn_subtitles

    video = frame_clip(1920, 1080, rotation=90, seconds=3)  # a phone file: stored landscape, shown 1080x1920
    subs = tmp_path / "c.srt"
    subs.write_text("1\n00:00:00,200 --> 00:00:02,500\niPhone 15 Pro Max 售价 7999 元起，比上一代贵了 1000 元\n",
                    encoding="utf-8")
    result = burn_subtitles(video=str(video), subtitles=str(subs), output=str(tmp_path / "out.mp4"))
    assert Path(result.output).is_file() and result.cues == 1
    assert result.changes == ["cue 1 re-wrapped: line 1 is 1173 px wide where 718 fit"]
    assert result.pixel_check.startswith("pixel check: 1 frame(s), all within 2 line(s)")
    assert [Path(p).name for p in result.review] == ["out.review.png", "out.review.html"]
    with get_client(sync_client=True) as client:
        keys = {a.key for a in client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["burn-progress", "burn-pixel-check", "burn-summary"])))}
    assert keys == {"burn-progress", "burn-pixel-check", "burn-summary"}
