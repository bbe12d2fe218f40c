"""Publish local files to an S3-compatible bucket as presigned GET URLs, for real vendors.

Yinzi and Volcengine's URL mode must fetch the audio from somewhere on the internet; an
S3-compatible bucket (AWS, MinIO, or OSS/COS through their S3 endpoints) is the one store every
deployment can get. ``S3Host`` uploads there and hands out presigned URLs that expire on their
own. It needs ``boto3``, the ``s3`` extra, imported only when an ``S3Host`` is built; boto3's
errors are translated into the pipeline's, without credentials or URLs in the text.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline import errors
from pipeline.vendors.hosting.protocol import (
    DEFAULT_EXPIRES_S,
    HostBase,
    HostedMedia,
    checked_expiry,
    content_type,
    readable_file,
    redact_url,
)

log = logging.getLogger(__name__)

MB = 1024 * 1024
# SigV4 presigned URLs are valid for at most seven days.
MAX_PRESIGN_S = 7 * 24 * 3600
S3_EXTRA_HINT = "S3 hosting needs boto3: pip install 'subtitle-pipeline[s3]'"
ENV_S3 = {
    "bucket": "MEDIA_HOST_S3_BUCKET",
    "prefix": "MEDIA_HOST_S3_PREFIX",
    "endpoint_url": "MEDIA_HOST_S3_ENDPOINT_URL",
    "region": "MEDIA_HOST_S3_REGION",
}


@dataclass(frozen=True)
class S3Credentials:
    """An access key pair (and session token). Leave them out to use boto3's usual sources:
    ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``, profiles, roles."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"S3Credentials(access_key_id={self.access_key_id[:4]!r}…, secret_access_key='***')"


def _import_boto3() -> Any:
    """boto3, imported only when S3 hosting is used.

    Raises:
        InputError: boto3 is not installed (the message names the extra to install).
    """
    try:
        import boto3  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import boto3.s3.transfer  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
        import botocore.config  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError as exc:
        raise errors.InputError(S3_EXTRA_HINT) from exc
    return boto3


# Error codes that configuration, not the network, must fix.
_S3_CONFIG_CODES = {
    "NoSuchBucket": "the bucket does not exist; create it or fix the bucket name",
    "AccessDenied": "the credentials may not write to this bucket",
    "InvalidAccessKeyId": "the access key is unknown to this endpoint; check AWS_ACCESS_KEY_ID and the endpoint",
    "SignatureDoesNotMatch": "the secret key does not match the access key; check AWS_SECRET_ACCESS_KEY",
    "AllAccessDisabled": "access to this bucket is disabled",
    "InvalidBucketName": "the bucket name is invalid",
    "PermanentRedirect": "the bucket is in another region; set the region",
    "AuthorizationHeaderMalformed": "the region does not match the bucket's; set the region",
}


def _s3_error(exc: Exception, action: str) -> errors.PipelineError:
    """Translate a boto3/botocore error into ours, without credentials or URLs in the text."""
    name = type(exc).__name__
    if name in {"NoCredentialsError", "PartialCredentialsError"}:
        return errors.InputError(f"{action}: no usable S3 credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code") or "")
    if not code and name == "S3UploadFailedError":
        # boto3's transfer manager wraps the ClientError's text; pick the code out of it.
        code = next((c for c in _S3_CONFIG_CODES if f"({c})" in str(exc)), "")
    if code in _S3_CONFIG_CODES:
        return errors.InputError(f"{action}: {code}: {_S3_CONFIG_CODES[code]}")
    return errors.TransportError(f"{action}: {code or name}")


class S3Host(HostBase):
    """Upload to an S3-compatible bucket and hand out presigned GET URLs.

    Objects go under ``prefix`` + a random folder + the file name, uploaded with boto3's
    managed transfer (multipart above ``multipart_threshold``, parts of ``multipart_chunksize``
    read from disk, at most ``max_concurrency`` in flight, so memory stays bounded).

    Args:
        bucket: the bucket's name.
        prefix: key prefix for published objects (a lifecycle rule on it can expire leftovers).
        endpoint_url: for MinIO or another S3-compatible store, e.g. ``http://127.0.0.1:9000``;
            ``None`` uses AWS (or boto3's ``AWS_ENDPOINT_URL``).
        region: signing region (``None``: boto3's configuration, else us-east-1).
        credentials: explicit keys; ``None`` uses boto3's credential chain (standard AWS env vars).
        expires_in: default presigned URL lifetime in seconds (at most seven days).
        addressing_style: ``"path"`` for MinIO and IP endpoints, ``"virtual"`` for OSS/COS.
        delete_on_unpublish: delete the object when the file is unpublished.
        client: an existing boto3 S3 client (the other connection arguments are then ignored).

    Raises:
        InputError: boto3 is missing, or ``expires_in`` is out of range.
    """

    name = "s3"

    def __init__(self, bucket: str, *, prefix: str = "subtitle-pipeline/", endpoint_url: str | None = None,
                 region: str | None = None, credentials: S3Credentials | None = None,
                 expires_in: float = DEFAULT_EXPIRES_S, addressing_style: str | None = None,
                 multipart_threshold: int = 16 * MB, multipart_chunksize: int = 8 * MB, max_concurrency: int = 4,
                 delete_on_unpublish: bool = True, client: Any = None) -> None:
        if not bucket:
            raise errors.InputError(f"S3 hosting needs a bucket name (set {ENV_S3['bucket']})")
        boto3 = _import_boto3()
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.expires_in = checked_expiry(expires_in, DEFAULT_EXPIRES_S, MAX_PRESIGN_S)
        self.delete_on_unpublish = delete_on_unpublish
        self._transfer = boto3.s3.transfer.TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency)
        self._client = client or self._make_client(boto3, region, credentials, addressing_style)

    def __repr__(self) -> str:
        endpoint = redact_url(self.endpoint_url) if self.endpoint_url else "aws"
        return f"S3Host(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint={endpoint!r})"

    def __enter__(self) -> S3Host:
        return self

    def _make_client(self, boto3: Any, region: str | None, credentials: S3Credentials | None,
                     addressing_style: str | None) -> Any:
        import botocore.config  # type: ignore[import-untyped,import-not-found,unused-ignore]

        keys = {}
        if credentials is not None:
            keys = {"aws_access_key_id": credentials.access_key_id,
                    "aws_secret_access_key": credentials.secret_access_key,
                    "aws_session_token": credentials.session_token}
        session = boto3.session.Session(**keys)
        s3_options = {"addressing_style": addressing_style} if addressing_style else {}
        config = botocore.config.Config(signature_version="s3v4", s3=s3_options)
        return session.client("s3", endpoint_url=self.endpoint_url,
                              region_name=region or session.region_name or "us-east-1", config=config)

    def key_for(self, file: Path) -> str:
        """A fresh object key: prefix, a random folder (no collisions), the file name."""
        return f"{self.prefix}{uuid.uuid4().hex}/{file.name}"

    def publish(self, path: str | os.PathLike[str], *, expires_in: float | None = None) -> HostedMedia:
        """Upload ``path`` and presign a GET for it.

        Raises:
            InputError: missing file, bad ``expires_in``, or a bucket/credential problem.
            TransportError: the store could not be reached or failed.
        """
        file = readable_file(path)
        seconds = checked_expiry(expires_in, self.expires_in, MAX_PRESIGN_S)
        key = self.key_for(file)
        label = f"s3://{self.bucket}/{key}"
        size = file.stat().st_size
        started = time.monotonic()
        try:
            self._client.upload_file(str(file), self.bucket, key, ExtraArgs={"ContentType": content_type(file)},
                                     Config=self._transfer)
            url = self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=int(seconds))
        except Exception as exc:  # boto3's exception classes exist only once it is imported
            raise _s3_error(exc, f"S3 upload of {file.name} to {label}") from exc
        expires_at = datetime.now(UTC) + timedelta(seconds=int(seconds))
        log.info("published %s (%d bytes in %.1f s) until %s", label, size, time.monotonic() - started,
                 expires_at.isoformat(timespec="seconds"))
        return HostedMedia(url=url, expires_at=expires_at, label=label, size=size, handle=key)

    def unpublish(self, media: HostedMedia) -> None:
        """Delete the object (when ``delete_on_unpublish``); failures are logged, not raised,
        because the link expires anyway and a bucket lifecycle rule can sweep leftovers."""
        if not self.delete_on_unpublish:
            return
        try:
            self._client.delete_object(Bucket=self.bucket, Key=media.handle)
        except Exception as exc:  # best effort, see above
            log.warning("could not delete %s: %s", media.label, _s3_error(exc, "S3 delete"))
        else:
            log.info("unpublished %s", media.label)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            close()


__all__ = ["ENV_S3", "MAX_PRESIGN_S", "MB", "S3_EXTRA_HINT", "S3Credentials", "S3Host"]
