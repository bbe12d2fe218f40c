"""Loopback stand-ins for the speech vendors, faithful to their documents, with fault injection.

Tests and the demo run against these; a real vendor is one base URL and one credential
away. The sandbox never pretends to recognise speech: it returns registered transcripts
(or a marked placeholder), timed by speech detection on the uploaded audio.

Vendor modules are found by ``server.build_app`` by name: a module ``pipeline.sandbox.<vendor>``
with ``routes(state)`` is a vendor.
"""

from __future__ import annotations

from pipeline.sandbox.faults import ErrorRule, FaultConfig
from pipeline.sandbox.media_library import MediaLibraryConfig
from pipeline.sandbox.server import SandboxServer, available_vendors, build_app, serve
from pipeline.sandbox.speech import PLACEHOLDER_TEXT, TranscriptRegistry
from pipeline.sandbox.state import SandboxConfig, SandboxState
from pipeline.sandbox.transcriptgenerate import TranscriptGenerateConfig
from pipeline.sandbox.volcengine import VolcengineConfig
from pipeline.sandbox.yinzi import YinziConfig

__all__ = [
    "PLACEHOLDER_TEXT",
    "ErrorRule",
    "FaultConfig",
    "MediaLibraryConfig",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "TranscriptGenerateConfig",
    "TranscriptRegistry",
    "VolcengineConfig",
    "YinziConfig",
    "available_vendors",
    "build_app",
    "serve",
]
