"""Yinzi answers: ``{"code", "data", "msg"}``, code 0 on success, and the error each failure maps to.

How answers map to errors (``error_for``), documented messages first:

    Order not found                        TaskNotFoundError
    ErrorCode.USER_BLANCE_NOT_ENOUGH       QuotaExceededError (the vendor's spelling; BALANCE too)
    API Key is required / Invalid API Key  AuthenticationError
    pathKey is required                    InvalidRequestError
    code 400                               InvalidRequestError
    code 401                               AuthenticationError
    code 500                               ServerBusyError (retried on queries only)
    order status failed / timeout          TaskFailedError (carries ``reason``)
"""

from __future__ import annotations

from pipeline import errors
from pipeline.vendors.answers import AnswerTable

VENDOR = "yinzi"

_KEY_HINT = "check YINZI_API_KEY (个人中心 → API Key): missing or invalid"

# (phrase found in ``msg``, error class, what to do); checked before the code fallbacks.
MESSAGES: tuple[tuple[str, type[errors.VendorError], str], ...] = (
    ("api key is required", errors.AuthenticationError, _KEY_HINT),
    ("invalid api key", errors.AuthenticationError, _KEY_HINT),
    ("pathkey is required", errors.InvalidRequestError, "pass the http(s) URL of the media as pathKey"),
    ("order not found", errors.TaskNotFoundError, "check the order number; orders are visible only to the key that made them"),
    # "BLANCE" is the vendor's spelling; match the corrected one too in case they fix it.
    ("user_blance_not_enough", errors.QuotaExceededError, "not enough Yinzi credits; top up the balance"),
    ("user_balance_not_enough", errors.QuotaExceededError, "not enough Yinzi credits; top up the balance"),
)
CODES: dict[str, tuple[type[errors.VendorError], str]] = {
    "400": (errors.InvalidRequestError, "the request parameters were rejected; check orderType and pathKey"),
    "401": (errors.AuthenticationError, _KEY_HINT),
    "500": (errors.ServerBusyError, "Yinzi server error; queries are retried, orders and analyses are not"),
}


TABLE = AnswerTable(VENDOR, "0", MESSAGES, CODES, "unexpected code; see the Yinzi error code table", _KEY_HINT)
error_for = TABLE.error_for
read_answer = TABLE.read_answer
