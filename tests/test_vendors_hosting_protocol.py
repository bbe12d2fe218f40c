"""Tests for pipeline.vendors.hosting.protocol: what every host shares."""

from __future__ import annotations

from pipeline.vendors.hosting.protocol import redact_url


def test_redact_url_drops_query_and_userinfo() -> None:
    url = "https://user:pw@bucket.example.com:9000/key/a.wav?X-Amz-Signature=abc#frag"
    assert redact_url(url) == "https://bucket.example.com:9000/key/a.wav"
