"""What sits beside a registered sample transcript ``X.txt``: its translations and its speakers.

``X.<lang>.txt`` is a translation someone wrote of the transcript; ``X.speakers.txt`` names who
says each line of it (line k for line k). :class:`~pipeline.sandbox.speech.TranscriptRegistry`
reads both when it registers a folder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

#: ``X.<lang>.txt`` beside ``X.txt``: a translation someone wrote of that transcript ("en", "zh", "pt-BR").
_TRANSLATION_NAME = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")


def translations_beside(text_file: Path) -> dict[str, str]:
    """The registered translations of ``X.txt``: every ``X.<lang>.txt`` next to it, by language code."""
    found: dict[str, str] = {}
    for path in sorted(text_file.parent.glob(text_file.stem + ".*.txt")):
        code = path.name[len(text_file.stem) + 1:-len(".txt")]
        if _TRANSLATION_NAME.match(code):
            found[code.lower()] = path.read_text(encoding="utf-8")
    return found


#: ``X.speakers.txt`` beside ``X.txt``: who says each line of it.
SPEAKERS_SUFFIX = ".speakers.txt"


def speakers_beside(text_file: Path) -> tuple[str, ...]:
    """The speaker labels registered for ``X.txt`` (``X.speakers.txt``, one per line), or ()."""
    path = text_file.with_name(text_file.stem + SPEAKERS_SUFFIX)
    if not path.is_file():
        return ()
    return tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines())


def check_speakers(text: str, speakers: Sequence[str]) -> tuple[str, ...]:
    """``speakers`` as registered: one label for every line of ``text``, none for a blank line.

    Raises:
        ValueError: a count that differs, a blank line labelled or a line left without a label.
    """
    lines = text.splitlines()
    labels = tuple(speakers)
    if not labels:
        return ()
    if len(labels) != len(lines):
        raise ValueError(f"{len(labels)} speaker labels for {len(lines)} lines of text; give one per line")
    for number, (line, label) in enumerate(zip(lines, labels, strict=True), start=1):
        if bool(line.strip()) != bool(label):
            raise ValueError(f"line {number}: a label needs a line of text and a line of text a label")
    return labels
