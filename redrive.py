#!/usr/bin/env python3
"""Replay a stack's on-failure queue: each event Lambda gave up on is invoked again, then deleted.

Lambda sends every asynchronous event that still failed after its retries to the stack's on-failure queue
(``async_invocation = { failure_queue = {} }``) as an invocation record: the original event in
``requestPayload``, with why and when it failed. Once the cause is fixed, this script replays them:

    python3 redrive.py --queue-url URL --function NAME_OR_ARN [--dry-run] [--region R] [--hold-seconds 900]
    terraform output -json | python3 redrive.py --outputs - [--output-name NAME] [--dry-run] ...

``--outputs`` reads ``terraform output -json`` of a root (a file, or ``-`` for stdin): the module applied as
the root (top-level ``failure_queue_url`` and ``lambda_function_name``), or an output whose value is the
module's outputs (``output "x" { value = module.x }``); ``--output-name`` picks one when several qualify
(``.`` names the top-level outputs).

What it does, in order:

1. Checks that the queue is the function's on-failure destination; if not, it reads nothing.
2. Receives every message, hiding each from other readers for ``--hold-seconds``, and orders them by the
   record's timestamp (then MessageId).
3. Reports each message that is not an invocation record of this function, by MessageId, and leaves it.
4. Invokes the function synchronously with each record's ``requestPayload``, oldest first, deleting each
   message once its replay succeeded; the first failure stops the run. ``--dry-run`` only lists them.
5. Whatever happens (a failure, Ctrl-C, a dry run), every message it did not delete is made visible again
   at once, so the next run, or another reader, sees it.

Running it twice is safe: the handler's item key is derived from the event, so a replayed event that was
already written writes nothing new, and a second run finds the queue empty.

Exit codes:
  0    every message was replayed (or, with --dry-run, would be); an empty queue too
  1    stopped at a failure (the function failed, or an AWS call did); the rest is still in the queue
  2    bad usage or input, an AWS error before reading, or a queue that is not the function's destination
  3    finished, but some messages are not replayable records of this function and were left in the queue
  130  interrupted (Ctrl-C); what was not replayed is back in the queue

AWS credentials and region come from boto3's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL,
AWS_CA_BUNDLE...); ``--region`` overrides the region. Standard library and boto3 only.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Set, TextIO, Tuple
from urllib.parse import unquote_plus

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

EXIT_OK = 0
EXIT_STOPPED = 1
EXIT_USAGE = 2
EXIT_UNREPLAYABLE = 3
EXIT_INTERRUPTED = 130

DEFAULT_HOLD_SECONDS = 900
MAX_HOLD_SECONDS = 43_200  # SQS's longest visibility timeout: 12 hours
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30  # every call but a synchronous invoke
INVOKE_MARGIN = 30  # a synchronous invoke lasts up to the function's timeout; the client waits this much longer
BATCH_SIZE = 10  # the most one ReceiveMessage returns
WAIT_SECONDS = 1
PAYLOAD_PREVIEW = 100
TOP_LEVEL = "."  # --output-name for the top-level outputs (the module applied as the root)
QUEUE_KEY = "failure_queue_url"
FUNCTION_KEY = "lambda_function_name"
UNKNOWN_TIME = datetime.min.replace(tzinfo=timezone.utc)

AWS_ERRORS = (ClientError, BotoCoreError)


class RedriveError(Exception):
    """Bad usage or input, or a queue that is not the function's: nothing was read; the message says why."""


class SqsApi(Protocol):
    """The SQS calls this script makes (a boto3 SQS client has them)."""

    def get_queue_attributes(self, *, QueueUrl: str, AttributeNames: List[str]) -> Mapping[str, Any]: ...

    def receive_message(
        self, *, QueueUrl: str, MaxNumberOfMessages: int, WaitTimeSeconds: int, VisibilityTimeout: int
    ) -> Mapping[str, Any]: ...

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> Mapping[str, Any]: ...

    def change_message_visibility(
        self, *, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int
    ) -> Mapping[str, Any]: ...


class LambdaApi(Protocol):
    """The Lambda calls this script makes (a boto3 Lambda client has them)."""

    def get_function_event_invoke_config(self, *, FunctionName: str) -> Mapping[str, Any]: ...

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: str) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Target:
    queue_url: str
    function: str


@dataclass
class Received:
    """One message as received, and what it holds."""

    message_id: str
    receipt_handle: str
    record: Optional[Dict[str, Any]]  # the invocation record, when it is one of this function
    problem: Optional[str]  # why it is not replayable, when it is not
    time: datetime


@dataclass
class Run:
    """What a run holds: every message received (by MessageId, in the order received) and those deleted."""

    receipts: Dict[str, str] = field(default_factory=dict)  # MessageId -> its latest ReceiptHandle
    bodies: Dict[str, str] = field(default_factory=dict)
    deleted: Set[str] = field(default_factory=set)


# ---------------------------------------------------------------- outputs ---


def target_from_outputs(text: str, output_name: Optional[str] = None) -> Target:
    """The queue and function named by ``terraform output -json``; RedriveError when they cannot be found."""
    try:
        outputs = json.loads(text)
    except ValueError as error:
        raise RedriveError(f"--outputs is not JSON (expected the output of terraform output -json): {error}") from None
    if not isinstance(outputs, dict):
        raise RedriveError(
            f"--outputs must be a JSON object (the output of terraform output -json), got {type(outputs).__name__}"
        )
    candidates = stack_candidates(outputs)
    if output_name is not None:
        if output_name not in candidates:
            raise RedriveError(
                f"output {output_name!r} does not hold {QUEUE_KEY} and {FUNCTION_KEY}; "
                f"outputs that do: {listing(candidates)}"
            )
        values = candidates[output_name]
    elif len(candidates) == 1:
        [values] = candidates.values()
    elif candidates:
        raise RedriveError(
            f"several outputs hold {QUEUE_KEY} and {FUNCTION_KEY}: {listing(candidates)}; choose one with --output-name"
        )
    else:
        raise RedriveError(
            f"no output holds {QUEUE_KEY} and {FUNCTION_KEY}, neither at the top level nor in an output's value "
            f"(outputs: {', '.join(sorted(outputs)) or 'none'})"
        )
    return target_from_values(values)


def stack_candidates(outputs: Mapping[str, Any]) -> Dict[str, Mapping[str, Any]]:
    """The stacks the outputs name: the top level (``.``) and each output whose value holds both keys."""
    candidates: Dict[str, Mapping[str, Any]] = {}
    values = {name: entry.get("value") for name, entry in outputs.items() if isinstance(entry, dict)}
    # Terraform leaves a null root output out of terraform output -json: an absent queue URL is a null one.
    if FUNCTION_KEY in values:
        candidates[TOP_LEVEL] = {FUNCTION_KEY: values[FUNCTION_KEY], QUEUE_KEY: values.get(QUEUE_KEY)}
    for name, value in sorted(values.items()):
        if isinstance(value, dict) and FUNCTION_KEY in value and QUEUE_KEY in value:
            candidates[name] = value
    return candidates


def listing(candidates: Mapping[str, Any]) -> str:
    return ", ".join("(top level) ." if name == TOP_LEVEL else name for name in candidates) or "none"


def target_from_values(values: Mapping[str, Any]) -> Target:
    function = values.get(FUNCTION_KEY)
    queue_url = values.get(QUEUE_KEY)
    if not isinstance(function, str) or not function:
        raise RedriveError(f"{FUNCTION_KEY} must be a non-empty string, got {json.dumps(function)}")
    if queue_url is None:
        raise RedriveError(
            f"the stack of function {function} has no failure queue ({QUEUE_KEY} is null): "
            "set async_invocation = { failure_queue = {} } and apply"
        )
    if not isinstance(queue_url, str) or not queue_url:
        raise RedriveError(f"{QUEUE_KEY} must be a non-empty string, got {json.dumps(queue_url)}")
    return Target(queue_url=queue_url, function=function)


# ------------------------------------------------------------- the records ---


def function_name(name_or_arn: str) -> str:
    """The function's name in a name, a name:qualifier, a full or partial ARN (``…:function:NAME[:qualifier]``)."""
    marker = "function:"
    rest = name_or_arn.split(marker, 1)[1] if marker in name_or_arn else name_or_arn
    return rest.split(":", 1)[0]


class NotReplayable(ValueError):
    """A message that is not Lambda's invocation record of this function; the message says why."""


def examine(body: str, function: str) -> Dict[str, Any]:
    """The body as Lambda's invocation record of ``function``; NotReplayable says why it is not one."""
    try:
        record = json.loads(body)
    except ValueError:
        raise NotReplayable("the body is not JSON") from None
    if not isinstance(record, dict):
        raise NotReplayable(f"the body is a JSON {type(record).__name__}, not a Lambda invocation record")
    context = record.get("requestContext")
    if not isinstance(context, dict):
        raise NotReplayable("no requestContext object: not a Lambda invocation record")
    arn = context.get("functionArn")
    if not isinstance(arn, str) or not arn:
        raise NotReplayable("requestContext has no functionArn: not a Lambda invocation record")
    if function_name(arn) != function_name(function):
        raise NotReplayable(f"a record of function {function_name(arn)}, not of {function_name(function)}")
    if "requestPayload" not in record:
        raise NotReplayable("no requestPayload: the record does not hold the event")
    return record


def record_time(record: Mapping[str, Any]) -> datetime:
    """The record's timestamp (ISO 8601); records without a readable one sort last."""
    value = record.get("timestamp")
    if not isinstance(value, str):
        return UNKNOWN_TIME
    try:
        parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return UNKNOWN_TIME
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def order_key(message: Received) -> Tuple[int, datetime, str]:
    return (1 if message.time == UNKNOWN_TIME else 0, message.time, message.message_id)


def describe_payload(payload: Any) -> str:
    """``eventName bucket/key`` for each S3 record of the event, else the start of its JSON."""
    records = payload.get("Records") if isinstance(payload, dict) else None
    if not isinstance(records, list):
        records = []
    s3_records = [r for r in records if isinstance(r, dict) and isinstance(r.get("s3"), dict)]
    if not s3_records:
        return json.dumps(payload)[:PAYLOAD_PREVIEW]

    def text(value: Any) -> str:
        return value if isinstance(value, str) else "?"

    described = []
    for record in s3_records:
        s3 = record["s3"]
        bucket = s3.get("bucket") if isinstance(s3.get("bucket"), dict) else {}
        obj = s3.get("object") if isinstance(s3.get("object"), dict) else {}
        key = obj.get("key")
        shown_key = unquote_plus(key, errors="replace") if isinstance(key, str) else "?"
        described.append(f"{text(record.get('eventName'))} {text(bucket.get('name'))}/{shown_key}")
    return ", ".join(described)


def describe(record: Mapping[str, Any]) -> str:
    """``request <id> (<condition>, <n> attempts): <what>``."""
    context = record["requestContext"]

    def shown(name: str) -> str:
        value = context.get(name)
        return "?" if value is None else str(value)

    return (
        f"request {shown('requestId')} ({shown('condition')}, {shown('approximateInvokeCount')} attempts): "
        f"{describe_payload(record['requestPayload'])}"
    )


def function_error(response: Mapping[str, Any]) -> Optional[str]:
    """``errorType: errorMessage`` when the invoked function failed, else None."""
    kind = response.get("FunctionError")
    if not kind:
        return None
    stream: Optional[IO[bytes]] = response.get("Payload")
    raw = stream.read() if stream is not None else b""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and ("errorType" in payload or "errorMessage" in payload):
        return f"{payload.get('errorType', kind)}: {payload.get('errorMessage', '')}"
    return f"function error ({kind}): {text[:200]}"


# --------------------------------------------------------------- AWS steps ---


def check_destination(sqs: SqsApi, lambda_: LambdaApi, target: Target) -> None:
    """RedriveError unless the queue is the function's on-failure destination."""
    try:
        queue_arn = sqs.get_queue_attributes(QueueUrl=target.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
    except AWS_ERRORS as error:
        raise RedriveError(f"cannot read queue {target.queue_url}: {error}") from None
    try:
        config = lambda_.get_function_event_invoke_config(FunctionName=target.function)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise RedriveError(f"cannot read the event invoke config of {target.function}: {error}") from None
        config = {}
    except BotoCoreError as error:
        raise RedriveError(f"cannot read the event invoke config of {target.function}: {error}") from None
    destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    if destination != queue_arn:
        raise RedriveError(
            f"queue {target.queue_url} ({queue_arn}) is not the on-failure destination of function "
            f"{target.function} (its destination: {destination or 'none'}): nothing was read"
        )


def receive_all(sqs: SqsApi, queue_url: str, hold_seconds: int, run: Run) -> None:
    """Receive until a receive returns nothing (or nothing new), recording each message in ``run`` as it comes."""
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=WAIT_SECONDS,
            VisibilityTimeout=hold_seconds,
        ).get("Messages", [])
        new = [message for message in messages if message["MessageId"] not in run.receipts]
        for message in messages:
            # A message received again (SQS delivers at least once) counts once; its newest handle is the valid one.
            run.receipts[message["MessageId"]] = message["ReceiptHandle"]
            run.bodies[message["MessageId"]] = message.get("Body", "")
        if not new:  # empty; or only messages seen already, back because the hold ran out: no endless loop
            return


def release(sqs: SqsApi, queue_url: str, run: Run, out: TextIO) -> None:
    """Make every message received and not deleted visible again at once."""
    for message_id, receipt in run.receipts.items():
        if message_id in run.deleted:
            continue
        try:
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=0)
        except AWS_ERRORS as error:
            print(
                f"message {message_id}: could not make it visible again ({error}); it returns when the hold ends",
                file=out,
            )


def replay(sqs: SqsApi, lambda_: LambdaApi, target: Target, messages: List[Received], *, run: Run, out: TextIO) -> bool:
    """Invoke, then delete, each replayable message in order; True when it stopped at a failure."""
    total = len(messages)
    for position, message in enumerate(messages, start=1):
        if message.record is None:
            continue
        where = f"{position} of {total} (message {message.message_id})"
        try:
            response = lambda_.invoke(
                FunctionName=target.function,
                InvocationType="RequestResponse",
                Payload=json.dumps(message.record["requestPayload"]),
            )
        except AWS_ERRORS as error:
            print(f"stopped at {where}: {error}", file=out)
            return True
        failure = function_error(response)
        if failure is not None:
            print(f"stopped at {where}: {failure}", file=out)
            return True
        try:
            sqs.delete_message(QueueUrl=target.queue_url, ReceiptHandle=message.receipt_handle)
        except AWS_ERRORS as error:
            print(f"stopped at {where}: replayed, but not deleted (a next run replays it again): {error}", file=out)
            return True
        run.deleted.add(message.message_id)
        print(f"replayed {position} of {total}: {describe(message.record)}", file=out)
    return False


def examine_all(run: Run, function: str) -> List[Received]:
    """Every message received, examined, in replay order: by timestamp, then MessageId; unreplayable ones last."""
    messages = []
    for message_id, body in run.bodies.items():
        try:
            record = examine(body, function)
        except NotReplayable as reason:
            messages.append(Received(message_id, run.receipts[message_id], None, str(reason), UNKNOWN_TIME))
        else:
            messages.append(Received(message_id, run.receipts[message_id], record, None, record_time(record)))
    return sorted(messages, key=order_key)


def redrive(
    sqs: SqsApi,
    lambda_: LambdaApi,
    target: Target,
    *,
    dry_run: bool = False,
    hold_seconds: int = DEFAULT_HOLD_SECONDS,
    out: Optional[TextIO] = None,
) -> int:
    """The whole run against the two clients; returns the exit code. RedriveError when nothing was read."""
    out = sys.stdout if out is None else out
    check_destination(sqs, lambda_, target)
    run = Run()
    messages: List[Received] = []
    code = EXIT_OK
    try:
        receive_all(sqs, target.queue_url, hold_seconds, run)
        if not run.receipts:
            print(f"nothing to replay: {target.queue_url} is empty", file=out)
            return EXIT_OK
        messages = examine_all(run, target.function)
        print(
            f"received {len(messages)} message(s) from {target.queue_url}, "
            f"hidden from other readers for up to {hold_seconds} s",
            file=out,
        )
        for message in messages:
            if message.problem is not None:
                print(f"message {message.message_id}: not replayed: {message.problem}", file=out)
        if dry_run:
            for position, message in enumerate(messages, start=1):
                if message.record is not None:
                    print(f"would replay {position} of {len(messages)}: {describe(message.record)}", file=out)
        elif replay(sqs, lambda_, target, messages, run=run, out=out):
            code = EXIT_STOPPED
    except AWS_ERRORS as error:  # from a receive: what was received is released below
        print(f"stopped while receiving from {target.queue_url}: {error}", file=out)
        code = EXIT_STOPPED
    except KeyboardInterrupt:
        print("interrupted", file=out)
        code = EXIT_INTERRUPTED
    finally:
        release(sqs, target.queue_url, run, out)
    unreplayable = sum(1 for message in messages if message.record is None)
    print(
        f"{'dry run: ' if dry_run else ''}replayed {len(run.deleted)}, "
        f"left {len(run.receipts) - len(run.deleted)} in the queue (of which {unreplayable} not replayable)",
        file=out,
    )
    if code == EXIT_OK and unreplayable:
        return EXIT_UNREPLAYABLE
    return code


# ----------------------------------------------------------------- clients ---


def client_config(read_timeout: int) -> Config:
    return Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=read_timeout, retries={"mode": "standard"})


def make_clients(
    function: str, region: Optional[str], factory: Callable[..., Any] = boto3.client
) -> Tuple[SqsApi, LambdaApi]:
    """An SQS client, and a Lambda client that waits longer than the function may run."""
    control = factory("lambda", region_name=region, config=client_config(READ_TIMEOUT))
    timeout = int(control.get_function_configuration(FunctionName=function)["Timeout"])
    lambda_: LambdaApi = factory("lambda", region_name=region, config=client_config(timeout + INVOKE_MARGIN))
    sqs: SqsApi = factory("sqs", region_name=region, config=client_config(READ_TIMEOUT))
    return sqs, lambda_


# -------------------------------------------------------------------- main ---


def hold_seconds_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if not 1 <= value <= MAX_HOLD_SECONDS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_HOLD_SECONDS}, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    epilog = __doc__.split("Exit codes:\n", 1)[1].split("\n\n", 1)[0] if __doc__ else ""
    result = argparse.ArgumentParser(
        description="Replay a stack's on-failure queue: invoke the function again with each event Lambda gave\n"
        "up on, oldest first, deleting each message once its replay succeeded; stop at the first failure.\n"
        "Whatever happens, every message not deleted is made visible again at once.",
        epilog="exit codes:\n" + epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = result.add_argument_group("what to replay (either --outputs, or --queue-url and --function)")
    source.add_argument("--outputs", metavar="FILE", help="terraform output -json of a root, a file or - for stdin")
    source.add_argument(
        "--output-name",
        metavar="NAME",
        help="the output holding the stack, when several do (. for the top-level outputs)",
    )
    source.add_argument("--queue-url", metavar="URL", help="the on-failure queue's URL")
    source.add_argument("--function", metavar="NAME_OR_ARN", help="the function whose queue it is")
    result.add_argument("--dry-run", action="store_true", help="list what would be replayed; invoke and delete nothing")
    result.add_argument("--region", help="AWS region (default: boto3's, e.g. AWS_REGION)")
    result.add_argument(
        "--hold-seconds",
        type=hold_seconds_type,
        default=DEFAULT_HOLD_SECONDS,
        metavar="S",
        help="how long received messages stay hidden from other readers; longer than the run takes "
        f"(default: {DEFAULT_HOLD_SECONDS})",
    )
    return result


def read_outputs(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8") as file:
            return file.read()
    except OSError as error:
        raise RedriveError(f"cannot read --outputs {source}: {error}") from None


def main(argv: Optional[Sequence[str]] = None, client_factory: Callable[..., Any] = boto3.client) -> int:
    arguments = parser()
    args = arguments.parse_args(argv)
    if args.outputs is not None:
        if args.queue_url is not None or args.function is not None:
            arguments.error("give either --outputs or --queue-url and --function, not both")
    else:
        if args.queue_url is None or args.function is None:
            arguments.error("give --outputs, or both --queue-url and --function")
        if args.output_name is not None:
            arguments.error("--output-name goes with --outputs")
    try:
        if args.outputs is not None:
            target = target_from_outputs(read_outputs(args.outputs), args.output_name)
        else:
            target = Target(queue_url=str(args.queue_url), function=str(args.function))
        sqs, lambda_ = make_clients(target.function, args.region, client_factory)
        return redrive(sqs, lambda_, target, dry_run=args.dry_run, hold_seconds=args.hold_seconds)
    except RedriveError as error:
        print(f"redrive.py: error: {error}", file=sys.stderr)
    except AWS_ERRORS as error:
        print(f"redrive.py: error: nothing was read: {error}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
