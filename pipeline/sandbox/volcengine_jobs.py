"""What a Volcengine job does on its worker thread: fetch the audio, check it, shape the result.

The checks at query time (1001/1011 for URL mode, then 1012, 1010, 1013) happen here, in the
order the contract table in ``pipeline.sandbox.volcengine`` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from pipeline.errors import NotMediaError
from pipeline.media.probe import probe
from pipeline.sandbox import speech
from pipeline.sandbox.state import JobOutcome, SandboxState, sha256_file
from pipeline.sandbox.volcengine_codes import Refusal


@dataclass(frozen=True)
class AudioSource:
    """Where a job's audio is: an uploaded file, or a URL still to fetch."""

    path: Path | None = None
    url: str | None = None


def download(url: str, target: Path, max_bytes: int, timeout_s: float) -> None:
    """Fetch URL-mode audio like the vendor does.

    Raises:
        Refusal: 1001 when it cannot be fetched, 1011 when it is too large.
    """
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise Refusal(1001, f"audio url answered HTTP {response.status_code}")
            size = 0
            with target.open("wb") as handle:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise Refusal(1011, f"audio at url exceeds {max_bytes} bytes")
                    handle.write(chunk)
    except httpx.HTTPError as exc:
        raise Refusal(1001, f"audio url could not be downloaded ({type(exc).__name__})") from None


def load_audio(state: SandboxState, source: AudioSource, api: str) -> Path:
    """The job's audio as a local file (downloading URL mode, and counting its content hash)."""
    if source.path is not None:
        return source.path
    assert source.url is not None
    target = state.new_upload_path(Path(urlsplit(source.url).path).suffix[:8])
    download(source.url, target, state.config.max_upload_bytes, state.config.download_timeout_s)
    state.submissions.count_content(api, sha256_file(target))
    return target


def checked_analysis(state: SandboxState, path: Path) -> tuple[float, speech.AudioAnalysis]:
    """Probe and measure the audio; refusals 1012, 1010 and 1013 in that order.

    A file whose header promises more audio than decodes (a cut-off download) is 1012:
    the header is wrong, whatever a lenient decoder makes of the rest.
    """
    try:
        info = probe(path)
    except NotMediaError:
        raise Refusal(1012, "ffprobe cannot read the file") from None
    if info.audio is None:
        raise Refusal(1012, "no audio stream")
    if info.duration_s > state.config.max_duration_s:
        raise Refusal(1010, f"{info.duration_s:.1f} s exceeds {state.config.max_duration_s:.0f} s")
    try:
        analysis = speech.analyse(path)
    except NotMediaError:
        raise Refusal(1012, "audio cannot be decoded") from None
    declared = info.audio.duration_s or info.duration_s
    if declared and analysis.duration_ms / 1000 < 0.9 * declared - 0.5:
        raise Refusal(1012, f"header declares {declared:.1f} s but only {analysis.duration_ms / 1000:.1f} s decode (truncated?)")
    if analysis.is_silent:
        raise Refusal(1013)
    return info.duration_s, analysis


def job_work(state: SandboxState, api: str, source: AudioSource, task_error: tuple[int | str, str] | None,
             shape: Callable[[speech.AudioAnalysis], list[dict[str, Any]]]) -> Callable[[], JobOutcome]:
    """The function a job runs on its worker thread."""

    def work() -> JobOutcome:
        path: Path | None = None
        duration = 0.0
        try:
            path = load_audio(state, source, api)
            duration, analysis = checked_analysis(state, path)
            if task_error is not None:
                return JobOutcome(error_code=task_error[0], error_message=task_error[1], audio_s=duration)
            return JobOutcome(result={"duration": duration, "utterances": shape(analysis)}, audio_s=duration)
        except Refusal as refusal:
            return JobOutcome(error_code=refusal.code, error_message=refusal.text, audio_s=duration)
        finally:
            if path is not None:
                path.unlink(missing_ok=True)

    return work
