"""examples/complete, applied as written: every option of the module reaches the engine, and the pipeline works.

The example is deployed beside the session's main stack (its own Terraform root, applied in
the same minute); these tests read back what each option set, and run objects through it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from pipeline_tooling.harness.items import by_key, items_under, wait_for_items, wait_for_object
from pipeline_tooling.harness.outcomes import Outcomes

REJECTED = ("incoming/wrong-suffix.txt", "elsewhere/wrong-prefix.csv", "incoming.csv")
EXAMPLE_TAGS = {"example": "complete", "owner": "data-platform", "cost-center": "1234"}


def test_only_matching_keys_are_logged_with_the_items_ttl(clients, complete_stack):
    s3, bucket = clients.s3, complete_stack.bucket
    outcomes = Outcomes.for_stack(clients, complete_stack.outputs)
    for key in REJECTED:
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    # The positive control, uploaded last: once its item is there, the others had their chance.
    s3.put_object(Bucket=bucket, Key="incoming/match.csv", Body=b"1")

    wait_for_items(
        clients.dynamodb, complete_stack.table, "incoming/", ["incoming/match.csv"], timeout=60, outcomes=outcomes
    )

    grouped = by_key(items_under(clients.dynamodb, complete_stack.table, ""))
    assert sorted(grouped) == ["incoming/match.csv"]
    expires = datetime.fromtimestamp(int(grouped["incoming/match.csv"][0]["expiresAt"]), timezone.utc)
    assert abs(expires - (datetime.now(timezone.utc) + timedelta(days=30))) < timedelta(minutes=5)


def test_the_function_has_the_examples_settings(clients, complete_stack):
    function = clients.lambda_.get_function(FunctionName=complete_stack.function)
    configuration = function["Configuration"]

    assert (configuration["Runtime"], configuration["MemorySize"], configuration["Timeout"]) == ("python3.12", 256, 60)
    assert configuration["TracingConfig"] == {"Mode": "Active"}
    assert (
        clients.lambda_.get_function_concurrency(FunctionName=complete_stack.function)["ReservedConcurrentExecutions"]
        == 5
    )
    assert EXAMPLE_TAGS.items() <= function["Tags"].items()
    invoke = clients.lambda_.get_function_event_invoke_config(FunctionName=complete_stack.function)
    assert (invoke["MaximumRetryAttempts"], invoke["MaximumEventAgeInSeconds"]) == (1, 3600)
    queue_arn = clients.sqs.get_queue_attributes(
        QueueUrl=complete_stack.outputs["failure_queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn


def test_one_customer_managed_key_encrypts_bucket_table_and_queue(clients, complete_stack):
    key = complete_stack.root.outputs["kms_key_arn"]
    described = clients.kms.describe_key(KeyId=key)["KeyMetadata"]
    assert (described["KeyManager"], described["KeyState"]) == ("CUSTOMER", "Enabled")
    assert clients.kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True

    rule = clients.s3.get_bucket_encryption(Bucket=complete_stack.bucket)["ServerSideEncryptionConfiguration"]["Rules"][
        0
    ]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
    assert rule["BucketKeyEnabled"] is True
    table = clients.dynamodb.describe_table(TableName=complete_stack.table)["Table"]
    assert (table["SSEDescription"]["SSEType"], table["SSEDescription"]["KMSMasterKeyArn"]) == ("KMS", key)
    queue = clients.sqs.get_queue_attributes(
        QueueUrl=complete_stack.outputs["failure_queue_url"], AttributeNames=["All"]
    )
    assert queue["Attributes"]["KmsMasterKeyId"] == key


def test_the_table_keeps_items_30_days_with_point_in_time_recovery(clients, complete_stack):
    ttl = clients.dynamodb.describe_time_to_live(TableName=complete_stack.table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    backups = clients.dynamodb.describe_continuous_backups(TableName=complete_stack.table)
    recovery = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"
    groups = clients.logs.describe_log_groups(logGroupNamePrefix=complete_stack.outputs["log_group_name"])["logGroups"]
    assert [g.get("retentionInDays") for g in groups] == [30]


def test_the_function_runs_on_arm64_with_lambdas_json_log_format(clients, complete_stack):
    configuration = clients.lambda_.get_function(FunctionName=complete_stack.function)["Configuration"]

    assert configuration["Architectures"] == ["arm64"]
    assert configuration["LoggingConfig"] == {
        "LogFormat": "JSON",
        "LogGroup": complete_stack.outputs["log_group_name"],
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
    }


def test_the_role_has_its_path_boundary_and_extra_statement(clients, complete_stack):
    role_name = complete_stack.outputs["lambda_role_arn"].rsplit("/", 1)[-1]
    role = clients.iam.get_role(RoleName=role_name)["Role"]
    boundary = role["PermissionsBoundary"]["PermissionsBoundaryArn"]
    document = clients.iam.get_role_policy(RoleName=role_name, PolicyName="s3-processor-access")["PolicyDocument"]
    policy = json.loads(document) if isinstance(document, str) else document

    assert role["Path"] == "/service-roles/"
    assert complete_stack.outputs["lambda_role_arn"].endswith(f":role/service-roles/{role_name}")
    assert boundary.endswith(":policy/boundaries/s3-object-logger-boundary-" + complete_stack.suffix)
    [extra] = [s for s in policy["Statement"] if s.get("Sid") == "ReadObjectTags"]
    assert extra == {
        "Sid": "ReadObjectTags",
        "Effect": "Allow",
        "Action": ["s3:GetObjectTagging"],
        "Resource": [f"arn:aws:s3:::{complete_stack.bucket}/*"],
    }


def test_the_table_has_its_index_by_object_and_finds_one_object_by_it(clients, complete_stack):
    table = clients.dynamodb.describe_table(TableName=complete_stack.table)["Table"]
    [index] = table["GlobalSecondaryIndexes"]

    assert index["IndexName"] == complete_stack.index == "by-object-key"
    assert index["KeySchema"] == [
        {"AttributeName": "objectKey", "KeyType": "HASH"},
        {"AttributeName": "timestamp", "KeyType": "RANGE"},
    ]
    assert index["Projection"]["ProjectionType"] == "ALL"
    clients.s3.put_object(Bucket=complete_stack.bucket, Key="incoming/by-index.csv", Body=b"a,b\n")
    [item] = wait_for_object(
        clients.dynamodb,
        complete_stack.table,
        complete_stack.index,
        "incoming/by-index.csv",
        timeout=60,
        outcomes=Outcomes.for_stack(clients, complete_stack.outputs),
    )
    assert item["bucketName"] == complete_stack.bucket


def test_the_alarms_watch_the_pipeline_and_tell_the_topic(clients, complete_stack):
    suffix, topic = complete_stack.suffix, complete_stack.root.outputs["alerts_topic_arn"]
    found = clients.cloudwatch.describe_alarms(AlarmNamePrefix=f"s3-processor-{suffix}-")["MetricAlarms"]

    watched = {
        a["AlarmName"]: (a["Namespace"], a["MetricName"], a["Dimensions"], a["Statistic"], a["Threshold"], a["Period"])
        for a in found
    }
    function = [{"Name": "FunctionName", "Value": complete_stack.function}]
    assert watched == {
        f"s3-processor-{suffix}-errors": ("AWS/Lambda", "Errors", function, "Sum", 1.0, 60),
        f"s3-processor-{suffix}-throttles": ("AWS/Lambda", "Throttles", function, "Sum", 1.0, 60),
        f"s3-processor-{suffix}-destination-delivery-failures": (
            "AWS/Lambda",
            "DestinationDeliveryFailures",
            function,
            "Sum",
            1.0,
            60,
        ),
        f"s3-processor-{suffix}-failure-queue-age": (
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            [{"Name": "QueueName", "Value": f"s3-processor-failures-{suffix}"}],
            "Maximum",
            3600.0,
            60,
        ),
    }
    assert all((a["AlarmActions"], a["OKActions"]) == ([topic], [topic]) for a in found)
    assert all(
        (a["ComparisonOperator"], a["TreatMissingData"], a["EvaluationPeriods"])
        == ("GreaterThanOrEqualToThreshold", "notBreaching", 1)
        for a in found
    )
    assert complete_stack.outputs["alarm_arns"] == {
        name: next(a["AlarmArn"] for a in found if a["AlarmName"] == f"s3-processor-{suffix}-{name}")
        for name in ("errors", "throttles", "destination-delivery-failures", "failure-queue-age")
    }
