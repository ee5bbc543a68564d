"""A function's LoggingConfig, as Lambda keeps and applies it: answered back, passed to the runtime, and
Lambda's own lines written in the function's log format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pipeline_tooling.harness.polling import wait_until

from tests.engine.conftest import invoke

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration

ENV_HANDLER = """
import logging, os

def lambda_handler(event, context):
    logging.getLogger().warning("a warning from logging")
    logging.getLogger().info("an info line from logging")
    return {k: os.environ.get(k) for k in ("AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL")}
"""


def messages(aws: Any, name: str, count: int) -> list[str]:
    return wait_until(
        lambda: [e["message"] for e in aws.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]],
        lambda found: len(found) >= count,
        timeout=10,
        what=f"{count} log lines of {name}",
    )


def test_a_function_without_one_answers_lambdas_default(aws, make_function):
    name = make_function(ENV_HANDLER)

    config = aws.lambda_.get_function(FunctionName=name)["Configuration"]["LoggingConfig"]

    assert config == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert invoke(aws, name)[1] == {"AWS_LAMBDA_LOG_FORMAT": "Text", "AWS_LAMBDA_LOG_LEVEL": None}


def test_the_json_format_is_answered_passed_on_and_written_in(aws, make_function):
    name = make_function(ENV_HANDLER, logging_config={"LogFormat": "JSON", "ApplicationLogLevel": "WARN"})

    config = aws.lambda_.get_function_configuration(FunctionName=name)["LoggingConfig"]
    error, env = invoke(aws, name)

    assert config == {
        "LogFormat": "JSON",
        "LogGroup": f"/aws/lambda/{name}",
        "ApplicationLogLevel": "WARN",
        "SystemLogLevel": "INFO",
    }
    assert (error, env) == (None, {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"})
    lines = [json.loads(m) for m in messages(aws, name, 4)]
    assert [line.get("type") for line in lines if "type" in line] == [
        "platform.start",
        "platform.runtimeDone",
        "platform.report",
    ]
    [report] = [line for line in lines if line.get("type") == "platform.report"]
    assert report["record"]["status"] == "success"
    assert set(report["record"]["metrics"]) >= {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"}
    # awslambdaric formats the logging module's records as JSON and drops those below WARN
    assert [(line["level"], line["message"]) for line in lines if "level" in line] == [
        ("WARNING", "a warning from logging")
    ]


def test_a_system_log_level_of_warn_leaves_lambdas_own_lines_out(aws, make_function):
    name = make_function(ENV_HANDLER, logging_config={"LogFormat": "JSON", "SystemLogLevel": "WARN"})

    invoke(aws, name)

    lines = [json.loads(m) for m in messages(aws, name, 1)]
    assert [line["message"] for line in lines] == ["a warning from logging", "an info line from logging"]


def test_an_update_back_to_text_drops_the_levels(aws, make_function):
    name = make_function(ENV_HANDLER, logging_config={"LogFormat": "JSON", "ApplicationLogLevel": "ERROR"})

    aws.lambda_.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})
    aws.lambda_.get_waiter("function_updated_v2").wait(FunctionName=name)

    assert aws.lambda_.get_function(FunctionName=name)["Configuration"]["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": f"/aws/lambda/{name}",
    }
    assert invoke(aws, name)[1] == {"AWS_LAMBDA_LOG_FORMAT": "Text", "AWS_LAMBDA_LOG_LEVEL": None}
