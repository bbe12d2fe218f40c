"""Which vendor endpoint a task talks to, and with which credentials — without carrying secrets.

A ``Connection`` is a plain value that is safe as a task parameter (it shows up in the Prefect
UI): a vendor name, a base URL, and where the credentials come from — the sandbox's public
development values, a named Prefect block, or environment variables. ``open_client`` turns it
into a client inside the task.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from flows.params import Target
from pipeline.errors import InputError
from pipeline.vendors import transcriptgenerate, volcengine, yinzi
from pipeline.vendors.pacing import pace_from_settings

if TYPE_CHECKING:
    from flows.blocks import (
        TranscriptGenerateCredentialsBlock,
        VolcengineCredentialsBlock,
        YinziCredentialsBlock,
    )

# Where each vendor's API sits below a sandbox's (or gateway's) root URL.
API_ROOTS = {"volcengine": "/api/v1/vc", "transcriptgenerate": "/open-gateway", "yinzi": ""}
DEFAULT_URLS = {"volcengine": volcengine.DEFAULT_BASE_URL, "transcriptgenerate": transcriptgenerate.DEFAULT_BASE_URL,
                "yinzi": yinzi.DEFAULT_BASE_URL}


@dataclass(frozen=True)
class Connection:
    """Vendor, API root, and the source of credentials: "sandbox", "block:<name>" or "env"."""

    vendor: str
    base_url: str
    credentials: str = "env"

    @property
    def account(self) -> str:
        """What names the vendor account in ledger keys: a job is reusable by the same account.

        Every sandbox takes the same made-up credentials, and an embedded one listens on a new
        port each run, so a port in the key would make every rerun pay again. A live vendor is
        its API root (kept from before, so existing ledgers still match). Used for Volcengine
        jobs, which the sandbox keeps across restarts (``SandboxConfig.jobs_dir``); its
        TranscriptGenerate tasks and Yinzi orders (with URLs on the sandbox's port) are not
        kept, so their keys stay on ``base_url``.
        """
        return f"sandbox:{self.vendor}" if self.credentials == "sandbox" else self.base_url


def connection(vendor: str, target: Target, sandbox_root: str | None = None, block: str | None = None) -> Connection:
    """The connection for ``vendor`` in a run against ``target``.

    Live runs take the API root from the block when one is named, else from
    ``<VENDOR>_BASE_URL``, else the vendor's documented root.
    """
    if target == "sandbox":
        if not sandbox_root:
            raise InputError("no sandbox is running for this run; give sandbox_url or let the flow start one")
        return Connection(vendor, f"{sandbox_root.rstrip('/')}{API_ROOTS[vendor]}", "sandbox")
    if block:
        return Connection(vendor, "", f"block:{block}")
    return Connection(vendor, os.environ.get(f"{vendor.upper()}_BASE_URL", DEFAULT_URLS[vendor]), "env")


def download_origins(conn: Connection, sandbox_root: str | None) -> list[str]:
    """Origins a download may reach although they are private: those the operator configured.

    The sandbox (on loopback), and in live runs the vendor's own API root when an environment
    variable points it somewhere (a rehearsal against a standalone sandbox, a gateway on the
    LAN): its media links come from the host that was chosen on purpose. Every other private
    address stays refused (``pipeline.downloads``).
    """
    if conn.credentials == "sandbox":
        return [sandbox_root] if sandbox_root else []
    configured = os.environ.get(f"{conn.vendor.upper()}_BASE_URL")
    return [configured] if conn.credentials == "env" and configured else []


def _sandbox_credentials(vendor: str) -> Any:
    """The sandbox's public development credentials (not secrets) for ``vendor``."""
    from pipeline.sandbox import transcriptgenerate as tg_sandbox
    from pipeline.sandbox import volcengine as volc_sandbox
    from pipeline.sandbox import yinzi as yinzi_sandbox

    if vendor == "volcengine":
        v = volc_sandbox.VolcengineConfig()
        return volcengine.VolcengineCredentials(v.appid, v.token)
    if vendor == "transcriptgenerate":
        t = tg_sandbox.TranscriptGenerateConfig()
        return transcriptgenerate.TranscriptGenerateCredentials(t.api_key, t.api_secret)
    return yinzi.YinziCredentials(yinzi_sandbox.YinziConfig().api_key)


class _CredentialsClass(Protocol):
    """A vendor's credentials class: what ``open_client`` calls on it."""

    def from_env(self, environ: Mapping[str, str] | None = None) -> Any: ...


CLIENTS: dict[str, tuple[type, _CredentialsClass]] = {
    "volcengine": (volcengine.VolcengineClient, volcengine.VolcengineCredentials),
    "transcriptgenerate": (transcriptgenerate.TranscriptGenerateClient, transcriptgenerate.TranscriptGenerateCredentials),
    "yinzi": (yinzi.YinziClient, yinzi.YinziCredentials),
}


def open_client(conn: Connection, **kwargs: Any) -> Any:
    """A client for ``conn``; credentials are read here, inside the task, never passed in.

    Its requests are paced per account (``SUBTITLE_PIPELINE_<VENDOR>_QPS``), shared by every
    client of that account in the process, so a batch's items together stay under the vendor's QPS.
    """
    client_cls, creds_cls = CLIENTS[conn.vendor]
    kwargs.setdefault("pace", pace_from_settings(conn.vendor))
    if conn.credentials.startswith("block:"):
        from flows.blocks import BLOCKS

        # Block.load is @async_dispatch'ed, so it is typed "block | Coroutine"; called from sync code, as
        # here (inside a task), it returns the block itself.
        block = cast("VolcengineCredentialsBlock | TranscriptGenerateCredentialsBlock | YinziCredentialsBlock",
                     BLOCKS[conn.vendor].load(conn.credentials.removeprefix("block:")))
        return client_cls(block.credentials(), conn.base_url or block.base_url, **kwargs)
    creds = _sandbox_credentials(conn.vendor) if conn.credentials == "sandbox" else creds_cls.from_env()
    return client_cls(creds, conn.base_url, **kwargs)


@contextmanager
def sandbox_root(target: Target, sandbox_url: str | None = None) -> Iterator[str | None]:
    """For ``target="sandbox"`` without a ``sandbox_url``: an embedded sandbox for the block's length."""
    if target != "sandbox" or sandbox_url:
        yield sandbox_url
        return
    from pipeline.sandbox import SandboxConfig, SandboxServer
    from pipeline.sandbox.state import default_jobs_dir

    # Finished jobs outlive this run's sandbox, as a vendor's do: a rerun resumes them by id.
    with SandboxServer(SandboxConfig(jobs_dir=default_jobs_dir())) as server:
        yield server.base_url
