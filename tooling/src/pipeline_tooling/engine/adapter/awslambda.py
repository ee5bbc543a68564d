"""moto's Lambda: where the engine takes over Invoke, hears of changed functions, and reads a function."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend

from ..awslambda.spec import AsyncConfig, FunctionSpec
from .dependencies import MotoAttribute, MotoSymbol
from .moto_errors import answered_by_moto
from .patching import replace

MOTO_SYMBOLS = (
    MotoSymbol(
        "moto.awslambda.models.LambdaFunction.invoke",
        "patched",
        ("self", "body", "request_headers", "response_headers"),
        "run the function in the engine's workers (moto's own invoke needs Docker)",
    ),
    MotoSymbol(
        "moto.awslambda.models.LambdaBackend.create_function",
        "wrapped",
        ("self", "spec"),
        "start a warm worker when a function is created",
    ),
    MotoSymbol(
        "moto.awslambda.models.LambdaBackend.update_function_code",
        "wrapped",
        ("self", "function_name", "qualifier", "body"),
        "replace the warm worker when the code changes",
    ),
    MotoSymbol(
        "moto.awslambda.models.LambdaBackend.update_function_configuration",
        "wrapped",
        ("self", "function_name", "qualifier", "body"),
        "replace the warm worker when the configuration changes",
    ),
    MotoSymbol(
        "moto.awslambda.models.LambdaBackend.get_function",
        "called",
        ("self", "function_name_or_arn", "qualifier"),
        "find the function an S3 notification names",
    ),
    MotoSymbol(
        "moto.awslambda.models.LambdaBackend.get_policy",
        "called",
        ("self", "function_name", "qualifier"),
        "read the resource policy S3 needs to invoke the function",
    ),
    MotoSymbol("moto.awslambda.utils.get_backend", "called", ("account_id", "region"), "reach a region's functions"),
    MotoSymbol(
        "moto.awslambda.models.LambdaFunction.get_configuration",
        "wrapped",
        ("self", "on_create"),
        "answer the function's LoggingConfig, which moto drops",
    ),
    MotoSymbol(
        "moto.awslambda.models.LambdaBackend.put_function_event_invoke_config",
        "wrapped",
        ("self", "function_name", "config"),
        "replace the event invoke config, as Lambda does (moto appends and keeps answering the first)",
    ),
)


_FUNCTION = "moto.awslambda.models.LambdaFunction"


def _read(name: str, expected: type | tuple[type, ...]) -> MotoAttribute:
    return MotoAttribute(_FUNCTION, name, expected, "read into the function's spec")


MOTO_ATTRIBUTES = (
    _read("function_name", str),
    _read("function_arn", str),
    _read("account_id", str),
    _read("region", str),
    _read("handler", str),
    _read("run_time", str),
    _read("role", str),
    _read("code_sha_256", str),
    _read("timeout", int),
    _read("memory_size", int),
    _read("code_bytes", bytes),
    _read("environment_vars", dict),
    _read("reserved_concurrency", (int, str, type(None))),
    MotoAttribute(_FUNCTION, "event_invoke_config", list, "the event invoke configs as put, newest last; reset to []"),
    MotoAttribute("moto.awslambda.models.EventInvokeConfig", "config", dict, "one event invoke config as put"),
)


# (function, payload, request headers, response headers) -> response payload
InvokeHandler = Callable[[FunctionSpec, bytes, Mapping[str, str], dict[str, str]], bytes]


# The attribute the engine keeps a function's LoggingConfig in, on moto's LambdaFunction (moto has none).
LOGGING_CONFIG = "_engine_logging_config"


def logging_config(requested: Any, function_name: str) -> dict[str, str]:
    """A LoggingConfig as Lambda answers it: Text and the function's own group unless asked otherwise;
    log levels only in the JSON format, where Lambda defaults them to INFO."""
    asked = dict(requested) if isinstance(requested, Mapping) else {}
    config = {
        "LogFormat": str(asked.get("LogFormat") or "Text"),
        "LogGroup": str(asked.get("LogGroup") or f"/aws/lambda/{function_name}"),
    }
    if config["LogFormat"] == "JSON":
        config["ApplicationLogLevel"] = str(asked.get("ApplicationLogLevel") or "INFO")
        config["SystemLogLevel"] = str(asked.get("SystemLogLevel") or "INFO")
    return config


def logging_config_of(fn: Any) -> dict[str, str]:
    kept = getattr(fn, LOGGING_CONFIG, None)
    return kept if kept is not None else logging_config(None, fn.function_name)


def spec_of(fn: Any) -> FunctionSpec:
    """The function as it is now (moto's LambdaFunction), for an execution environment."""
    reserved = fn.reserved_concurrency
    logs = logging_config_of(fn)
    return FunctionSpec(
        name=fn.function_name,
        arn=fn.function_arn,
        account_id=fn.account_id,
        region=fn.region,
        handler=fn.handler,
        runtime=fn.run_time,
        timeout_s=float(fn.timeout),
        memory_mb=int(fn.memory_size),
        code=fn.code_bytes,
        code_sha256=fn.code_sha_256,
        role=fn.role,
        environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        log_group=logs["LogGroup"],
        reserved_concurrency=None if reserved in (None, "", -1, "-1") else int(reserved),
        log_format=logs["LogFormat"],
        application_log_level=logs.get("ApplicationLogLevel"),
        system_log_level=logs.get("SystemLogLevel"),
    )


def async_config(fn: Any) -> AsyncConfig:
    """The function's event invoke config as last put (moto appends each put; the newest one counts)."""
    configs = getattr(fn, "event_invoke_config", None) or []
    if not configs:
        return AsyncConfig()
    config = dict(configs[-1].config)
    return AsyncConfig(
        maximum_retry_attempts=int(config.get("MaximumRetryAttempts", 2)),
        maximum_event_age_s=float(config.get("MaximumEventAgeInSeconds", 21600)),
        on_failure=config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
    )


def current(account_id: str, region: str, name_or_arn: str) -> tuple[FunctionSpec, AsyncConfig] | None:
    """The function and its event invoke config as they are now; None when there is no such function."""
    try:
        fn = get_backend(account_id, region).get_function(name_or_arn)
    except Exception:  # moto raises its own not-found errors
        return None
    return spec_of(fn), async_config(fn)


def resource_policy(account_id: str, region: str, function_arn: str) -> dict[str, Any] | None:
    """The function's resource policy document, or None without one."""
    try:
        wire = get_backend(account_id, region).get_policy(function_arn)
    except Exception:  # no such function, or no policy at all
        return None
    policy: dict[str, Any] = json.loads(json.loads(wire)["Policy"])
    return policy


def take_over_invoke(handler: InvokeHandler) -> None:
    """Every Invoke (the API's, and moto's own for notifications) goes to ``handler``."""

    def invoke(self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> bytes:
        payload = (body or "{}").encode() if isinstance(body, str) else bytes(body or b"{}")
        with answered_by_moto():
            return handler(spec_of(self), payload, request_headers, response_headers)

    replace(LambdaFunction, "invoke", invoke)


def on_change(callback: Callable[[FunctionSpec], None]) -> None:
    """``callback(function)`` after a function is created, or its code or configuration is updated."""
    create = LambdaBackend.create_function

    def create_function(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        fn = create(self, spec)
        setattr(fn, LOGGING_CONFIG, logging_config(spec.get("LoggingConfig"), fn.function_name))
        callback(spec_of(self.get_function(fn.function_arn)))
        return fn

    replace(LambdaBackend, "create_function", create_function)
    for name in ("update_function_code", "update_function_configuration"):
        replace(LambdaBackend, name, _after_update(getattr(LambdaBackend, name), callback))


def _after_update(original: Any, callback: Callable[[FunctionSpec], None]) -> Any:
    def updated(self: LambdaBackend, function_name: str, qualifier: str, body: Any) -> Any:
        result = original(self, function_name, qualifier, body)
        fn = self.get_function(function_name)
        if isinstance(body, Mapping) and "LoggingConfig" in body:
            setattr(fn, LOGGING_CONFIG, logging_config(body["LoggingConfig"], fn.function_name))
        callback(spec_of(fn))
        return result

    return updated


def answer_logging_config() -> None:
    """GetFunction, GetFunctionConfiguration and the create and update answers carry the LoggingConfig."""
    original = LambdaFunction.get_configuration

    def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        config: dict[str, Any] = original(self, on_create)
        config["LoggingConfig"] = logging_config_of(self)
        return config

    replace(LambdaFunction, "get_configuration", get_configuration)


def replace_event_invoke_config_on_put() -> None:
    """A second PutFunctionEventInvokeConfig replaces the first, as in Lambda (moto appends it, and Get answers the
    first)."""
    original = LambdaBackend.put_function_event_invoke_config

    def put_function_event_invoke_config(self: LambdaBackend, function_name: str, config: dict[str, Any]) -> Any:
        self.get_function(function_name).event_invoke_config = []
        return original(self, function_name, config)

    replace(LambdaBackend, "put_function_event_invoke_config", put_function_event_invoke_config)
