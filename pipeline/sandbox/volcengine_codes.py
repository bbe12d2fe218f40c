"""The answer codes of Volcengine's caption and ATA APIs, their messages, and the refusal that carries one.

Every sandbox handler leaves early by raising ``Refusal`` with a vendor code; the app turns
it into the ``{"code", "message"}`` answer. Which code is answered where is the contract table
in ``pipeline.sandbox.volcengine``.
"""

from __future__ import annotations

PROCESSING = 2000

MESSAGES: dict[int, str] = {
    0: "Success",
    PROCESSING: "Processing [正在处理]",
    1001: "invalid request parameters [请求参数无效]",
    1002: "no access permission: token invalid, expired or not granted for this service [无访问权限]",
    1003: "requests too frequent: QPS limit of this appid exceeded [访问超频]",
    1004: "call allowance of this appid used up [访问超额]",
    1005: "server busy, try again later [服务器繁忙]",
    1010: "audio too long [音频过长]",
    1011: "audio too large [音频过大]",
    1012: "invalid audio format: header wrong or audio cannot be decoded [音频格式无效]",
    1013: "audio is silent: nothing recognised [音频静音]",
    1020: "recognition wait timeout [识别等待超时]",
    1021: "recognition processing timeout [识别处理超时]",
    1022: "recognition error [识别错误]",
    1099: "unknown error [未知错误]",
}


class Refusal(Exception):
    """An answer with a non-zero vendor code, raised to leave a handler early."""

    def __init__(self, code: int | str, detail: str = "", message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.text = message or describe(code, detail)


def describe(code: int | str, detail: str = "") -> str:
    """The vendor message for ``code``, with a detail saying what exactly was wrong."""
    base = MESSAGES.get(int(code), "error") if str(code).lstrip("-").isdigit() else "error"
    return f"{base}: {detail}" if detail else base
