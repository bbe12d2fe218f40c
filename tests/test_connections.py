"""Which private origins a run's downloads may reach: only those the operator configured."""

from __future__ import annotations

import pytest

from flows.connections import Connection, connection, download_origins


def test_a_sandbox_run_may_download_from_its_sandbox_only() -> None:
    conn = connection("transcriptgenerate", "sandbox", "http://127.0.0.1:9001")
    assert download_origins(conn, "http://127.0.0.1:9001") == ["http://127.0.0.1:9001"]


def test_a_live_run_may_download_from_the_api_root_it_was_pointed_at(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSCRIPTGENERATE_BASE_URL", "http://10.0.0.5:8080/open-gateway")
    conn = connection("transcriptgenerate", "live")
    assert download_origins(conn, None) == ["http://10.0.0.5:8080/open-gateway"]


def test_a_live_run_on_the_vendors_own_root_allows_no_private_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YINZI_BASE_URL", raising=False)
    assert download_origins(connection("yinzi", "live"), None) == []
    assert download_origins(Connection("yinzi", "", "block:prod"), None) == []
