"""Peak memory of uploading a 200 MB audio file to the Volcengine caption submit.

``VolcengineClient.submit_caption_file`` streams the body from disk in 256 KiB chunks; this
script checks that the client process's peak RSS grows by at most 50 MB while it uploads
a 200 MB WAV, next to a baseline that reads the file whole into memory first (as the vendor's
demo and most peers do with ``open(...).read()``).

How it measures:

* The sandbox runs in its own process (``multiprocessing`` spawn, ``pipeline.sandbox.serve``),
  so its memory never counts. ``max_duration_s`` is set low so the sandbox answers the job
  with 1010 "too long" after a quick probe instead of decoding 18 minutes of audio, which
  would compete for the CPU; only the upload matters here.
* Each upload runs in a fresh child process. The child imports everything first, reads its
  current RSS (``/proc/self/statm``), uploads, then reads its peak RSS
  (``resource.getrusage(RUSAGE_SELF).ru_maxrss``): the difference is the peak growth caused by
  the upload (client construction included).
* The upload counts only if the sandbox accepted it (code 0 and a task id) and its
  ``/sandbox/stats`` list the file's sha256, i.e. the server read every byte of the body.
  The file is exactly 200 MiB, the sandbox's ``max_upload_bytes`` (larger bodies get 1011).

The WAV is made in well under a second: a valid 48 kHz stereo 16-bit header declaring the
right data size, two seconds of a 440 Hz tone, then silence (a sparse file where the
filesystem allows).

Usage::

    .venv/bin/python bench/upload_rss_bench.py                 # 200 MiB, streaming vs whole-body
    .venv/bin/python bench/upload_rss_bench.py --size-mb 100 --keep /tmp/big.wav

Linux or macOS (``resource``); about 10-20 s. The last line is ``SUMMARY ... PASS`` or
``... FAIL``; the exit status is 0 only on PASS.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import resource
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
TARGET_GROWTH_MB = 50.0
APPID, TOKEN = "sandbox-appid", "sandbox-token"
SAMPLE_RATE, CHANNELS, SAMPLE_BYTES = 48_000, 2, 2
TONE_S = 2.0


# --------------------------------------------------------------------------- the file


def wav_header(data_bytes: int) -> bytes:
    """A canonical 44-byte PCM WAV header for ``data_bytes`` of 16-bit stereo 48 kHz audio."""
    block = CHANNELS * SAMPLE_BYTES
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, CHANNELS, SAMPLE_RATE, SAMPLE_RATE * block, block, 8 * SAMPLE_BYTES)
            + b"data" + struct.pack("<I", data_bytes))


def tone(seconds: float) -> bytes:
    """A 440 Hz tone at half scale, both channels."""
    frames = int(seconds * SAMPLE_RATE)
    samples = (int(16383 * math.sin(2 * math.pi * 440 * n / SAMPLE_RATE)) for n in range(frames))
    return b"".join(struct.pack("<hh", s, s) for s in samples)


def make_wav(path: Path, total_bytes: int) -> Path:
    """A valid WAV of exactly ``total_bytes``: header, a tone, then silence (sparse if possible)."""
    block = CHANNELS * SAMPLE_BYTES
    data_bytes = (total_bytes - 44) // block * block
    with path.open("wb") as handle:
        handle.write(wav_header(data_bytes))
        handle.write(tone(TONE_S)[:data_bytes])
        handle.truncate(44 + data_bytes)
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(4 * MB):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- the sandbox process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_sandbox(port: int) -> None:
    """Child process: the Volcengine sandbox, refusing long audio at probe time (see module doc)."""
    from pipeline.sandbox import SandboxConfig, serve

    config = SandboxConfig(processing_ms=0, processing_ms_per_audio_s=0, max_duration_s=60.0, transcript_dirs=())
    serve("127.0.0.1", port, config, vendors=["volcengine"])


def wait_until_up(base_url: str, process: Any, timeout_s: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not process.is_alive():
            raise RuntimeError("the sandbox process exited")
        try:
            if httpx.get(base_url + "/sandbox/stats", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the sandbox did not answer on {base_url}")


# --------------------------------------------------------------------------- the upload process


@dataclass(frozen=True)
class Measurement:
    """One upload in one child process (RSS in MiB: resident before, peak after)."""

    mode: str
    rss_before_mb: float
    peak_after_mb: float
    seconds: float
    task_id: str
    error: str = ""

    @property
    def growth_mb(self) -> float:
        return self.peak_after_mb - self.rss_before_mb


def peak_rss_mb() -> float:
    """Peak RSS of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """Resident memory now (Linux ``/proc``); elsewhere the peak so far, a lower bound on growth."""
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_mb()
    return resident_pages * resource.getpagesize() / MB


def upload(mode: str, path: str, base_url: str) -> str:
    """Send the file the way ``mode`` says; returns the task id (raises on refusal)."""
    from pipeline.vendors.volcengine import CaptionOptions, VolcengineClient, VolcengineCredentials

    options = CaptionOptions(language="en-US")
    with VolcengineClient(VolcengineCredentials(APPID, TOKEN), base_url + "/api/v1/vc") as client:
        if mode == "streaming":
            return client.submit_caption_file(path, options)
        return whole_body_submit(client, Path(path), options)


def whole_body_submit(client: Any, path: Path, options: Any) -> str:
    """The baseline: the body read whole into memory, then posted (same endpoint and params)."""
    import httpx

    body = path.read_bytes()
    response = client._http.post("/submit", params={"appid": APPID, **options.params()}, content=body,
                                 headers={"Content-Type": "audio/wav"},
                                 timeout=httpx.Timeout(30, write=600))
    answer = response.json()
    if str(answer.get("code")) != "0" or not answer.get("id"):
        raise RuntimeError(f"sandbox refused the upload: {answer.get('code')} {answer.get('message')}")
    return str(answer["id"])


def measure(mode: str, path: str, base_url: str, results: Any) -> None:
    """Child process entry: warm up (imports, client), then measure one upload."""
    import httpx  # noqa: F401 (imported before the first reading on purpose)

    import pipeline.vendors.volcengine  # noqa: F401

    before = current_rss_mb()
    started = time.monotonic()
    try:
        task_id, error = upload(mode, path, base_url), ""
    except Exception as exc:  # reported to the parent, which fails the run
        task_id, error = "", f"{type(exc).__name__}: {exc}"
    results.put(Measurement(mode, before, peak_rss_mb(), time.monotonic() - started, task_id, error))


def run_child(context: Any, mode: str, path: Path, base_url: str) -> Measurement:
    results = context.Queue()
    child = context.Process(target=measure, args=(mode, str(path), base_url, results), name=f"upload-{mode}")
    child.start()
    measurement = results.get(timeout=900)
    child.join(timeout=60)
    return measurement


# --------------------------------------------------------------------------- report


def received(base_url: str, sha256: str) -> int:
    """How many accepted bodies hashed equal to the file (each one was read to the last byte)."""
    import httpx

    stats = httpx.get(base_url + "/sandbox/stats", timeout=10).json()
    return int(stats["submissions"]["by_sha256"].get(sha256, 0))


def report(streaming: Measurement, whole: Measurement, size_mb: float, all_received: bool) -> bool:
    print(f"\nupload of a {size_mb:.0f} MiB WAV to the Volcengine sandbox (separate process)")
    for m in (streaming, whole):
        rate = size_mb / m.seconds if m.seconds else 0.0
        status = m.error or f"accepted, task {m.task_id}"
        print(f"  {m.mode:<10} RSS before {m.rss_before_mb:7.1f} MiB, peak after {m.peak_after_mb:7.1f} MiB  "
              f"growth {m.growth_mb:7.1f} MiB  {m.seconds:5.1f} s ({rate:6.1f} MiB/s)  {status}")
    ratio = whole.growth_mb / max(streaming.growth_mb, 0.1)
    print(f"  whole-body / streaming growth: {ratio:.1f}x; streaming growth is "
          f"{100 * streaming.growth_mb / size_mb:.1f} % of the file size")
    print(f"  sandbox hashed the complete body: {'yes' if all_received else 'NO'}")
    ok = not streaming.error and not whole.error and all_received and streaming.growth_mb <= TARGET_GROWTH_MB
    print(f"\nSUMMARY upload {size_mb:.0f} MiB: streaming peak RSS growth {streaming.growth_mb:.1f} MiB "
          f"(<= {TARGET_GROWTH_MB:.0f} MiB), whole-body baseline {whole.growth_mb:.1f} MiB ({ratio:.1f}x), "
          f"body received in full: {'yes' if all_received else 'no'} => {'PASS' if ok else 'FAIL'}")
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200.0, help="file size in MiB (the sandbox takes <= 200)")
    parser.add_argument("--keep", type=Path, default=None, help="write the WAV here and keep it")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    context = multiprocessing.get_context("spawn")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    sandbox = context.Process(target=run_sandbox, args=(port,), name="sandbox", daemon=True)
    sandbox.start()
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as scratch:
        path = args.keep or Path(scratch) / "big.wav"
        started = time.monotonic()
        make_wav(path, int(args.size_mb * MB))
        digest = sha256_of(path)
        print(f"made {path.stat().st_size} bytes of WAV in {time.monotonic() - started:.1f} s")
        try:
            wait_until_up(base_url, sandbox)
            streaming = run_child(context, "streaming", path, base_url)
            streamed_in_full = received(base_url, digest) == 1
            whole = run_child(context, "whole-body", path, base_url)
            ok = report(streaming, whole, args.size_mb, streamed_in_full and received(base_url, digest) == 2)
        finally:
            sandbox.terminate()
            sandbox.join(timeout=10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
