"""Local media steps: find the tools, probe, extract the audio track, check vendor limits, burn subtitles in."""

from __future__ import annotations
