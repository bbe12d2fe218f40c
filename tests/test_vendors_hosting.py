"""Tests for pipeline.vendors.hosting: loopback serving, S3 presigning (moto), the factory, and
an end-to-end URL-mode caption job against the Volcengine sandbox."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pipeline import errors
from pipeline.sandbox import SandboxConfig, SandboxServer
from pipeline.vendors.hosting import (
    HostedMedia,
    LoopbackHost,
    MediaHost,
    S3Credentials,
    S3Host,
    host_from_settings,
    redact_url,
)
from pipeline.vendors.volcengine import CaptionOptions, VolcengineClient, VolcengineCredentials

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
BUCKET = "media-test"
CREDENTIALS = S3Credentials("AKIDTESTING", "secret-key-never-shown", "session-token-never-shown")


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


def test_redact_url_drops_query_and_userinfo() -> None:
    url = "https://user:pw@bucket.example.com:9000/key/a.wav?X-Amz-Signature=abc#frag"
    assert redact_url(url) == "https://bucket.example.com:9000/key/a.wav"


# --------------------------------------------------------------------------- factory


def test_factory_defaults_to_loopback() -> None:
    host = host_from_settings(environ={})
    assert isinstance(host, LoopbackHost)
    assert host.expires_in == 3600


def test_factory_reads_the_environment_and_keywords_win() -> None:
    host = host_from_settings(environ={"MEDIA_HOST": "loopback", "MEDIA_HOST_EXPIRES_S": "120"})
    assert isinstance(host, LoopbackHost) and host.expires_in == 120
    host = host_from_settings(environ={"MEDIA_HOST_EXPIRES_S": "120"}, expires_in=30)
    assert isinstance(host, LoopbackHost) and host.expires_in == 30


@pytest.mark.parametrize(("name", "options", "message"), [
    ("ftp", {}, "unknown; use one of loopback, s3"),
    ("loopback", {"colour": "red"}, "colour"),
])
def test_factory_refuses_unknown_names_and_options(name: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(errors.InputError, match=message):
        host_from_settings(name, environ={}, **options)


def test_factory_refuses_a_bad_lifetime_from_the_environment() -> None:
    with pytest.raises(errors.InputError, match="MEDIA_HOST_EXPIRES_S"):
        host_from_settings(environ={"MEDIA_HOST_EXPIRES_S": "soon"})


# --------------------------------------------------------------------------- S3 without boto3


def test_s3_without_boto3_tells_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # makes `import boto3` raise ImportError
    with pytest.raises(errors.InputError, match=r"pip install 'subtitle-pipeline\[s3\]'"):
        S3Host(BUCKET)
    with pytest.raises(errors.InputError, match=r"subtitle-pipeline\[s3\]"):
        host_from_settings("s3", environ={}, bucket=BUCKET)


def test_s3_needs_a_bucket() -> None:
    with pytest.raises(errors.InputError, match="MEDIA_HOST_S3_BUCKET"):
        host_from_settings("s3", environ={})


def test_s3_credentials_repr_hides_the_secrets() -> None:
    text = repr(CREDENTIALS)
    assert "secret-key-never-shown" not in text and "session-token-never-shown" not in text


# --------------------------------------------------------------------------- S3 with moto


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (presigned URLs need a real HTTP endpoint)."""
    pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    S3Host(BUCKET, endpoint_url=endpoint, credentials=CREDENTIALS)._client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def s3(moto_endpoint: str) -> Iterator[S3Host]:
    host = S3Host(BUCKET, endpoint_url=moto_endpoint, credentials=CREDENTIALS, expires_in=900)
    yield host
    host.close()


def test_s3_presigned_url_downloads_the_same_bytes(s3: S3Host, payload: Path) -> None:
    media = s3.publish(payload)
    assert media.label.startswith(f"s3://{BUCKET}/subtitle-pipeline/")
    assert media.label.endswith("/clip.wav")
    response = httpx.get(media.url)
    assert response.status_code == 200
    assert response.content == payload.read_bytes()
    assert response.headers["content-type"] == "audio/wav"


def test_s3_expiry_is_in_the_presigned_url(s3: S3Host, payload: Path) -> None:
    media = s3.publish(payload, expires_in=321)
    query = parse_qs(urlsplit(media.url).query)
    assert query["X-Amz-Expires"] == ["321"]
    assert 315 < media.seconds_left() <= 321
    default = s3.publish(payload)
    assert parse_qs(urlsplit(default.url).query)["X-Amz-Expires"] == ["900"]


def test_s3_refuses_lifetimes_sigv4_cannot_sign(s3: S3Host, payload: Path) -> None:
    with pytest.raises(errors.InputError, match="at most 604800"):
        s3.publish(payload, expires_in=8 * 24 * 3600)


def test_s3_big_files_go_up_in_parts(moto_endpoint: str, tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    big.write_bytes(os.urandom(12 * 1024 * 1024))
    host = S3Host(BUCKET, endpoint_url=moto_endpoint, credentials=CREDENTIALS,
                  multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    media = host.publish(big)
    head = host._client.head_object(Bucket=BUCKET, Key=media.handle)
    assert head["ETag"].strip('"').endswith("-3")  # a multipart upload's ETag counts its parts
    assert httpx.get(media.url).content == big.read_bytes()


def test_s3_unpublish_deletes_the_object(s3: S3Host, payload: Path) -> None:
    with s3.published(payload) as media:
        assert httpx.get(media.url).status_code == 200
    assert httpx.get(media.url).status_code == 404
    s3.unpublish(media)  # already gone: logged at most, never raised


def test_s3_missing_bucket_is_a_clear_input_error(moto_endpoint: str, payload: Path) -> None:
    host = S3Host("no-such-bucket", endpoint_url=moto_endpoint, credentials=CREDENTIALS)
    with pytest.raises(errors.InputError, match="NoSuchBucket: the bucket does not exist"):
        host.publish(payload)


def test_s3_unreachable_endpoint_is_a_transport_error(payload: Path) -> None:
    pytest.importorskip("boto3")
    import boto3  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import botocore.config  # type: ignore[import-untyped,import-not-found,unused-ignore]

    client = boto3.client("s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                          aws_access_key_id="a", aws_secret_access_key="b",
                          config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=1))
    with pytest.raises(errors.TransportError) as info:
        S3Host(BUCKET, client=client).publish(payload)
    assert f"s3://{BUCKET}/" in str(info.value)


def test_s3_uses_the_standard_aws_environment(moto_endpoint: str, payload: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    host = host_from_settings("s3", environ={"MEDIA_HOST_S3_BUCKET": BUCKET,
                                             "MEDIA_HOST_S3_ENDPOINT_URL": moto_endpoint})
    assert isinstance(host, S3Host)
    media = host.publish(payload)
    assert "AKIDFROMENV" in parse_qs(urlsplit(media.url).query)["X-Amz-Credential"][0]
    assert httpx.get(media.url).content == payload.read_bytes()


def test_s3_secrets_stay_out_of_repr_and_logs(s3: S3Host, payload: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pipeline.vendors.hosting")
    media = s3.publish(payload)
    s3.unpublish(media)
    signature = parse_qs(urlsplit(media.url).query)["X-Amz-Signature"][0]
    for text in (repr(s3), repr(media), caplog.text):
        assert "secret-key-never-shown" not in text
        assert signature not in text
    assert media.label in caplog.text


def test_s3_host_satisfies_the_protocol(s3: S3Host) -> None:
    assert isinstance(s3, MediaHost)


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(processing_ms=200, processing_ms_per_audio_s=0, max_hold_s=5)
    with SandboxServer(config, vendors=["volcengine"]) as server:
        yield server


def caption_by_url(sandbox: SandboxServer, media: HostedMedia) -> dict[str, Any]:
    credentials = VolcengineCredentials("sandbox-appid", "sandbox-token")
    with VolcengineClient(credentials, sandbox.base_url + "/api/v1/vc") as client:
        task_id = client.submit_caption_url(media.url, CaptionOptions(language="en-US"))
        return dict(client.wait_caption(task_id))


def test_loopback_url_captioned_by_the_volcengine_sandbox(sandbox: SandboxServer, tmp_path: Path) -> None:
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


def test_s3_presigned_url_captioned_by_the_volcengine_sandbox(sandbox: SandboxServer, s3: S3Host) -> None:
    with s3.published(SAMPLES / "en_demo.mp4") as media:
        response = caption_by_url(sandbox, media)
    assert response["utterances"]

