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
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import build

from . import targets
from .emulator_process import embedded_target
from .polling import wait_until
from .stack import ZIP, Stack
from .targets import Target

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / "build" / "sandbox"
EMULATOR_STATE = STATE / "emulator"
ENDPOINT_FILE = EMULATOR_STATE / "endpoint.json"


def _emulator_running() -> dict[str, Any] | None:
    if not ENDPOINT_FILE.exists():
        return None
    ready: dict[str, Any] = json.loads(ENDPOINT_FILE.read_text())
    try:
        os.kill(int(ready["pid"]), 0)
    except (ProcessLookupError, PermissionError):
        return None
    return ready


def _start_emulator() -> dict[str, Any]:
    ready = _emulator_running()
    if ready:
        return ready
    EMULATOR_STATE.mkdir(parents=True, exist_ok=True)
    ENDPOINT_FILE.unlink(missing_ok=True)
    with (EMULATOR_STATE / "stdout.log").open("wb") as out, (EMULATOR_STATE / "stderr.log").open("wb") as err:
        subprocess.Popen(
            [sys.executable, "-m", "emulator", "--state-dir", str(EMULATOR_STATE)],
            cwd=ROOT,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    started = wait_until(_emulator_running, bool, timeout=60, what="the embedded emulator to start")
    assert started is not None
    return started


def _target(start: bool) -> Target | None:
    name = targets.chosen()
    if name == "localstack":
        return targets.localstack()
    if name == "aws":
        return targets.aws()
    ready = _start_emulator() if start else _emulator_running()
    if ready is None:
        return None
    return embedded_target(ready)


def _stack(target: Target) -> Stack:
    return Stack(target, STATE / "stack", os.environ.get("SUFFIX", "dev"))


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

`make down` destroys the stack{" and stops the emulator" if target.name == "embedded" else ""}.
"""


def up() -> int:
    target = _target(start=True)
    assert target is not None
    build.build_zip(build.DEFAULT_SOURCE, ZIP)
    stack = _stack(target)
    stack.terraform.init()
    stack.terraform.plan()
    stack.terraform.apply()
    stack.outputs = stack.terraform.outputs()["stack"]
    print(_usage(target, stack))
    return 0


def down() -> int:
    target = _target(start=False)
    state = STATE / "stack" / "terraform.tfstate"
    if target is not None and state.exists():
        stack = _stack(target)
        stack.terraform.init()
        stack.terraform.destroy()
        state.unlink()
        print(f"destroyed the stack on {target.name}")
    elif state.exists():  # the emulator is gone, and everything it held with it
        state.unlink()
        print("the embedded emulator was not running: its resources are gone; forgot the stack's state")
    ready = _emulator_running()
    if ready:
        os.kill(int(ready["pid"]), signal.SIGTERM)
        wait_until(_emulator_running, lambda r: r is None, timeout=30, what="the emulator to stop")
        print("stopped the embedded emulator")
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
