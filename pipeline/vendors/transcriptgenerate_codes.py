"""TranscriptGenerate's answer codes and messages, mapped to the pipeline's typed errors.

Every answer is ``{"code", "msg", "data"}``; ``code`` is 200, 401, 500 or 601, and the gateway
may send 401/500 as the HTTP status too, with the same JSON body. So the body is read before the
HTTP status: an HTTP 500 saying "Task not found" is an answer, not an outage. The vendor's
document lists the messages; this module is that list as an ``AnswerTable``, so the client and
its tests read the same rows.

How codes map to errors (``error_for``):

    401 (any message)                                   AuthenticationError
    500 Video URL cannot be empty / Failed to extract … / The URL is too long …
                                                        InvalidRequestError
    500 This platform is not supported …               UnsupportedPlatformError
    500 Task ID cannot be empty                         InvalidRequestError
    500 Task not found / You do not have permission …   TaskNotFoundError
    500 anything else                                   ServerBusyError (retried on queries only)
    601 Concurrency limit reached …                     ConcurrencyLimitError (retryable)
    601 Insufficient quota remaining …                  QuotaExceededError
    601 … Professional members only …                   AuthenticationError
    601 Multi-language translation … members only …     AuthenticationError
    601 anything else                                   VendorError

The two membership rows are AuthenticationError, not QuotaExceededError: the key is valid but
the account is not entitled to the API (or to translation). Nothing is used up, waiting or a
monthly reset does not help, only a plan change does; that is "not granted", the way the
Volcengine client treats an account not granted a service. Quota means an allowance ran out.
"""

from __future__ import annotations

from pipeline import errors
from pipeline.vendors.answers import AnswerTable

VENDOR = "transcriptgenerate"

_KEY_HINT = "check TRANSCRIPTGENERATE_API_KEY and TRANSCRIPTGENERATE_API_SECRET: missing, wrong, expired or disabled"

# (phrase found in ``msg``, error class, what to do). The documented message rows, matched by a
# distinctive phrase so a reworded sentence tail still maps.
MESSAGES: tuple[tuple[str, type[errors.VendorError], str], ...] = (
    ("missing api key or secret", errors.AuthenticationError, _KEY_HINT),
    ("video url cannot be empty", errors.InvalidRequestError, "pass the share text or link of the video"),
    ("failed to extract a valid platform url", errors.InvalidRequestError,
     "paste the app's share text or a link such as https://v.douyin.com/xxxxxx"),
    ("platform is not supported", errors.UnsupportedPlatformError, "use a Douyin, Xiaohongshu or Kuaishou link"),
    ("url is too long", errors.InvalidRequestError, "copy the share link again from the app"),
    ("professional members only", errors.AuthenticationError,
     "this account's plan has no API access; upgrade to Professional in the TranscriptGenerate user centre"),
    ("concurrency limit reached", errors.ConcurrencyLimitError,
     "all task slots are busy; wait for running tasks (submit_when_slot_free does)"),
    ("insufficient quota", errors.QuotaExceededError,
     "not enough transcription minutes left; check quota_usage() and top up or upgrade the plan"),
    ("translation is available for members only", errors.AuthenticationError,
     "translation (targetLanguage en, ja ...) needs a TranscriptGenerate membership plan; upgrade the account "
     "to a member plan in the TranscriptGenerate user centre, or run without --translate (target_language='auto')"),
    ("task id cannot be empty", errors.InvalidRequestError, "pass the taskId returned by task/create"),
    ("task not found", errors.TaskNotFoundError, "check the task id; submit the video again if it is lost"),
    ("do not have permission to access this task", errors.TaskNotFoundError,
     "the task belongs to another account; use the key that created it"),
)
# Fallbacks by code for messages the doc does not list.
CODES: dict[str, tuple[type[errors.VendorError], str]] = {
    "401": (errors.AuthenticationError, _KEY_HINT),
    "500": (errors.ServerBusyError, "vendor system error; queries are retried, a submit is not (it may have run)"),
    "601": (errors.VendorError, "the account's plan does not allow this; see the TranscriptGenerate user centre"),
}

TABLE = AnswerTable(VENDOR, "200", MESSAGES, CODES, "unexpected code; see the TranscriptGenerate status code table", _KEY_HINT)
error_for = TABLE.error_for
read_answer = TABLE.read_answer


__all__ = ["CODES", "MESSAGES", "TABLE", "VENDOR", "error_for", "read_answer"]
