"""The review page's HTML, read back with a parser: every cue listed, findings with their cue, text escaped.

The browser half (the track loads, a click seeks) is in test_review_page_browser.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from pipeline.media.review_page import review_page_html, write_review_page
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.formats import vtt_text

HOSTILE = '</script><script>alert("x")</script> & <!-- \'q\''
CUES = [Cue(0, 1200, (HOSTILE,)), Cue(1500, 3000, ("第二句", "两行")), Cue(62_300, 65_000, ("三",))]


@dataclass
class Item:
    """One cue of the list: its attributes, its visible text (findings apart) and its findings (class, text)."""

    attrs: dict[str, str | None]
    text: str = ""
    findings: list[tuple[str, str]] = field(default_factory=list)


class Page(HTMLParser):
    """What the page holds: its elements, each cue item's text and findings, the scripts' contents."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.items: list[Item] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.title = ""
        self._open: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.tags.append((tag, named))
        if tag == "li":
            self.items.append(Item(named))
        elif tag == "span" and "finding" in (named.get("class") or "").split():
            self.items[-1].findings.append((named.get("class") or "", ""))
            tag = "finding"
        elif tag == "script":
            self.scripts.append((named, ""))
        if tag not in {"br", "meta"}:  # void elements: no end tag follows
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        inside = self._open[-1] if self._open else ""
        if inside == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif inside == "title":
            self.title += data
        elif inside == "finding":
            kind, text = self.items[-1].findings[-1]
            self.items[-1].findings[-1] = (kind, text + data)
        elif "li" in self._open:
            self.items[-1].text += data


def test_every_cue_is_listed_with_its_times_and_text() -> None:
    page = Page(review_page_html("clip.mp4", CUES, {}, title="clip"))
    assert [item.attrs for item in page.items] == [
        {"data-start": "0.000", "data-end": "1.200", "id": "cue-1"},
        {"data-start": "1.500", "data-end": "3.000", "id": "cue-2"},
        {"data-start": "62.300", "data-end": "65.000", "id": "cue-3"},
    ]
    texts = [item.text for item in page.items]
    assert texts == [f"#1 00:00.0–00:01.2{HOSTILE}", "#2 00:01.5–00:03.0第二句两行", "#3 01:02.3–01:05.0三"]


def test_hostile_text_stays_text_everywhere() -> None:
    source = review_page_html('a "b" <c>.mp4', CUES, {0: [HOSTILE]}, title=HOSTILE)
    page = Page(source)
    assert page.title == HOSTILE
    assert [attrs for tag, attrs in page.tags if tag == "video"][0]["src"] == 'a "b" <c>.mp4'
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json", None], "no injected script"
    embedded = page.scripts[0][1]
    assert json.loads(embedded) == vtt_text(CUES), "the WebVTT round-trips through the page"
    assert "<" not in embedded, "nothing inside the JSON can close or comment out the script element"
    assert source.count("<script") == 2 and source.count("</script>") == 2


def test_findings_are_shown_with_their_cue() -> None:
    findings = {1: ["warning: reading_speed: 25 characters a second; limit 20", "error: gap: 40 ms < 80 ms"]}
    page = Page(review_page_html("clip.mp4", CUES, findings, title="clip"))
    assert [item.findings for item in page.items] == [
        [],
        [("finding", "warning: reading_speed: 25 characters a second; limit 20"),
         ("finding error", "error: gap: 40 ms < 80 ms")],
        [],
    ]


def test_the_page_fetches_nothing() -> None:
    source = review_page_html("clip.mp4", CUES, {}, title="clip")
    page = Page(source)
    assert not [tag for tag, attrs in page.tags if tag in {"link", "img", "iframe"} or (tag == "script" and "src" in attrs)]
    assert "http:" not in source and "https:" not in source and "//" not in source.replace("://", "")


def test_the_written_page_links_the_video_relatively_and_encoded(tmp_path: Path) -> None:
    video = tmp_path / "media" / "clip #1 字幕?.mp4"
    video.parent.mkdir()
    video.write_bytes(b"")
    written = write_review_page(tmp_path / "out" / "review.html", video, CUES, {}, title="clip")
    assert written == tmp_path / "out" / "review.html"
    page = Page(written.read_text(encoding="utf-8"))
    href = [attrs for tag, attrs in page.tags if tag == "video"][0]["src"]
    assert href == "../media/clip%20%231%20%E5%AD%97%E5%B9%95%3F.mp4"
    assert sorted(p.name for p in written.parent.iterdir()) == ["review.html"], "no temporary file left"
