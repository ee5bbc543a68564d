"""The engine's fault-injection API: faults are applied where they are said to be, and nonsense is refused."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError
from pipeline_tooling.harness.control import EngineControl

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


TABLE_SCHEMA = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


@pytest.fixture
def faults(engine):
    injector = EngineControl(engine)
    yield injector
    injector.clear()


def test_unavailable_table_refuses_put_item_until_lifted(aws, faults):
    aws.dynamodb.create_table(TableName="fault-target", **TABLE_SCHEMA)
    aws.dynamodb.create_table(TableName="bystander", **TABLE_SCHEMA)
    faults.set(unavailable_tables=["fault-target"])

    with pytest.raises(ClientError) as refused:
        aws.dynamodb.put_item(TableName="fault-target", Item={"id": {"S": "1"}})
    aws.dynamodb.put_item(TableName="bystander", Item={"id": {"S": "1"}})  # other tables unaffected

    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert faults.status()["injected"]["unavailable"] == 1
    faults.clear()
    aws.dynamodb.put_item(TableName="fault-target", Item={"id": {"S": "1"}})


def test_every_put_item_can_be_made_to_fail_transiently(aws, faults):
    aws.dynamodb.create_table(TableName="flaky", **TABLE_SCHEMA)
    faults.set(put_item_failure_rate=1.0)

    with pytest.raises(ClientError) as failed:
        aws.dynamodb.put_item(TableName="flaky", Item={"id": {"S": "1"}})

    assert failed.value.response["Error"]["Code"] == "InternalServerError"
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    attempts = failed.value.response["ResponseMetadata"]["RetryAttempts"] + 1
    assert attempts > 1  # botocore retried it
    assert faults.status()["injected"]["put_item_errors"] == attempts  # and every attempt was refused


def test_setting_faults_starts_their_counters_again(aws, faults):
    aws.dynamodb.create_table(TableName="counted", **TABLE_SCHEMA)
    faults.set(unavailable_tables=["counted"])
    with pytest.raises(ClientError):
        aws.dynamodb.put_item(TableName="counted", Item={"id": {"S": "1"}})
    assert faults.status()["injected"]["unavailable"] == 1

    assert faults.clear()["injected"] == {"put_item_errors": 0, "unavailable": 0, "copies": 0, "environment_kills": 0}


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ({"put_item_failure_rate": 2}, "put_item_failure_rate"),
        ({"s3_delivery_copies": 0}, "s3_delivery_copies"),
        ({"unavailable_tables": "t"}, "unavailable_tables"),
        ({"chaos": True}, "unknown fault settings"),
    ],
)
def test_nonsense_is_refused_with_a_reason(faults, spec, complaint):
    with pytest.raises(urllib.error.HTTPError) as refused:
        faults.set(**spec)

    assert refused.value.code == 400
    assert complaint in json.loads(refused.value.read())["error"]
    assert faults.status()["put_item_failure_rate"] == 0.0  # nothing half-applied


def test_unknown_endpoint_is_a_404(engine):
    context = ssl.create_default_context(cafile=engine.ca_bundle)
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{engine.endpoint}/_engine/nothing", context=context)
    assert missing.value.code == 404


@pytest.mark.parametrize("body", [{"advance_s": -1}, {"advance_s": "60"}, {"by": 60}, {"advance_s": 1, "x": 2}, [60]])
def test_the_event_clock_refuses_nonsense_and_moves_nothing(engine, body):
    control = EngineControl(engine)
    moved = control.advance_event_clock(0)
    request = urllib.request.Request(f"{engine.endpoint}/_engine/clock", data=json.dumps(body).encode(), method="POST")

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=ssl.create_default_context(cafile=engine.ca_bundle), timeout=10)

    assert refused.value.code == 400
    assert "advance_s" in json.loads(refused.value.read())["error"]
    assert control.advance_event_clock(0) == moved
