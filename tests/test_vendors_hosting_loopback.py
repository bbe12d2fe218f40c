"""Tests for pipeline.vendors.hosting.loopback: serving published files on 127.0.0.1, and an
end-to-end URL-mode caption job against the Volcengine sandbox."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from pipeline import errors
from pipeline.sandbox import SandboxServer
from pipeline.vendors.hosting.loopback import LoopbackHost
from pipeline.vendors.hosting.protocol import MediaHost

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


class FakeClock:
    """Wall-clock seconds that only move when told to."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    path = tmp_path / "clip.wav"
    path.write_bytes(os.urandom(300_000))
    return path


@pytest.fixture
def host() -> Iterator[LoopbackHost]:
    with LoopbackHost() as started:
        yield started


# --------------------------------------------------------------------------- loopback


def test_published_file_downloads_byte_for_byte(host: LoopbackHost, payload: Path) -> None:
    media = host.publish(payload)
    response = httpx.get(media.url)
    assert response.status_code == 200
    assert response.content == payload.read_bytes()
    assert response.headers["content-length"] == str(payload.stat().st_size)
    assert response.headers["content-type"] == "audio/wav"
    assert media.size == payload.stat().st_size
    assert media.url.startswith(f"http://127.0.0.1:{host.port}/media/")


def test_head_answers_headers_without_body(host: LoopbackHost, payload: Path) -> None:
    response = httpx.head(host.publish(payload).url)
    assert response.status_code == 200
    assert response.headers["content-length"] == str(payload.stat().st_size)
    assert response.content == b""


@pytest.mark.parametrize("path", ["/", "/media/", "/media/unknown-token/clip.wav", "/clip.wav",
                                  "/media/../clip.wav", "/media/x/../../etc/passwd"])
def test_only_published_tokens_are_served(host: LoopbackHost, payload: Path, path: str) -> None:
    host.publish(payload)
    assert httpx.get(host.base_url + path).status_code == 404


def test_right_token_with_another_name_is_not_found(host: LoopbackHost, payload: Path) -> None:
    media = host.publish(payload)
    assert httpx.get(media.url.rsplit("/", 1)[0] + "/other.wav").status_code == 404


def test_tokens_are_unguessable_and_per_publication(host: LoopbackHost, payload: Path) -> None:
    first, second = host.publish(payload), host.publish(payload)
    assert first.url != second.url
    assert len(first.handle) >= 40


def test_expired_link_is_refused(payload: Path) -> None:
    clock = FakeClock()
    with LoopbackHost(clock=clock) as host:
        media = host.publish(payload, expires_in=60)
        assert media.expires_at == datetime.fromtimestamp(clock.now + 60, UTC)
        assert httpx.get(media.url).status_code == 200
        clock.now += 61
        response = httpx.get(media.url)
        assert response.status_code == 403
        assert response.text == "link expired\n"


def test_unpublished_link_is_gone(host: LoopbackHost, payload: Path) -> None:
    media = host.publish(payload)
    host.unpublish(media)
    host.unpublish(media)  # a second time is harmless
    assert httpx.get(media.url).status_code == 404


def test_published_context_unpublishes_even_when_the_block_fails(host: LoopbackHost, payload: Path) -> None:
    with pytest.raises(RuntimeError), host.published(payload) as media:
        assert httpx.get(media.url).status_code == 200
        raise RuntimeError("vendor refused")
    assert httpx.get(media.url).status_code == 404


def test_deleted_file_is_not_found(host: LoopbackHost, payload: Path) -> None:
    media = host.publish(payload)
    payload.unlink()
    assert httpx.get(media.url).status_code == 404


@pytest.mark.parametrize("name", ["my talk 1.wav", "中文 音频.mp3", "a+b&c=d#e%20.m4a", "测试.mp4"])
def test_names_with_spaces_and_chinese(host: LoopbackHost, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"audio bytes for " + name.encode())
    media = host.publish(path)
    assert urlsplit(media.url).path.isascii()
    response = httpx.get(media.url)
    assert response.status_code == 200
    assert response.content == path.read_bytes()


def test_concurrent_downloads_all_get_the_whole_file(host: LoopbackHost, tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    big.write_bytes(os.urandom(4 * 1024 * 1024))
    expected = hashlib.sha256(big.read_bytes()).hexdigest()
    media = host.publish(big)

    def fetch(_: int) -> str:
        with httpx.stream("GET", media.url, timeout=30) as response:
            digest = hashlib.sha256()
            for chunk in response.iter_bytes():
                digest.update(chunk)
            return digest.hexdigest()

    with ThreadPoolExecutor(max_workers=8) as pool:
        digests = list(pool.map(fetch, range(8)))
    assert digests == [expected] * 8


def test_publish_starts_the_server_lazily(payload: Path) -> None:
    host = LoopbackHost()
    try:
        assert httpx.get(host.publish(payload).url).status_code == 200
    finally:
        host.close()
    host.close()  # idempotent


def test_publish_refuses_missing_files_and_bad_lifetimes(host: LoopbackHost, payload: Path, tmp_path: Path) -> None:
    with pytest.raises(errors.InputError, match="no such file"):
        host.publish(tmp_path / "missing.wav")
    with pytest.raises(errors.InputError, match="no such file"):
        host.publish(tmp_path)
    with pytest.raises(errors.InputError, match="positive"):
        host.publish(payload, expires_in=0)


def test_tokens_stay_out_of_repr_and_logs(host: LoopbackHost, payload: Path, caplog: pytest.LogCaptureFixture,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG, logger="pipeline.vendors.hosting")
    media = host.publish(payload)
    httpx.get(media.url)
    httpx.get(host.base_url + "/media/nope/x.wav")
    assert media.handle not in repr(media)
    assert media.url not in repr(media)
    assert "clip.wav" in repr(media)
    assert media.handle not in caplog.text
    assert "clip.wav" in caplog.text
    out, err = capfd.readouterr()
    assert media.handle not in out + err


def test_loopback_host_satisfies_the_protocol() -> None:
    assert isinstance(LoopbackHost(), MediaHost)


# --------------------------------------------------------------------------- end to end


def test_loopback_url_captioned_by_the_volcengine_sandbox(sandbox: SandboxServer, caption_by_url: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    clip = tmp_path / "en demo 演示.mp4"
    clip.write_bytes((SAMPLES / "en_demo.mp4").read_bytes())
    with LoopbackHost() as host, host.published(clip) as media:
        response = caption_by_url(sandbox, media)
    utterances = response["utterances"]
    assert utterances and all(u["words"] for u in utterances)
    text = " ".join(u["text"] for u in utterances).lower()
    expected_first_word = (SAMPLES / "en_demo.txt").read_text(encoding="utf-8").split()[0].lower().strip(",.")
    assert expected_first_word in text
    sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    assert sandbox.state.submissions.by_sha256[sha] >= 1  # the sandbox fetched exactly our bytes
