"""Reading Volcengine submit bodies: raw audio, JSON and multipart, with the vendor's size and URL refusals.

Separate from the endpoints so the three request shapes (and their 1001/1011 answers) are in one place.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from pipeline.sandbox.volcengine_codes import Refusal

SUFFIXES = {
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
    "audio/mp4": ".m4a", "audio/m4a": ".m4a", "audio/x-m4a": ".m4a", "audio/aac": ".aac", "audio/ogg": ".ogg",
    "video/mp4": ".mp4", "video/quicktime": ".mov",
}


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_audio_type(kind: str) -> bool:
    return kind.startswith(("audio/", "video/")) or kind == "application/octet-stream"


async def body_to_file(request: Request, target: Path, max_bytes: int) -> tuple[int, str]:
    """Stream the body into ``target``; returns (size, sha256).

    Raises:
        Refusal: 1011 when larger than ``max_bytes`` (the rest is read and discarded so the
        client gets the answer instead of a broken pipe), 1001 when empty.
    """
    digest, size, too_big = hashlib.sha256(), 0, False
    with target.open("wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                too_big = True
            if not too_big:
                handle.write(chunk)
                digest.update(chunk)
    if too_big:
        target.unlink(missing_ok=True)
        raise Refusal(1011, f"{size} bytes exceeds {max_bytes} bytes")
    if size == 0:
        target.unlink(missing_ok=True)
        raise Refusal(1001, "empty body: send the audio, or JSON with url")
    return size, digest.hexdigest()


async def body_capped(request: Request, max_bytes: int) -> bytes:
    """The whole body in memory, refusing 1011 past ``max_bytes``."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= max_bytes:
            chunks.append(chunk)
    if size > max_bytes:
        raise Refusal(1011, f"{size} bytes exceeds {max_bytes} bytes")
    return b"".join(chunks)


def parse_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """Fields of a multipart/form-data body by name (stdlib parser; no python-multipart needed)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise Refusal(1001, "multipart body could not be parsed")
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = payload if isinstance(payload, bytes) else b""
    return fields


async def json_body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await body_capped(request, 1024 * 1024) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Refusal(1001, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refusal(1001, "JSON body must be an object")
    return data


def checked_url(data: Mapping[str, Any]) -> str:
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise Refusal(1001, "url is required in the JSON body")
    if urlsplit(url).scheme not in {"http", "https"}:
        raise Refusal(1001, "url must be http or https")
    return url
