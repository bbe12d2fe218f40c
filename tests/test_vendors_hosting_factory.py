"""Tests for pipeline.vendors.hosting.factory: the host chosen and built from settings."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline import errors
from pipeline.vendors.hosting.factory import host_from_settings
from pipeline.vendors.hosting.loopback import LoopbackHost


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
