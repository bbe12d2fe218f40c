"""A self-contained HTML page to review burned subtitles: the video, its cues as a track, a clickable list.

Editors look rather than read: the page plays the video (next to it, by relative link) with
the subtitles as a ``<track>``, lists every cue with its times and lint findings, and seeks
the video to a cue when it is clicked. It opens from disk, offline: no script or style is
fetched from anywhere. Browsers refuse a ``<track src="x.vtt">`` on a ``file://`` page (each
file is its own origin), so the WebVTT text is embedded and handed to the track as a Blob URL,
which belongs to the page's own origin.

Example:
    >>> from pipeline.subtitles.cues import Cue
    >>> html = review_page_html("clip.mp4", [Cue(0, 1500, ("你好 <b>",))], {0: ["gap: 40 ms"]}, title="clip")
    >>> "你好 &lt;b&gt;" in html and "gap: 40 ms" in html
    True
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from pipeline.fileio import write_text_atomic
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.formats import vtt_text
from pipeline.subtitles.markup import plain_lines

PathLike = str | os.PathLike[str]

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;display:flex;gap:1rem;background:#111;color:#eee}
main{flex:0 0 auto;padding:1rem}video{max-height:90vh;max-width:60vw;background:#000}
ol{flex:1;list-style:none;margin:0;padding:1rem;overflow:auto;max-height:95vh}
li{padding:.4rem .6rem;border-radius:.3rem;cursor:pointer;margin-bottom:.2rem}li:hover{background:#333}
li.active{background:#264f78}.time{color:#9ab;font-size:.85em;margin-right:.5rem}
.finding{display:block;color:#fc6;font-size:.85em}.finding.error{color:#f77}
"""

_SCRIPT = """
const video = document.getElementById("video");
const vtt = JSON.parse(document.getElementById("cues-vtt").textContent);
const track = document.createElement("track");
track.kind = "subtitles"; track.label = "subtitles"; track.default = true;
track.src = URL.createObjectURL(new Blob([vtt], {type: "text/vtt"}));
video.appendChild(track);
video.textTracks[0].mode = "showing";
const items = Array.from(document.querySelectorAll("li[data-start]"));
for (const item of items) {
  item.addEventListener("click", () => { video.currentTime = Number(item.dataset.start); });
}
video.addEventListener("timeupdate", () => {
  const t = video.currentTime;
  for (const item of items) {
    item.classList.toggle("active", Number(item.dataset.start) <= t && t < Number(item.dataset.end));
  }
});
"""


def _clock(ms: int) -> str:
    return f"{ms // 60000:02}:{ms // 1000 % 60:02}.{ms % 1000 // 100}"


def _cue_item(number: int, cue: Cue, findings: Sequence[str]) -> str:
    # As the viewer sees it: markup (<i>, {\an8} ...) styles the track, it is not text.
    text = "<br>".join(html.escape(line) for line in plain_lines(cue.lines))
    notes = "".join(f'<span class="finding{" error" if note.startswith("error") else ""}">{html.escape(note)}</span>'
                    for note in findings)
    return (f'<li data-start="{cue.start_ms / 1000:.3f}" data-end="{cue.end_ms / 1000:.3f}" id="cue-{number}">'
            f'<span class="time">#{number} {_clock(cue.start_ms)}–{_clock(cue.end_ms)}</span>{text}{notes}</li>')


def review_page_html(video_href: str, cues: Sequence[Cue], findings_by_cue: Mapping[int, Sequence[str]], *,
                     title: str) -> str:
    """The page's HTML. ``findings_by_cue`` maps a 0-based cue index to its lint messages."""
    # JSON inside <script> must not close the element: escape "<" so "</script>" cannot appear.
    embedded = json.dumps(vtt_text(cues), ensure_ascii=False).replace("<", "\\u003c")
    items = "\n".join(_cue_item(k + 1, cue, findings_by_cue.get(k, ())) for k, cue in enumerate(cues))
    return (
        "<!doctype html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        f"<main><h1>{html.escape(title)}</h1><video id=\"video\" controls preload=\"auto\" "
        f"src=\"{html.escape(video_href, quote=True)}\"></video></main>\n"
        f"<ol id=\"cues\">\n{items}\n</ol>\n"
        f"<script type=\"application/json\" id=\"cues-vtt\">{embedded}</script>\n<script>{_SCRIPT}</script>\n"
        "</body></html>\n"
    )


def write_review_page(path: PathLike, video: PathLike, cues: Sequence[Cue],
                      findings_by_cue: Mapping[int, Sequence[str]], *, title: str) -> Path:
    """Write the page atomically; the video is linked relative to the page, so keep them together.

    The link is percent-encoded: a file name with ``#`` or ``?`` would otherwise be cut there.
    """
    target = Path(path)
    href = quote(Path(os.path.relpath(Path(video).resolve(), target.resolve().parent)).as_posix())
    return write_text_atomic(target, review_page_html(href, cues, findings_by_cue, title=title))
