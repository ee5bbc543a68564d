"""``make up`` / ``make down``: a stack left running for hands-on use.

    python -m harness.sandbox up     # start the emulator (unless E2E_TARGET says otherwise), deploy
    python -m harness.sandbox down   # destroy the stack, stop the emulator

State lives in build/sandbox/: the emulator's endpoint and CA, and the stack's
Terraform work dir. ``up`` twice re-applies; ``down`` without ``up`` does nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import build

from . import targets, workarounds
from .clients import client
from .engines import start_detached, stop_detached
from .engines.process import ServerRecord
from .stack import ZIP, Deployment, Stack
from .targets import Target

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / "build" / "sandbox"
ENGINE_RECORD = STATE / "engine.json"  # the engine `up` started, if it started one
TARGET_FILE = STATE / "target.json"  # where `up` deployed, for `down`


def _stack(target: Target) -> Stack:
    return Deployment.single(target, STATE / "stack", os.environ.get("SUFFIX", "dev")).stack


def _usage(target: Target, stack: Stack) -> str:
    env = [f"AWS_DEFAULT_REGION={target.region}"]
    if target.endpoint:
        env = [f"AWS_ENDPOINT_URL={target.endpoint}", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", *env]
    if target.ca_bundle:
        env.append(f"AWS_CA_BUNDLE={target.ca_bundle}")
    exports = "export " + " ".join(env)
    return f"""
Target:   {target.name} {target.endpoint or "(AWS)"}
Outputs:
{json.dumps(stack.outputs, indent=2)}

Try it (aws CLI):
  {exports}
  echo hello > hello.txt
  aws s3 cp hello.txt s3://{stack.bucket}/inbox/hello.txt
  aws dynamodb scan --table-name {stack.table} --consistent-read

Or boto3 (same environment):
  python - <<'PY'
  import boto3, time
  boto3.client("s3").put_object(Bucket="{stack.bucket}", Key="inbox/hello.txt", Body=b"hello")
  time.sleep(1)
  print(boto3.client("dynamodb").scan(TableName="{stack.table}", ConsistentRead=True)["Items"])
  PY

`make down` destroys the stack{" and stops the engine" if ENGINE_RECORD.exists() else ""}.
"""


def up() -> int:
    name = targets.chosen()
    target = start_detached(name, STATE / name, ENGINE_RECORD)
    TARGET_FILE.write_text(json.dumps(asdict(target), indent=2) + "\n")
    build.build_zip(build.DEFAULT_SOURCE, ZIP)
    stack = _stack(target)
    stack.terraform.init()
    stack.terraform.plan()
    stack.terraform.apply()
    stack.outputs = stack.terraform.outputs()[stack.name]
    print(_usage(target, stack))
    return 0


def down() -> int:
    state = STATE / "stack" / "terraform.tfstate"
    engine = ServerRecord.load(ENGINE_RECORD)
    target = Target(**json.loads(TARGET_FILE.read_text())) if TARGET_FILE.exists() else None
    if target is not None and state.exists() and (engine is not None or target.name not in ("embedded", "ministack")):
        stack = _stack(target)
        stack.terraform.init()
        stack.outputs = stack.terraform.outputs().get(stack.name, {})
        if stack.outputs:
            workarounds.before_destroy(target.name, target.version, client(target, "s3"), stack.bucket, print)
        stack.terraform.destroy()
        print(f"destroyed the stack on {target.label}")
    elif state.exists():  # the engine is gone, and everything it held with it
        print("the engine was not running: its resources are gone; forgot the stack's state")
    state.unlink(missing_ok=True)
    TARGET_FILE.unlink(missing_ok=True)
    stopped = stop_detached(ENGINE_RECORD)
    if stopped is not None:
        print(f"stopped {stopped.engine} (process group {stopped.pid})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.sandbox", description=__doc__)
    parser.add_argument("action", choices=("up", "down"))
    args = parser.parse_args(argv)
    try:
        return up() if args.action == "up" else down()
    except targets.TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
