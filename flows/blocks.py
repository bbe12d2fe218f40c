"""Prefect Blocks holding vendor credentials (secrets as ``SecretStr``, shown masked in the UI).

Register the block types once per Prefect server: ``prefect block register -m flows.blocks``.
Create one in the UI or in code::

    VolcengineCredentialsBlock(appid="...", token="...").save("volcengine-prod")

and pass its name as a flow's ``credentials_block``. Flows load the block inside the task that
needs it, so the secret never appears in flow or task parameters.
"""

from __future__ import annotations

from typing import Any

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

from pipeline.vendors import transcriptgenerate, volcengine, yinzi


class VolcengineCredentialsBlock(Block):
    """Volcengine speech (caption and alignment) credentials."""

    _block_type_name = "Volcengine Credentials"
    _block_type_slug = "volcengine-credentials"
    _description = "App ID and access token for Volcengine caption generation and caption alignment (ATA)."

    appid: str = Field(description="Application ID from the Volcengine speech console.")
    token: SecretStr = Field(description="Access token (sent as `Authorization: Bearer; <token>`).")
    base_url: str = Field(default=volcengine.DEFAULT_BASE_URL, description="API root, ending in /api/v1/vc.")

    def credentials(self) -> volcengine.VolcengineCredentials:
        return volcengine.VolcengineCredentials(self.appid, self.token.get_secret_value())

    def get_client(self, **kwargs: Any) -> volcengine.VolcengineClient:
        return volcengine.VolcengineClient(self.credentials(), self.base_url, **kwargs)


class TranscriptGenerateCredentialsBlock(Block):
    """TranscriptGenerate open API credentials."""

    _block_type_name = "TranscriptGenerate Credentials"
    _block_type_slug = "transcriptgenerate-credentials"
    _description = "API key and secret for the TranscriptGenerate open API (video transcript extraction)."

    api_key: str = Field(description="API key (X-API-Key).")
    api_secret: SecretStr = Field(description="API secret (X-API-Secret).")
    base_url: str = Field(default=transcriptgenerate.DEFAULT_BASE_URL, description="API root, ending in /open-gateway.")

    def credentials(self) -> transcriptgenerate.TranscriptGenerateCredentials:
        return transcriptgenerate.TranscriptGenerateCredentials(self.api_key, self.api_secret.get_secret_value())

    def get_client(self, **kwargs: Any) -> transcriptgenerate.TranscriptGenerateClient:
        return transcriptgenerate.TranscriptGenerateClient(self.credentials(), self.base_url, **kwargs)


class YinziCredentialsBlock(Block):
    """Yinzi open platform credentials."""

    _block_type_name = "Yinzi Credentials"
    _block_type_slug = "yinzi-credentials"
    _description = "API key for the Yinzi open platform (track separation, text extraction, short-video analysis)."

    api_key: SecretStr = Field(description="API key (sent as `Authorization: Bearer <key>`).")
    base_url: str = Field(default=yinzi.DEFAULT_BASE_URL, description="API root.")

    def credentials(self) -> yinzi.YinziCredentials:
        return yinzi.YinziCredentials(self.api_key.get_secret_value())

    def get_client(self, **kwargs: Any) -> yinzi.YinziClient:
        return yinzi.YinziClient(self.credentials(), self.base_url, **kwargs)


BLOCKS: dict[str, type[Block]] = {
    "volcengine": VolcengineCredentialsBlock,
    "transcriptgenerate": TranscriptGenerateCredentialsBlock,
    "yinzi": YinziCredentialsBlock,
}
