"""One exception tree for the whole pipeline.

    PipelineError
    ├── InputError                  bad user input (missing file, unknown share text ...)
    ├── MediaError                  ffmpeg/ffprobe could not do what was asked
    │   ├── ToolNotFoundError       no ffmpeg/ffprobe on PATH nor in a wheel
    │   ├── NotMediaError           not a media file, or truncated/corrupt
    │   ├── NoAudioError            a video without an audio stream
    │   ├── SilentAudioError        an audio track with nothing audible in it
    │   └── TooLargeError           cannot be made to fit the vendor's size limit
    ├── VendorError                 the vendor answered with an error (carries code and message)
    │   ├── AuthenticationError
    │   ├── QuotaExceededError      balance, quota or daily calls used up
    │   ├── ConcurrencyLimitError   too many tasks running; wait for a slot
    │   ├── RateLimitedError        too many requests per second
    │   ├── InvalidRequestError     the vendor rejected parameters or media
    │   ├── UnsupportedPlatformError
    │   ├── ServerBusyError
    │   ├── TaskFailedError         the job ran and failed
    │   └── TaskNotFoundError
    ├── TransportError              no usable HTTP answer (network, timeouts, 5xx after retries)
    ├── DeadlineExceededError       a job did not finish within its overall deadline
    ├── CancelledError              waiting was cancelled (the vendor job keeps running)
    ├── SubmissionInDoubtError      a submit's answer was lost: the vendor may have the job (and charge it)
    └── SubtitleError               subtitle text could not be read or written
        └── InvalidRulesError       a subtitle limit is out of range (also a ValueError)

Every message is one line that names the file or field and says what to do; the CLI prints
``str(error)`` and nothing else. Messages never contain credentials.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error this library raises on purpose."""

    retryable: bool = False


class InputError(PipelineError):
    """The user's input cannot be used as given."""


class MediaError(PipelineError):
    """A media file could not be probed, decoded or converted."""


class ToolNotFoundError(MediaError):
    """ffmpeg or ffprobe is missing."""


class NotMediaError(MediaError):
    """The file is not a readable media file (wrong type, truncated or corrupt)."""


class NoAudioError(MediaError):
    """The media has no audio stream."""


class SilentAudioError(MediaError):
    """The audio stream contains no audible sound."""


class TooLargeError(MediaError):
    """The audio cannot be brought under the vendor's size limit."""


class VendorError(PipelineError):
    """A vendor answered with an error code.

    Attributes:
        vendor: short vendor name, e.g. ``"volcengine"``.
        code: the vendor's own code, as a string (vendors disagree on int vs str).
        vendor_message: the vendor's message, verbatim.
    """

    def __init__(self, vendor: str, code: str | int | None, vendor_message: str, hint: str = "") -> None:
        self.vendor = vendor
        self.code = None if code is None else str(code)
        self.vendor_message = vendor_message
        self.hint = hint
        text = f"{vendor} error {self.code}: {vendor_message}" if self.code else f"{vendor} error: {vendor_message}"
        super().__init__(f"{text} ({hint})" if hint else text)


class AuthenticationError(VendorError):
    """Credentials are missing, wrong, expired or not granted for this service."""


class QuotaExceededError(VendorError):
    """The account's quota, balance or call allowance is used up."""


class ConcurrencyLimitError(VendorError):
    """The account already runs as many tasks as it may; a slot frees up when one finishes."""

    retryable = True


class RateLimitedError(VendorError):
    """Requests arrive faster than the account's QPS allows."""

    retryable = True


class ServerBusyError(VendorError):
    """The vendor is overloaded; the same request may succeed later."""

    retryable = True


class InvalidRequestError(VendorError):
    """The vendor rejected the parameters or the media itself."""


class UnsupportedPlatformError(InvalidRequestError):
    """A share link from a platform the vendor does not accept."""


class TaskFailedError(VendorError):
    """The vendor ran the task and it failed."""


class TaskNotFoundError(VendorError):
    """The vendor does not know the task id (or it belongs to another account)."""


class TransportError(PipelineError):
    """No usable HTTP answer: connection failures, timeouts, or 5xx after all retries."""

    retryable = True


class BudgetExceededError(PipelineError):
    """A batch's cost estimate exceeds the budget it was given; nothing was submitted."""


class SlotUnavailableError(PipelineError):
    """No slot of a concurrency limit came free in time (other runs hold them, or leaked ones).

    Not retried within the run (it already waited its bound); a later run may find slots.
    """


class DeadlineExceededError(PipelineError):
    """A job did not finish within its overall deadline."""


class CancelledError(PipelineError):
    """Waiting for a job was cancelled on request; the job can be resumed by its id."""


class SubmissionInDoubtError(PipelineError):
    """A submit was sent but its answer was lost (or the run died waiting for it).

    The vendor may have created, and will charge, the job; Volcengine has no idempotency key
    to ask. Never retried on its own: resubmitting is the user's deliberate choice
    (``--resubmit-in-doubt``).
    """


class ResultPendingError(PipelineError):
    """A submitted (and paid) job whose result could not be fetched yet; the vendor still has it.

    Retryable: waiting resumes by the job's task id, later in this run or in the next, and
    nothing is submitted again. A batch counts such items as waiting, never as failed.
    """

    retryable = True

    def __init__(self, what: str, task_id: str, cause: PipelineError) -> None:
        self.task_id = task_id
        self.cause = cause
        super().__init__(f"{what} task {task_id} was submitted but its result could not be fetched yet ({cause}); "
                         "a rerun collects it without submitting again")


class SubtitleError(PipelineError):
    """Subtitle text could not be parsed or written."""


class InvalidRulesError(SubtitleError, ValueError):
    """A subtitle limit is out of range; a ValueError too, as a bad value for a field."""
