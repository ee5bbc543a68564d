"""redrive.py against a moto queue and a fake Lambda client: the destination check, order, stops, releases."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.unit.loaded import redrive
from tests.unit.s3_events import s3_event, s3_record

FUNCTION = "s3-processor-test"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
BUCKET = "lambda-trigger-bucket-test-123456789012"


class FakeLambda:
    """The Lambda calls redrive.py makes: records each invocation, answers as told."""

    def __init__(self, destination: str | None, *, timeout: int = 30) -> None:
        self.destination = destination
        self.timeout = timeout
        self.invocations: list[dict[str, Any]] = []
        self.fail_at: int | None = None  # the invocation (1-based) that answers with a FunctionError
        self.raise_at: int | None = None  # the invocation that raises self.error instead
        self.error: BaseException = KeyboardInterrupt()

    def get_function_configuration(self, *, FunctionName: str) -> dict[str, Any]:
        return {"FunctionName": FunctionName, "FunctionArn": FUNCTION_ARN, "Timeout": self.timeout}

    def get_function_event_invoke_config(self, *, FunctionName: str) -> dict[str, Any]:
        if self.destination is None:
            message = f"The function {FunctionName} has no event invoke config."
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": message}}, "GetFunctionEventInvokeConfig"
            )
        return {"FunctionArn": FUNCTION_ARN, "DestinationConfig": {"OnFailure": {"Destination": self.destination}}}

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, Any]:
        self.invocations.append({"FunctionName": FunctionName, "InvocationType": InvocationType, "Payload": Payload})
        number = len(self.invocations)
        if number == self.raise_at:
            raise self.error
        if number == self.fail_at:
            answer = {"errorMessage": "table is gone", "errorType": "ResourceNotFoundException"}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(answer).encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(b'{"statusCode": 200, "written": 1}')}

    def payloads(self) -> list[Any]:
        return [json.loads(invocation["Payload"]) for invocation in self.invocations]


class Queue:
    """A moto queue and what a test needs to know about it."""

    def __init__(self, name: str) -> None:
        self.client: Any = boto3.client("sqs", region_name="us-east-1")
        self.url: str = self.client.create_queue(QueueName=name)["QueueUrl"]
        self.arn: str = self.client.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def send(self, body: Any) -> str:
        text = body if isinstance(body, str) else json.dumps(body)
        message_id: str = self.client.send_message(QueueUrl=self.url, MessageBody=text)["MessageId"]
        return message_id

    def counts(self) -> tuple[int, int]:
        """(visible, in flight)."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def visible_ids(self) -> set[str]:
        """The MessageIds a reader can receive now (received with no hold, so they stay visible)."""
        messages = self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=0
        ).get("Messages", [])
        return {message["MessageId"] for message in messages}


def invocation_record(
    key: str,
    timestamp: str,
    *,
    function_arn: str = f"{FUNCTION_ARN}:$LATEST",
    request_id: str | None = None,
) -> dict[str, Any]:
    """Lambda's record of an asynchronous invocation that still failed after its retries."""
    return {
        "version": "1.0",
        "timestamp": timestamp,
        "requestContext": {
            "requestId": request_id or f"req-{key}",
            "functionArn": function_arn,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": s3_event(s3_record(key)),
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "boom", "errorType": "RuntimeError"},
    }


@pytest.fixture(autouse=True)
def _no_long_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto answers a receive at once and whole: the one-second long poll SQS needs only slows these tests."""
    monkeypatch.setattr(redrive, "WAIT_SECONDS", 0)


@pytest.fixture
def queue() -> Iterator[Queue]:
    with mock_aws():
        yield Queue("s3-processor-test-failures")


@pytest.fixture
def function(queue: Queue) -> FakeLambda:
    return FakeLambda(queue.arn)


def run(queue: Queue, function: FakeLambda, *, dry_run: bool = False) -> tuple[int, list[str]]:
    out = io.StringIO()
    target = redrive.Target(queue_url=queue.url, function=FUNCTION)
    code = redrive.redrive(queue.client, function, target, dry_run=dry_run, out=out)
    return code, out.getvalue().splitlines()


def seed(queue: Queue) -> dict[str, str]:
    """Three records, sent out of order: key -> MessageId."""
    return {
        "c.txt": queue.send(invocation_record("c.txt", "2026-12-03T10:02:00.000Z")),
        "a.txt": queue.send(invocation_record("a.txt", "2026-12-03T10:00:00.000Z")),
        "b.txt": queue.send(invocation_record("b.txt", "2026-12-03T10:01:00.000Z")),
    }


def received_line(queue: Queue, count: int) -> str:
    return f"received {count} message(s) from {queue.url}, hidden from other readers for up to 900 s"


def what(key: str) -> str:
    return f"request req-{key} (RetriesExhausted, 3 attempts): ObjectCreated:Put {BUCKET}/{key}"


# ------------------------------------------------------------------ outputs ---


def output(value: Any) -> dict[str, Any]:
    return {"sensitive": False, "type": "string", "value": value}


STACK = {
    "failure_queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/s3-processor-dev-failures",
    "lambda_function_name": "s3-processor-dev",
    "s3_bucket_name": "lambda-trigger-bucket-dev",
}


def test_outputs_of_the_module_applied_as_the_root():
    text = json.dumps({name: output(value) for name, value in STACK.items()})

    assert redrive.target_from_outputs(text) == redrive.Target(
        queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/s3-processor-dev-failures",
        function="s3-processor-dev",
    )


def test_outputs_of_a_root_exposing_the_module():
    text = json.dumps({"pipeline": output(STACK), "region": output("eu-west-1")})

    assert redrive.target_from_outputs(text) == redrive.Target(
        queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/s3-processor-dev-failures",
        function="s3-processor-dev",
    )


def test_output_name_chooses_among_several_stacks():
    other = {**STACK, "failure_queue_url": "https://sqs/other-failures", "lambda_function_name": "other"}
    text = json.dumps({"pipeline": output(STACK), "other": output(other)})

    assert redrive.target_from_outputs(text, "other") == redrive.Target("https://sqs/other-failures", "other")
    assert redrive.target_from_outputs(text, "pipeline").function == "s3-processor-dev"
    with pytest.raises(redrive.RedriveError) as error:
        redrive.target_from_outputs(text)
    assert str(error.value) == (
        "several outputs hold failure_queue_url and lambda_function_name: other, pipeline; "
        "choose one with --output-name"
    )
    with pytest.raises(redrive.RedriveError) as error:
        redrive.target_from_outputs(text, "region")
    assert str(error.value) == (
        "output 'region' does not hold failure_queue_url and lambda_function_name; outputs that do: other, pipeline"
    )


def test_top_level_and_nested_stacks_are_both_candidates():
    outputs = {name: output(value) for name, value in STACK.items()}
    outputs["inner"] = output({**STACK, "lambda_function_name": "inner"})
    text = json.dumps(outputs)

    with pytest.raises(redrive.RedriveError) as error:
        redrive.target_from_outputs(text)
    assert str(error.value) == (
        "several outputs hold failure_queue_url and lambda_function_name: (top level) ., inner; "
        "choose one with --output-name"
    )
    assert redrive.target_from_outputs(text, ".").function == "s3-processor-dev"
    assert redrive.target_from_outputs(text, "inner").function == "inner"


NO_QUEUE = (
    "the stack of function s3-processor-dev has no failure queue (failure_queue_url is null): "
    "set async_invocation = { failure_queue = {} } and apply"
)


@pytest.mark.parametrize(
    "outputs",
    [
        # terraform output -json leaves a null root output out
        {"lambda_function_name": output("s3-processor-dev"), "s3_bucket_name": output("b")},
        {"failure_queue_url": output(None), "lambda_function_name": output("s3-processor-dev")},
        {"pipeline": output({**STACK, "failure_queue_url": None})},
    ],
    ids=["top-level-absent", "top-level-null", "nested-null"],
)
def test_a_stack_without_failure_queue_is_refused(outputs):
    with pytest.raises(redrive.RedriveError) as error:
        redrive.target_from_outputs(json.dumps(outputs))

    assert str(error.value) == NO_QUEUE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Error: No outputs found",
            "--outputs is not JSON (expected the output of terraform output -json): "
            "Expecting value: line 1 column 1 (char 0)",
        ),
        (
            "[1, 2]",
            "--outputs must be a JSON object (the output of terraform output -json), got list",
        ),
        (
            json.dumps({"bucket": output("b"), "pipeline": output({"lambda_function_name": "f"})}),
            "no output holds failure_queue_url and lambda_function_name, neither at the top level nor in an "
            "output's value (outputs: bucket, pipeline)",
        ),
        (
            "{}",
            "no output holds failure_queue_url and lambda_function_name, neither at the top level nor in an "
            "output's value (outputs: none)",
        ),
        (
            json.dumps({"pipeline": output({**STACK, "lambda_function_name": ""})}),
            'lambda_function_name must be a non-empty string, got ""',
        ),
    ],
    ids=["not-json", "not-an-object", "no-stack", "no-outputs", "empty-function"],
)
def test_unusable_outputs_are_refused(text, message):
    with pytest.raises(redrive.RedriveError) as error:
        redrive.target_from_outputs(text)

    assert str(error.value) == message


@pytest.mark.parametrize(
    ("name_or_arn", "name"),
    [
        ("s3-processor-dev", "s3-processor-dev"),
        ("s3-processor-dev:live", "s3-processor-dev"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:s3-processor-dev", "s3-processor-dev"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:s3-processor-dev:$LATEST", "s3-processor-dev"),
        ("123456789012:function:s3-processor-dev", "s3-processor-dev"),
    ],
)
def test_function_name(name_or_arn, name):
    assert redrive.function_name(name_or_arn) == name


def test_payload_description():
    two = s3_event(s3_record("a b.txt"), s3_record("x/y.csv", event_name="ObjectCreated:Copy"))
    other = {"detail": "x" * 200}

    assert redrive.describe_payload(two) == f"ObjectCreated:Put {BUCKET}/a b.txt, ObjectCreated:Copy {BUCKET}/x/y.csv"
    assert redrive.describe_payload(other) == json.dumps(other)[:100]
    assert len(redrive.describe_payload(other)) == 100


# ------------------------------------------------------------ the destination ---


@pytest.mark.parametrize("destination", ["other", None])
def test_a_queue_that_is_not_the_functions_destination_is_refused(queue, destination, capsys, monkeypatch):
    other = Queue("another-queue")
    ids = seed(queue)
    function = FakeLambda(other.arn if destination else None)
    monkeypatch.setattr(redrive, "make_clients", lambda name, region, factory: (queue.client, function))

    code = redrive.main(["--queue-url", queue.url, "--function", FUNCTION])

    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"redrive.py: error: queue {queue.url} ({queue.arn}) is not the on-failure destination of function "
        f"{FUNCTION} (its destination: {other.arn if destination else 'none'}): nothing was read\n"
    )
    assert function.invocations == []
    assert queue.counts() == (3, 0)  # nothing received: all three still there, visible
    assert queue.visible_ids() == set(ids.values())


# ------------------------------------------------------------------ the runs ---


def test_dry_run_invokes_and_deletes_nothing(queue, function):
    ids = seed(queue)

    code, lines = run(queue, function, dry_run=True)

    assert code == 0
    assert lines == [
        received_line(queue, 3),
        f"would replay 1 of 3: {what('a.txt')}",
        f"would replay 2 of 3: {what('b.txt')}",
        f"would replay 3 of 3: {what('c.txt')}",
        "dry run: replayed 0, left 3 in the queue (of which 0 not replayable)",
    ]
    assert function.invocations == []
    assert queue.counts() == (3, 0)
    assert queue.visible_ids() == set(ids.values())


def test_replay_invokes_each_payload_in_timestamp_order_and_empties_the_queue(queue, function):
    seed(queue)

    code, lines = run(queue, function)

    assert code == 0
    assert lines == [
        received_line(queue, 3),
        f"replayed 1 of 3: {what('a.txt')}",
        f"replayed 2 of 3: {what('b.txt')}",
        f"replayed 3 of 3: {what('c.txt')}",
        "replayed 3, left 0 in the queue (of which 0 not replayable)",
    ]
    assert function.payloads() == [s3_event(s3_record(key)) for key in ("a.txt", "b.txt", "c.txt")]
    assert {(i["FunctionName"], i["InvocationType"]) for i in function.invocations} == {(FUNCTION, "RequestResponse")}
    assert queue.counts() == (0, 0)

    again, lines = run(queue, function)

    assert again == 0
    assert lines == [f"nothing to replay: {queue.url} is empty"]
    assert len(function.invocations) == 3


def test_the_first_failure_stops_the_run(queue, function):
    ids = seed(queue)
    function.fail_at = 2

    code, lines = run(queue, function)

    assert code == 1
    assert lines == [
        received_line(queue, 3),
        f"replayed 1 of 3: {what('a.txt')}",
        f"stopped at 2 of 3 (message {ids['b.txt']}): ResourceNotFoundException: table is gone",
        "replayed 1, left 2 in the queue (of which 0 not replayable)",
    ]
    assert function.payloads() == [s3_event(s3_record("a.txt")), s3_event(s3_record("b.txt"))]  # none after
    assert queue.counts() == (2, 0)
    assert queue.visible_ids() == {ids["b.txt"], ids["c.txt"]}


def test_an_aws_error_on_invoke_stops_the_run(queue, function):
    ids = seed(queue)
    function.raise_at = 1
    function.error = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "Invoke")

    code, lines = run(queue, function)

    assert code == 1
    assert lines[1] == (
        f"stopped at 1 of 3 (message {ids['a.txt']}): An error occurred (TooManyRequestsException) "
        "when calling the Invoke operation: Rate exceeded"
    )
    assert lines[2] == "replayed 0, left 3 in the queue (of which 0 not replayable)"
    assert len(function.invocations) == 1
    assert queue.visible_ids() == set(ids.values())


def test_ctrl_c_makes_every_message_not_deleted_visible_again(queue, function):
    ids = seed(queue)
    function.raise_at = 2  # KeyboardInterrupt

    try:
        code, lines = run(queue, function)
    except KeyboardInterrupt:  # escaping, it would end this whole test session instead of failing one test
        pytest.fail("Ctrl-C escaped redrive()")

    assert code == 130
    assert lines[-2:] == ["interrupted", "replayed 1, left 2 in the queue (of which 0 not replayable)"]
    assert queue.counts() == (2, 0)
    assert queue.visible_ids() == {ids["b.txt"], ids["c.txt"]}


def test_messages_that_are_not_records_of_this_function_are_reported_and_left(queue, function):
    a = queue.send(invocation_record("a.txt", "2026-12-03T10:00:00.000Z"))
    note = queue.send("hello")
    foreign = queue.send(
        invocation_record("x.txt", "2026-12-03T09:00:00.000Z", function_arn="arn:aws:lambda:us-east-1:1:function:other")
    )
    no_payload = queue.send(
        {k: v for k, v in invocation_record("y.txt", "2026-12-03T09:00:00.000Z").items() if k != "requestPayload"}
    )
    b = queue.send(invocation_record("b.txt", "2026-12-03T10:01:00.000Z"))
    bad = sorted([note, foreign, no_payload])
    why = {
        note: "the body is not JSON",
        foreign: f"a record of function other, not of {FUNCTION}",
        no_payload: "no requestPayload: the record does not hold the event",
    }

    code, lines = run(queue, function)

    assert code == 3
    assert lines == [
        received_line(queue, 5),
        *[f"message {message_id}: not replayed: {why[message_id]}" for message_id in bad],
        f"replayed 1 of 5: {what('a.txt')}",
        f"replayed 2 of 5: {what('b.txt')}",
        "replayed 2, left 3 in the queue (of which 3 not replayable)",
    ]
    assert function.payloads() == [s3_event(s3_record("a.txt")), s3_event(s3_record("b.txt"))]
    assert queue.counts() == (3, 0)
    assert queue.visible_ids() == {note, foreign, no_payload}
    assert a not in queue.visible_ids()
    assert b not in queue.visible_ids()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("[1]", "the body is a JSON list, not a Lambda invocation record"),
        ('{"requestContext": "x"}', "no requestContext object: not a Lambda invocation record"),
        ('{"requestContext": {}}', "requestContext has no functionArn: not a Lambda invocation record"),
    ],
)
def test_examine_says_why_a_body_is_not_a_record(body, why):
    with pytest.raises(redrive.NotReplayable) as error:
        redrive.examine(body, FUNCTION)

    assert str(error.value) == why


def test_a_message_received_twice_is_replayed_once(queue, function):
    ids = seed(queue)

    class Redelivering:
        """Takes one message a receive, and delivers the one before again beside it (SQS delivers at least once)."""

        def __init__(self, client: Any) -> None:
            self.client = client
            self.last: dict[str, Any] | None = None
            self.receives: list[dict[str, Any]] = []

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

        def receive_message(self, **kwargs: Any) -> dict[str, Any]:
            self.receives.append(kwargs)
            messages = self.client.receive_message(**{**kwargs, "MaxNumberOfMessages": 1}).get("Messages", [])
            answer = ([self.last] if self.last else []) + messages
            self.last = messages[0] if messages else None
            return {"Messages": answer}

    sqs = Redelivering(queue.client)
    target = redrive.Target(queue_url=queue.url, function=FUNCTION)
    out = io.StringIO()

    code = redrive.redrive(sqs, function, target, hold_seconds=60, out=out)

    assert code == 0
    assert function.payloads() == [s3_event(s3_record(key)) for key in ("a.txt", "b.txt", "c.txt")]
    assert out.getvalue().splitlines()[0] == (
        f"received 3 message(s) from {queue.url}, hidden from other readers for up to 60 s"
    )
    assert sqs.receives == 4 * [
        {"QueueUrl": queue.url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0, "VisibilityTimeout": 60}
    ]  # [c], [c, a], [a, b], then [b]: nothing new, which ends the receiving
    assert queue.counts() == (0, 0)
    assert len(ids) == 3


def test_messages_back_from_an_expired_hold_end_the_receiving(queue, function):
    ids = seed(queue)

    class Expiring:
        """Every receive returns the same messages again, as SQS does when the hold is shorter than the receiving."""

        def __init__(self, client: Any) -> None:
            self.client = client
            self.receives = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

        def receive_message(self, **kwargs: Any) -> dict[str, Any]:
            self.receives += 1
            answer: dict[str, Any] = self.client.receive_message(**{**kwargs, "VisibilityTimeout": 0})
            return answer

    sqs = Expiring(queue.client)
    out = io.StringIO()

    code = redrive.redrive(sqs, function, redrive.Target(queue.url, FUNCTION), dry_run=True, out=out)

    assert code == 0
    assert sqs.receives == 2
    assert out.getvalue().splitlines()[-1] == "dry run: replayed 0, left 3 in the queue (of which 0 not replayable)"
    assert queue.visible_ids() == set(ids.values())


# ------------------------------------------------------------------- main ---


def test_main_reads_outputs_from_stdin_and_makes_its_clients(queue, function, capsys, monkeypatch):
    seed(queue)
    function.timeout = 120
    outputs = {"pipeline": output({**STACK, "failure_queue_url": queue.url, "lambda_function_name": FUNCTION})}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(outputs)))
    made: list[tuple[str, str | None, Any]] = []

    def factory(service: str, *, region_name: str | None, config: Any) -> Any:
        made.append((service, region_name, config))
        return function if service == "lambda" else queue.client

    code = redrive.main(["--outputs", "-", "--dry-run", "--region", "us-east-1"], client_factory=factory)

    assert code == 0
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == "dry run: replayed 0, left 3 in the queue (of which 0 not replayable)"
    )
    assert [(service, region) for service, region, _ in made] == [
        ("lambda", "us-east-1"),
        ("lambda", "us-east-1"),
        ("sqs", "us-east-1"),
    ]
    for _, _, config in made:
        assert config.connect_timeout == 10
        assert config.retries == {"mode": "standard"}
    # The invoking client waits longer than the function may run (120 s); the others, 30 s.
    assert [config.read_timeout for _, _, config in made] == [30, 150, 30]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--outputs", "-", "--queue-url", "https://q"],
            "give either --outputs or --queue-url and --function, not both",
        ),
        (["--outputs", "-", "--function", "f"], "give either --outputs or --queue-url and --function, not both"),
        ([], "give --outputs, or both --queue-url and --function"),
        (["--queue-url", "https://q"], "give --outputs, or both --queue-url and --function"),
        (["--queue-url", "https://q", "--function", "f", "--output-name", "x"], "--output-name goes with --outputs"),
        (["--queue-url", "https://q", "--function", "f", "--hold-seconds", "0"], "must be between 1 and 43200, got 0"),
    ],
    ids=["outputs-and-queue", "outputs-and-function", "nothing", "queue-alone", "output-name-alone", "hold-zero"],
)
def test_argument_errors_exit_2(argv, message, capsys):
    def factory(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no client is made on a usage error")

    with pytest.raises(SystemExit) as exit_:
        redrive.main(argv, client_factory=factory)

    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(message)


def test_bad_outputs_file_exits_2(tmp_path, capsys):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"pipeline": output({**STACK, "failure_queue_url": None})}))

    assert redrive.main(["--outputs", str(path)], client_factory=lambda *a, **k: None) == 2
    assert capsys.readouterr().err == f"redrive.py: error: {NO_QUEUE}\n"
