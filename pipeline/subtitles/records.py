"""The JSON record of cues: their lines and word times, the rules and the applied recipe.

``build_cues(transcript, CueRules.from_dict(doc["rules"]))`` reproduces the cues of a record
that holds its transcript; :func:`pipeline.subtitles.formats.write_json` writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.subtitles.chain import recipe_for, recipe_string
from pipeline.subtitles.cues import Cue
from pipeline.subtitles.rules import CueRules, rules_for
from pipeline.transcript import Transcript

JSON_FORMAT = "pipeline.subtitles/1"


def cues_to_dict(
    cues: Sequence[Cue], transcript: Transcript | None = None, rules: CueRules | None = None
) -> dict[str, Any]:
    """The JSON document: cues with their words' times, the rules and the applied recipe.

    ``build_cues(transcript, CueRules.from_dict(doc["rules"]))`` reproduces the cues.
    """
    if rules is None and transcript is not None:
        rules = rules_for(transcript.language)
    recipe = recipe_for(rules, transcript.duration_ms if transcript else None) if rules else None
    return {
        "format": JSON_FORMAT,
        "language": rules.language if rules else None,
        "rules": rules.to_dict() if rules else None,
        "recipe": recipe,
        "recipe_string": recipe_string(recipe) if recipe else None,
        "cues": [
            {
                "index": number,
                "start_ms": cue.start_ms,
                "end_ms": cue.end_ms,
                "lines": list(cue.lines),
                "text": cue.text,
                "words": [{"text": w.text, "start_ms": w.start_ms, "end_ms": w.end_ms} for w in cue.words],
            }
            for number, cue in enumerate(cues, start=1)
        ],
        "transcript": transcript.to_dict() if transcript else None,
    }
