"""What became of each event, as the pipeline itself reports it, so a wait can stop once an event cannot succeed.

A wait for an object's item also asks ``Outcomes.gave_up``: it reads what is new in the function's
log group and in the stack's on-failure queue (both sources every engine has) and answers with the
evidence once the event can no longer succeed:

* the event reached the on-failure queue (Lambda's record names the key, the attempts and the error);
* its last attempt failed: the handler logged a failed write for the event as many times as Lambda
  runs it (the first run and ``maximum_retry_attempts`` retries);
* the handler rejected the record (a malformed record is skipped and never retried);
* the function cannot start: the runtime logged an init error that no retry of the same code fixes
  (an import error, a syntax error, a missing handler);
* the function fails before it reaches any record: as many invocations as Lambda makes of one event
  ended in an error without the handler naming a key, and none succeeded (a handler that raises at once).

A failure a retry can fix (a throttled write, a killed environment, a timeout) is never a reason to
give up. Log lines that are not JSON are read as plain text; a group that does not exist yet, a queue
or an engine that does not answer are noted and read again on the next poll. ``describe`` says what was
seen for the keys still missing, for the message of a wait that ran out of time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from .followers import LogFollower, QueueFollower, keys_in

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_sqs import SQSClient

    from .clients import Clients

DEFAULT_ATTEMPTS = 3  # Lambda's default for an asynchronous event: the first run and 2 retries

# Init errors that the same code raises on every attempt: retrying cannot help.
PERMANENT_INIT_ERRORS = frozenset(
    {
        "Runtime.ImportModuleError",
        "Runtime.UserCodeSyntaxError",
        "Runtime.HandlerNotFound",
        "Runtime.MalformedHandlerName",
        "Runtime.InvalidEntrypoint",
    }
)
_RUNTIME_ERROR = re.compile(r"^\[ERROR\]\s+(?P<type>[\w.]+): (?P<message>[^\n]*)")
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*): (?P<message>.*)$")  # a traceback's last line
_MARKER = re.compile(r"^(?P<kind>START|END) RequestId: ")
# The same markers in Lambda's JSON log format (an invocation ends at runtimeDone, or at its report).
PLATFORM_MARKERS = {"platform.start": "START", "platform.runtimeDone": "END", "platform.report": "END"}
# What a retry can fix, so never a reason to give up: the environment died, or ran out of time.
RETRYABLE_RUNTIME_ERRORS = frozenset({"Runtime.ExitError", "Sandbox.Timedout", "Runtime.OutOfMemory"})
# The handler logs every AWS error with its key before raising it: one without that line means the line was
# lost (MiniStack can lose a function's last lines), not that the function failed before reaching a record.
AWS_CALL_ERRORS = frozenset(
    {"ClientError", "EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}
)
SUCCESS_MESSAGES = ("log item written", "duplicate delivery, item already written")
LOOK_BACK_MS = 30_000  # events logged this long before the watch began still count (clocks differ)
LOOKED_BACK_S = (LOOK_BACK_MS + LogFollower.OVERLAP_MS) // 1000  # the follower looks back its overlap more


@dataclass
class KeyHistory:
    """What the log and the queue said about one object key."""

    written: bool = False
    # Errors by delivery: Lambda keeps one request id across the retries of a delivery; S3 delivering an event
    # twice makes two deliveries, each with its own attempts (the handler gives both the same item requestId).
    failed_attempts: dict[str, list[str]] = field(default_factory=dict)
    rejected: str | None = None
    queued: str | None = None  # the on-failure record, in words

    def last_error(self) -> str | None:
        errors = [error for attempts in self.failed_attempts.values() for error in attempts]
        return errors[-1] if errors else None


@dataclass
class Invocation:
    """One invocation's lines: whether the handler named a key, and the error the runtime reported."""

    named_a_key: bool = False
    error: str | None = None
    _in_traceback: bool = False

    def read_plain(self, text: str) -> None:
        """A plain-text line: the runtime's ``[ERROR] Type: message`` or a traceback's last line."""
        first = text.splitlines()[0] if text else ""
        error = _RUNTIME_ERROR.match(first)
        if error is not None:
            self.failed_with(error["type"], error["message"])
            return
        if first.startswith("Traceback (most recent call last)"):
            self._in_traceback = True
            return
        exception = _EXCEPTION_LINE.match(first)
        if self._in_traceback and exception is not None and not first[:1].isspace():
            self.failed_with(exception["type"], exception["message"])
            self._in_traceback = False

    def failed_with(self, error_type: str, message: str) -> None:
        """The runtime's error for this invocation, unless it is one a retry fixes or an AWS call's."""
        if error_type.rsplit(".", 1)[-1] in AWS_CALL_ERRORS or error_type in RETRYABLE_RUNTIME_ERRORS:
            return
        self.error = self.error or f"{error_type}: {message}"


@dataclass(frozen=True)
class GaveUp:
    """Why an event (``key``, or every event of the function when None) can no longer succeed."""

    key: str | None
    why: str

    def __str__(self) -> str:
        return f"{self.key!r}: {self.why}" if self.key is not None else self.why


class Outcomes:
    """The function's log group and on-failure queue, read incrementally and judged per key."""

    def __init__(
        self,
        logs: CloudWatchLogsClient,
        group: str,
        *,
        sqs: SQSClient | None = None,
        queue_url: str | None = None,
        attempts: int = DEFAULT_ATTEMPTS,
        every_s: float = 0.5,
    ) -> None:
        self.group, self.attempts = group, attempts
        self.queue_name = queue_url.rsplit("/", 1)[-1] if queue_url else None
        self._logs = LogFollower(logs, group, int(time.time() * 1000) - LOOK_BACK_MS)
        self._queue = QueueFollower(sqs, queue_url) if sqs is not None and queue_url else None
        self._every_s = every_s
        self._next_read = 0.0
        self.keys: dict[str, KeyHistory] = {}
        self.cannot_start: str | None = None  # the init error, once the runtime has logged one that is permanent
        self.invocations = 0  # START lines seen
        self.succeeded = 0  # handler lines that say an item was written (or already was)
        self.failed_before_a_record: list[str] = []  # errors of invocations that named no key
        self._running: dict[str, Invocation] = {}  # log stream -> its invocation between START and END
        self.unreadable: str | None = None  # why the last read failed, if it did

    @classmethod
    def for_stack(cls, clients: Clients, outputs: Mapping[str, Any], **options: Any) -> Outcomes:
        """Watching a deployed stack (its outputs name the log group and the queue), from now on."""
        function = str(outputs["lambda_function_name"])
        return cls(
            clients.logs,
            str(outputs["log_group_name"]),
            sqs=clients.sqs,
            queue_url=outputs.get("failure_queue_url") or None,
            attempts=attempts_of(clients.lambda_, function),
            **options,
        )

    # ---------------------------------------------------------------- reading ---

    def refresh(self, *, force: bool = False) -> None:
        """Read what is new, at most every ``every_s`` seconds (unless ``force``); never raises for the engine."""
        now = time.monotonic()
        if not force and now < self._next_read:
            return
        self._next_read = now + self._every_s
        try:
            for event in self._logs.poll_events():
                self.read_log_line(str(event.get("message", "")), str(event.get("logStreamName", "")))
            if self._queue is not None:
                for record in self._queue.poll_records():
                    self.read_failure_record(record)
            self.unreadable = None
        except (ClientError, BotoCoreError, OSError, KeyError, ValueError, TypeError) as error:
            self.unreadable = f"{type(error).__name__}: {error}"

    def read_log_line(self, message: str, stream: str = "") -> None:
        """One log event. Lines between a stream's START and END belong to that invocation."""
        text = message.rstrip("\n")
        marker = _MARKER.match(text)
        fields: Any = None
        if marker is None:
            try:
                fields = json.loads(text)
            except ValueError:
                fields = None
        kind = marker["kind"] if marker is not None else None
        if isinstance(fields, dict) and fields.get("type") in PLATFORM_MARKERS:  # Lambda's JSON log format
            kind = PLATFORM_MARKERS[fields["type"]]
        if kind == "START":
            self.invocations += 1
            self._running[stream] = Invocation()
            return
        if kind == "END":
            self._ended(self._running.pop(stream, None))
            return
        invocation = self._running.get(stream)
        if isinstance(fields, dict):
            self._read_handler_line(fields, invocation)
            return
        error = _RUNTIME_ERROR.match(text)
        if error is not None and error["type"] in PERMANENT_INIT_ERRORS:
            self.cannot_start = f"{error['type']}: {error['message']}"
        elif invocation is not None:
            invocation.read_plain(text)

    def _read_handler_line(self, fields: dict[str, Any], invocation: Invocation | None) -> None:
        error_type = fields.get("errorType")
        if isinstance(error_type, str):  # a runtime's own error, in Lambda's JSON log format
            if error_type in PERMANENT_INIT_ERRORS:
                self.cannot_start = f"{error_type}: {fields.get('errorMessage', '')}"
            elif invocation is not None:
                invocation.failed_with(error_type, str(fields.get("errorMessage", "")))
            return
        key = fields.get("key")
        if not isinstance(key, str):
            return
        if invocation is not None:
            invocation.named_a_key = True
        history = self.keys.setdefault(key, KeyHistory())
        message = str(fields.get("message", ""))
        if message in SUCCESS_MESSAGES:
            history.written = True
            self.succeeded += 1
            self.cannot_start = None  # the function runs (new code, or an init that failed once)
        elif message.startswith("write failed"):
            delivery = str(fields.get("awsRequestId") or fields.get("requestId") or key)
            history.failed_attempts.setdefault(delivery, []).append(str(fields.get("error") or message))
        elif message.startswith("malformed record"):
            history.rejected = str(fields.get("reason") or message)

    def _ended(self, invocation: Invocation | None) -> None:
        """An invocation that failed before its handler named any key (raised at once, say) is counted."""
        if invocation is not None and invocation.error is not None and not invocation.named_a_key:
            self.failed_before_a_record.append(invocation.error)

    def read_failure_record(self, record: dict[str, Any]) -> None:
        """One on-failure destination record: the S3 event it carries, how often it ran, the last error."""
        raw_keys = keys_in(record)
        if raw_keys is None:
            return  # not an S3 event's record: nothing to tie to a key
        context = _mapping(record.get("requestContext"))
        response = _mapping(record.get("responsePayload"))
        count = context.get("approximateInvokeCount")
        condition = context.get("condition") or "failed"
        error = ": ".join(str(response[k]) for k in ("errorType", "errorMessage") if response.get(k))
        words = (
            f"{condition}"
            + (f" after {count} attempt(s)" if count else "")
            + (f"; the error: {error}" if error else "")
        )
        for raw in raw_keys:
            self.keys.setdefault(unquote_plus(raw), KeyHistory()).queued = words

    # ---------------------------------------------------------------- judging ---

    def gave_up(self, wanted: Iterable[str] | Callable[[str], bool]) -> GaveUp | None:
        """The evidence that one of the ``wanted`` keys' events can no longer succeed, or None."""
        self.refresh()
        is_wanted = wanted if callable(wanted) else set(wanted).__contains__
        if self.cannot_start is not None:
            return GaveUp(None, f"the function cannot start: {self.cannot_start} (a retry runs the same code)")
        failed = self.failed_before_a_record
        if len(failed) >= self.attempts and not self.succeeded:
            return GaveUp(
                None,
                f"the function fails before it reaches a record: {len(failed)} invocation(s) failed and none "
                f"succeeded in the log read; the last error: {failed[-1]}",
            )
        for key, history in self.keys.items():
            if not is_wanted(key) or history.written:
                continue
            verdict = self._verdict(history)
            if verdict is not None:
                return GaveUp(key, verdict)
        return None

    def _verdict(self, history: KeyHistory) -> str | None:
        destination = f"the on-failure queue {self.queue_name}" if self.queue_name else "nowhere (no failure queue)"
        if history.queued is not None:
            return f"its event reached {destination}: {history.queued}"
        if history.rejected is not None:
            return f"the handler rejected the record (never retried): {history.rejected}"
        for errors in history.failed_attempts.values():
            if len(errors) >= self.attempts:
                return (
                    f"retries exhausted: attempt {len(errors)} of {self.attempts} failed: {errors[-1]}; "
                    f"Lambda sends the event to {destination}"
                )
        return None

    def describe(self, keys: Iterable[str]) -> str:
        """What was seen for ``keys`` (the first five), for a wait that ran out of time."""
        self.refresh(force=True)
        where = f"log group {self.group}" + (f" and queue {self.queue_name}" if self.queue_name else "")
        if self.unreadable:
            return f"the pipeline's reports could not be read ({where}): {self.unreadable}"
        if self._logs.group_exists is False:
            return f"{where}: the log group does not exist yet (no invocation logged)"
        said = []
        for key in list(keys)[:5]:
            history = self.keys.get(key)
            if history is None:
                said.append(f"{key!r}: no log line or failure record names it")
                continue
            attempts = sum(len(errors) for errors in history.failed_attempts.values())
            last = history.last_error()
            said.append(f"{key!r}: {attempts} failed attempt(s)" + (f", the last: {last}" if last else ""))
        looked = f"{self.invocations} invocation(s) logged from {LOOKED_BACK_S} s before the wait on"
        return "; ".join([f"{where}: {looked}", *said])


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def attempts_of(lambda_client: LambdaClient, function: str) -> int:
    """How many times Lambda runs an asynchronous event of ``function``: 1 + its maximum retry attempts."""
    try:
        config = lambda_client.get_function_event_invoke_config(FunctionName=function)
    except (ClientError, BotoCoreError):
        return DEFAULT_ATTEMPTS  # no config (Lambda's defaults), or an engine without the call
    retries = config.get("MaximumRetryAttempts")
    return 1 + int(retries) if isinstance(retries, int) else DEFAULT_ATTEMPTS
