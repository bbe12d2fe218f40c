"""The HTML review page in headless Chromium, opened from disk: the track loads, a click seeks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_browser import CHROMIUM, DevTools, browser, wait_for  # noqa: F401 - browser is a fixture

from pipeline.media import tools
from pipeline.media.review_page import write_review_page
from pipeline.subtitles.cues import Cue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (run .ci/browser-deps.sh as root)"),
]

CUES = [Cue(500, 2000, ("第一句 <b>粗体</b> 1 < 2",)), Cue(2500, 4200, ("第二句", "两行")), Cue(5000, 7000, ("Third & last",))]


def evaluate(page: DevTools, expression: str) -> object:
    return page.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")


def video_state(page: DevTools) -> dict[str, object]:
    state = evaluate(page, "(() => { const v = document.getElementById('video'); return {time: v.currentTime,"
                           " ready: v.readyState, error: v.error && v.error.code, seeking: v.seeking,"
                           " active: [...(v.textTracks[0].activeCues || [])].map(c => c.text)}; })()")
    assert isinstance(state, dict)
    return state


def seeked_to(page: DevTools, seconds: float, cue_text: str) -> dict[str, object] | None:
    """The state once the video has decoded the frame at ``seconds`` and the track shows ``cue_text`` there."""
    state = video_state(page)
    decoded = int(str(state["ready"])) >= 2  # HAVE_CURRENT_DATA: the frame there, not just the metadata
    settled = decoded and not state["seeking"] and state["active"] == [cue_text]
    return state if settled and state["time"] == pytest.approx(seconds, abs=0.05) else None


@pytest.mark.parametrize("codec", [["libvpx-vp9", "-deadline", "realtime", "-b:v", "200k"],
                                   ["libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]], ids=["webm", "mp4"])
def test_the_page_plays_its_track_and_seeks_on_a_click(browser: DevTools, tmp_path: Path,  # noqa: F811
                                                       codec: list[str]) -> None:
    # "#" and a space would cut or break an unencoded link; the name is CJK as editors' files are.
    video = tmp_path / "media" / f"clip #1 字幕.{'webm' if codec[0] == 'libvpx-vp9' else 'mp4'}"
    video.parent.mkdir()
    subprocess.run([tools.ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=8", "-c:v",
                    *codec, str(video)], check=True)
    page = write_review_page(tmp_path / "review.html", video, CUES, {1: ["warning: gap: 40 ms"]}, title="clip")
    browser.show(page.as_uri(), expect=("第一句 粗体 1 < 2", "warning: gap: 40 ms", "Third & last"))

    def cue_count() -> int | None:
        count = evaluate(browser, "(() => { const t = document.getElementById('video').textTracks[0];"
                                  " return t && t.cues ? t.cues.length : null; })()")
        return count if count == len(CUES) else None

    wait_for("the subtitle track's cues", cue_count, timeout=30)
    texts = evaluate(browser, "[...document.getElementById('video').textTracks[0].cues].map(c => c.getCueAsHTML().textContent)")
    assert texts == ["第一句 粗体 1 < 2", "第二句\n两行", "Third & last"], "as a player shows them: tags style, a bare < is text"
    wait_for("the video's metadata", lambda: evaluate(browser, "document.getElementById('video').readyState >= 1")
             or None, timeout=30, detail=lambda: str(video_state(browser)))
    evaluate(browser, "document.getElementById('cue-3').click()")
    assert evaluate(browser, "document.getElementById('video').currentTime") == pytest.approx(5.0, abs=0.05)
    wait_for("the frame and the cue at 5 s", lambda: seeked_to(browser, 5.0, "Third &amp; last"), timeout=30,
             detail=lambda: str(video_state(browser)))
    evaluate(browser, "document.getElementById('cue-2').click()")
    wait_for("the frame and the cue at 2.5 s", lambda: seeked_to(browser, 2.5, "第二句\n两行"), timeout=30,
             detail=lambda: str(video_state(browser)))
    assert video_state(browser)["error"] is None, "the browser decodes the video"
    assert evaluate(browser, "document.querySelector('#cue-2').classList.contains('active')") is True
    assert json.loads(json.dumps(evaluate(browser, "document.querySelectorAll('script[src], link[href]').length"))) == 0
