"""Tests for pipeline.vendors.hosting.s3: presigning against moto's S3 server, the errors without
boto3 or with a bad bucket, and an end-to-end URL-mode caption job against the Volcengine sandbox."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pipeline import errors
from pipeline.sandbox import SandboxServer
from pipeline.vendors.hosting.factory import host_from_settings
from pipeline.vendors.hosting.protocol import MediaHost
from pipeline.vendors.hosting.s3 import S3Credentials, S3Host

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
BUCKET = "media-test"
CREDENTIALS = S3Credentials("AKIDTESTING", "secret-key-never-shown", "session-token-never-shown")


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    path = tmp_path / "clip.wav"
    path.write_bytes(os.urandom(300_000))
    return path


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


def test_s3_presigned_url_captioned_by_the_volcengine_sandbox(sandbox: SandboxServer, caption_by_url: Callable[..., dict[str, Any]], s3: S3Host) -> None:
    with s3.published(SAMPLES / "en_demo.mp4") as media:
        response = caption_by_url(sandbox, media)
    assert response["utterances"]
