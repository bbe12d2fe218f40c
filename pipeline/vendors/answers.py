"""Reading vendors' JSON answers: ``{"code", "msg"/"message", "data"}`` into data or a typed error.

TranscriptGenerate and Yinzi answer errors with a code and a fixed list of messages, sometimes
with an HTTP error status and sometimes with 200. The body is read before the HTTP status so an
HTTP 401/400/500 carrying JSON maps by its code and message; documented messages are matched
first (by a distinctive phrase, case-insensitively), then the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from pipeline import errors
from pipeline.vendors.http import json_body, raise_for_transport_status

ErrorRow = tuple[str, type[errors.VendorError], str]


def normalized_code(body: Mapping[str, Any]) -> str:
    """``code`` as a string: vendors send 0 or "0", 200 or "200"."""
    code = body.get("code")
    return "" if code is None else str(code).strip()


def vendor_body(response: httpx.Response) -> Mapping[str, Any] | None:
    """The JSON answer when it carries a ``code``, whatever the HTTP status; else ``None``."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and "code" in body else None


@dataclass(frozen=True)
class AnswerTable:
    """One vendor's success code, documented messages and code fallbacks.

    Attributes:
        vendor: the name errors carry.
        success: the code of a successful answer ("0", "200").
        messages: (phrase, error class, hint) rows, matched against the message first.
        codes: code → (error class, hint) for messages the documents do not list.
        unknown_hint: the hint for a code in neither table.
        key_hint: what to check when HTTP 401 comes without a JSON body.
    """

    vendor: str
    success: str
    messages: tuple[ErrorRow, ...]
    codes: Mapping[str, tuple[type[errors.VendorError], str]] = field(default_factory=dict)
    unknown_hint: str = "unexpected code"
    key_hint: str = "check the API credentials"

    def error_for(self, body: Mapping[str, Any]) -> errors.VendorError:
        """The typed error for an answer whose code is not the success code."""
        code = normalized_code(body)
        message = str(body.get("msg") or body.get("message") or "no message")
        lowered = message.lower()
        for phrase, cls, hint in self.messages:
            if phrase in lowered:
                return cls(self.vendor, code, message, hint)
        cls, hint = self.codes.get(code, (errors.VendorError, self.unknown_hint))
        error = cls(self.vendor, code, message, hint)
        if cls is errors.ServerBusyError:
            # A submit (an order, a charged analysis) may have gone through before the failure:
            # call_with_retries must not send it again.
            error.maybe_processed = True  # type: ignore[attr-defined]
        return error

    def read_answer(self, response: httpx.Response, what: str) -> Mapping[str, Any]:
        """The ``data`` of a successful answer; raises the typed error for any other answer.

        Raises:
            VendorError: a subclass per ``error_for``, also for HTTP errors carrying a JSON body.
            AuthenticationError: HTTP 401 without a JSON body.
            TransportError: other 5xx/429 without a JSON body, or a body that is not JSON.
        """
        body = vendor_body(response)
        if body is None:
            if response.status_code == 401:
                raise errors.AuthenticationError(self.vendor, 401, "HTTP 401 without a JSON body", self.key_hint)
            raise_for_transport_status(response, what)
            body = json_body(response, what)
        if normalized_code(body) != self.success:
            raise self.error_for(body)
        data = body.get("data")
        return data if isinstance(data, Mapping) else {}
