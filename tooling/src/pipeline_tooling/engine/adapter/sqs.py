"""moto's SQS: where Lambda's on-failure destination sends its invocation records."""

from __future__ import annotations

from moto.sqs.models import sqs_backends

from .dependencies import MotoSymbol

MOTO_SYMBOLS = (
    MotoSymbol("moto.sqs.models.sqs_backends", "called", None, "reach a region's queues"),
    MotoSymbol(
        "moto.sqs.models.SQSBackend.send_message",
        "called",
        ("self", "queue_name", "message_body"),
        "send to the on-failure destination",
    ),
)


def send(queue_arn: str, body: str) -> None:
    _, _, _, region, account, queue = queue_arn.split(":", 5)
    sqs_backends[account][region].send_message(queue, body)
