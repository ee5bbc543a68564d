"""The shell side of ``make up``: an env file that reaches the engine, and the few lines that say how to use it.

``source build/sandbox/env.sh`` gives a shell the engine's endpoint, CA bundle, region and
dummy credentials (the variables boto3, the AWS CLI and Terraform's AWS provider all read),
plus the stack's names as BUCKET, TABLE, FUNCTION and LOG_GROUP.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...files import write_atomically
from ..stack import DeployedStack
from ..targets import Target


def variables(target: Target, outputs: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    if target.endpoint:
        found |= {"AWS_ENDPOINT_URL": target.endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    if target.ca_bundle:
        found["AWS_CA_BUNDLE"] = target.ca_bundle
    found |= {
        "AWS_DEFAULT_REGION": target.region,
        "AWS_REGION": target.region,
        "TF_VAR_region": target.region,  # examples/ take the region as a variable
        "BUCKET": str(outputs.get("s3_bucket_name", "")),
        "TABLE": str(outputs.get("dynamodb_table_name", "")),
        "FUNCTION": str(outputs.get("lambda_function_name", "")),
        "LOG_GROUP": str(outputs.get("log_group_name", "")),
    }
    return found


def render(target: Target, outputs: Mapping[str, Any], path: Path) -> str:
    lines = [
        f"# Written by `make up`: the environment that reaches the sandbox stack on {target.label}.",
        f"# Use it with:  source {shlex.quote(str(path))}",
    ]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in variables(target, outputs).items()]
    return "\n".join(lines) + "\n"


def write(path: Path, target: Target, outputs: Mapping[str, Any]) -> None:
    write_atomically(path, render(target, outputs, path))


def usage(stack: DeployedStack, env_file: Path, *, engine_started: bool) -> list[str]:
    """What to do next, for the lines ``make up`` prints once the stack is up."""
    shown = os.path.relpath(env_file, Path.cwd()) if env_file.is_relative_to(Path.cwd()) else str(env_file)
    target = stack.target
    return [
        f"stack {stack.suffix} is up on {target.label} at {target.endpoint or 'AWS'}",
        f"bucket {stack.bucket} · table {stack.table} · function {stack.function}",
        f"in another shell: source {shown}   then e.g.",
        "    aws s3 cp README.md s3://$BUCKET/inbox/readme.md",
        "    aws dynamodb scan --table-name $TABLE --consistent-read",
        "`make logs` follows the function's logs; `make down` removes the stack"
        + (" and stops the engine" if engine_started else ""),
    ]
