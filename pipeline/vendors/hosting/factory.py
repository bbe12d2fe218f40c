"""Choose and build the media host from settings: ``host_from_settings``.

Flows do not pick a host class themselves: the deployment does, through ``MEDIA_HOST`` and the
``MEDIA_HOST_*`` variables, so the same flow serves files from loopback in the sandbox and from
a bucket in production. This module maps those names to hosts and checks the options before
building one, so a typo is an InputError naming the option, not a TypeError deep in a flow.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from typing import Any

from pipeline import errors
from pipeline.vendors.hosting.loopback import LoopbackHost
from pipeline.vendors.hosting.protocol import HostBase, MediaHost
from pipeline.vendors.hosting.s3 import ENV_S3, S3Host

ENV_HOST = "MEDIA_HOST"
ENV_EXPIRES = "MEDIA_HOST_EXPIRES_S"

HOSTS: dict[str, type[HostBase]] = {"loopback": LoopbackHost, "s3": S3Host}


def host_from_settings(name: str | None = None, *, environ: Mapping[str, str] | None = None,
                       **options: Any) -> MediaHost:
    """Build the host called ``name`` (default: ``$MEDIA_HOST``, else ``loopback``).

    Options given as keywords win over the environment: ``MEDIA_HOST_EXPIRES_S`` for every host,
    and for ``s3`` ``MEDIA_HOST_S3_BUCKET``, ``_PREFIX``, ``_ENDPOINT_URL`` and ``_REGION``
    (credentials come from the standard AWS variables, read by boto3).

    Example::

        host = host_from_settings("s3", bucket="media", endpoint_url="http://127.0.0.1:9000")

    Raises:
        InputError: unknown host name or option, a missing bucket, or boto3 missing for ``s3``.
    """
    env = os.environ if environ is None else environ
    chosen = (name or env.get(ENV_HOST) or "loopback").strip().lower()
    if chosen not in HOSTS:
        raise errors.InputError(f"media host {chosen!r} is unknown; use one of {', '.join(HOSTS)}")
    settings: dict[str, Any] = {}
    if env.get(ENV_EXPIRES):
        settings["expires_in"] = _env_seconds(env[ENV_EXPIRES])
    if chosen == "s3":
        settings.update({option: env[var] for option, var in ENV_S3.items() if env.get(var)})
        settings.setdefault("bucket", "")
    settings.update(options)
    cls = HOSTS[chosen]
    try:
        inspect.signature(cls).bind(**settings)
    except TypeError as exc:
        raise errors.InputError(f"media host {chosen!r}: {exc}") from None
    return cls(**settings)  # type: ignore[return-value]


def _env_seconds(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise errors.InputError(f"{ENV_EXPIRES}={raw!r} is not a number of seconds") from None


__all__ = ["ENV_EXPIRES", "ENV_HOST", "HOSTS", "host_from_settings"]
