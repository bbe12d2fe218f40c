"""Make a local file fetchable by URL, for vendors that only take URLs.

Yinzi (``stuff.pathKey``) and Volcengine's URL mode download the audio themselves, so a local
file needs an address the vendor can reach for as long as the job may take to start. A
``MediaHost`` publishes a file and answers a ``HostedMedia`` (URL and expiry); ``unpublish``
takes it down again, and ``host.published(path)`` does both around a block.

Two hosts:

* ``LoopbackHost`` serves published files over HTTP on 127.0.0.1 from a background thread.
  Each file gets an unguessable token in its URL and an expiry; only published files are
  served (no directory listing, no path ever mapped onto the disk), streamed from disk with a
  Content-Length. It is for the sandbox and tests: a real vendor cannot reach 127.0.0.1.
* ``S3Host`` uploads to an S3-compatible bucket (AWS, MinIO, or OSS/COS through their S3
  endpoints) and hands out presigned GET URLs. It needs ``boto3``, the ``s3`` extra.

URLs are secrets: a presigned URL carries a signature, a loopback URL its token. They are never
logged or put in a repr or an error message; ``HostedMedia.label`` (host and key) is what logs
show.

Modules: ``protocol`` (``MediaHost``, ``HostedMedia`` and what every host shares),
``loopback``, ``s3``, and ``factory`` (``host_from_settings``, the host chosen by the
environment). Everything public is importable from this package.

Example::

    with LoopbackHost() as host, host.published("talk.wav") as media:
        task_id = client.submit_caption_url(media.url)
        response = client.wait_caption(task_id)
"""

from __future__ import annotations

from pipeline.vendors.hosting.factory import ENV_EXPIRES, ENV_HOST, HOSTS, host_from_settings
from pipeline.vendors.hosting.loopback import LoopbackHost
from pipeline.vendors.hosting.protocol import (
    DEFAULT_EXPIRES_S,
    HostedMedia,
    MediaHost,
    content_type,
    redact_url,
)
from pipeline.vendors.hosting.s3 import ENV_S3, MAX_PRESIGN_S, MB, S3_EXTRA_HINT, S3Credentials, S3Host

__all__ = [
    "DEFAULT_EXPIRES_S",
    "ENV_EXPIRES",
    "ENV_HOST",
    "ENV_S3",
    "HOSTS",
    "MAX_PRESIGN_S",
    "MB",
    "S3_EXTRA_HINT",
    "HostedMedia",
    "LoopbackHost",
    "MediaHost",
    "S3Credentials",
    "S3Host",
    "content_type",
    "host_from_settings",
    "redact_url",
]
