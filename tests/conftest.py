"""Shared fixtures: generated media (made with the same ffmpeg the library finds)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Prefect must not phone home or log telemetry errors in tests (set before any import of prefect).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# The test server stops before the last run logs are shipped to it, which prints "Logging error"
# tracebacks at teardown; run logs still reach the console.
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
# The test server is one SQLite file; every background writer there competes with the flows' own
# writes, and under load a write waited out SQLite's 60 s busy timeout (a test took 70 s instead of
# 10). No test reads events or automations, so their services stay off; the task run recorder
# stays on (task runs reach the database only through it).
for _service in ("EVENT_PERSISTER", "TRIGGERS", "EVENT_LOGGER"):  # TRIGGERS also stops Actions
    os.environ.setdefault(f"PREFECT_SERVER_SERVICES_{_service}_ENABLED", "false")

from pipeline.media import tools  # noqa: E402
from pipeline.sandbox import SandboxConfig, SandboxServer  # noqa: E402
from pipeline.vendors.hosting.protocol import HostedMedia  # noqa: E402
from pipeline.vendors.volcengine import CaptionOptions, VolcengineClient, VolcengineCredentials  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def ffmpeg(*args: str) -> None:
    subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def make_media(media_dir: Path) -> Callable[..., Path]:
    """Build (once per session) a media file from an ffmpeg argument list."""
    made: dict[str, Path] = {}

    def make(name: str, *args: str) -> Path:
        if name not in made:
            target = media_dir / name
            ffmpeg(*args, str(target))
            made[name] = target
        return made[name]

    return make


@pytest.fixture(scope="session")
def tone_wav(make_media: Callable[..., Path]) -> Path:
    return make_media("tone.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ac", "1", "-ar", "16000")


@pytest.fixture(scope="session")
def video_with_aac(make_media: Callable[..., Path]) -> Path:
    return make_media(
        "clip.mp4", "-f", "lavfi", "-i", "color=c=blue:s=160x90:r=5:d=3", "-f", "lavfi",
        "-i", "sine=frequency=300:duration=3", "-c:v", "libx264", "-c:a", "aac", "-b:a", "48k", "-shortest",
    )


@pytest.fixture(scope="session")
def video_without_audio(make_media: Callable[..., Path]) -> Path:
    return make_media("mute.mp4", "-f", "lavfi", "-i", "color=c=red:s=160x90:r=5:d=2", "-c:v", "libx264")


FrameClip = Callable[..., Path]


@pytest.fixture(scope="session")
def frame_clip(media_dir: Path) -> FrameClip:
    """A plain dark clip of a given stored size, with display rotation, frame rate and sample aspect.

    ``frame_clip(1920, 1080, rotation=90)`` is what a phone writes for a portrait video: stored
    landscape, shown 1080x1920. The picture is flat grey, so burned text stands out in a
    pixel difference, and a quiet tone is the audio track.
    """
    made: dict[tuple[Any, ...], Path] = {}

    def make(width: int, height: int, *, rotation: int = 0, fps: str = "25", seconds: float = 4,
             sar: str = "1/1") -> Path:
        key = (width, height, rotation, fps, seconds, sar)
        if key not in made:
            name = f"frame-{width}x{height}-r{rotation}-{fps.replace('/', '_')}-{seconds}-{sar.replace('/', '_')}"
            plain = media_dir / f"{name}.plain.mp4"
            ffmpeg("-f", "lavfi", "-i", f"color=c=0x303030:s={width}x{height}:r={fps}:d={seconds}",
                   "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}", "-vf", f"setsar={sar}",
                   "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                   str(plain))
            made[key] = plain if not rotation else _rotated(plain, media_dir / f"{name}.mp4", rotation)
        return made[key]

    return make


def _rotated(plain: Path, target: Path, rotation: int) -> Path:
    """A copy of ``plain`` with a display matrix: ``-display_rotation`` (ffmpeg 6+) or the ``rotate`` tag (5.x)."""
    try:
        # -display_rotation is counter-clockwise; phones' "rotate=90" tag means 90 clockwise.
        ffmpeg("-display_rotation", str(-rotation), "-i", str(plain), "-c", "copy", str(target))
    except subprocess.CalledProcessError:
        ffmpeg("-i", str(plain), "-c", "copy", "-metadata:s:v:0", f"rotate={rotation}", str(target))
    return target


@pytest.fixture
def no_system_cjk_fonts(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fontconfig that sees only Latin fonts, as on a fresh machine: for this process and its ffmpeg runs.

    Returns the folder of fonts it sees (DejaVu when the machine has it, else none).
    """
    from pipeline.media import fonts

    home = tmp_path_factory.mktemp("fontconfig")
    latin = next((Path(d) for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu") if Path(d).is_dir()),
                 home / "no-fonts")
    latin.mkdir(exist_ok=True)
    (home / "fonts.conf").write_text(
        f"<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig><dir>{latin}</dir>"
        f"<cachedir>{home / 'cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(home / "fonts.conf"))
    fonts._fc_list_output.cache_clear()
    yield latin
    fonts._fc_list_output.cache_clear()


@pytest.fixture(scope="session")
def silent_wav(make_media: Callable[..., Path]) -> Path:
    return make_media("silence.wav", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=3")


@pytest.fixture(scope="session")
def zh_sample() -> Path:
    return SAMPLES / "zh_demo.mp4"


@pytest.fixture(scope="session")
def en_sample() -> Path:
    return SAMPLES / "en_demo.mp4"


@pytest.fixture(scope="session")
def prefect_harness() -> object:
    """One Prefect test server for the whole session (it takes ~20 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


# --------------------------------------------------------------------------- a hosted URL, captioned


CaptionByUrl = Callable[[SandboxServer, HostedMedia], dict[str, Any]]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A Volcengine sandbox answering fast, for tests that caption a hosted media URL end to end."""
    config = SandboxConfig(processing_ms=200, processing_ms_per_audio_s=0, max_hold_s=5)
    with SandboxServer(config, vendors=["volcengine"]) as server:
        yield server


@pytest.fixture
def caption_by_url() -> CaptionByUrl:
    """Submit a hosted media's URL to the sandbox's caption API and wait for the answer."""

    def caption(sandbox: SandboxServer, media: HostedMedia) -> dict[str, Any]:
        credentials = VolcengineCredentials("sandbox-appid", "sandbox-token")
        with VolcengineClient(credentials, sandbox.base_url + "/api/v1/vc") as client:
            task_id = client.submit_caption_url(media.url, CaptionOptions(language="en-US"))
            return dict(client.wait_caption(task_id))

    return caption

