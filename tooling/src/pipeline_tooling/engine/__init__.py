"""The embedded engine: AWS on one local endpoint, with no Docker.

moto's server for the APIs (served by cheroot, with keep-alive, over HTTPS and plain HTTP),
Lambda functions run by local workers through AWS's runtime interface client
(awslambdaric), S3 notifications delivered asynchronously in S3's shape, bucket policies
evaluated with the request's transport, and fixes where moto differs from AWS. Every reach
into moto's internals is in ``pipeline_tooling.engine.adapter``.

Run it by hand with ``python -m pipeline_tooling.engine`` (or ``pipeline-engine``).
"""

from .engine import Emulator, EmulatorConfig, Endpoints

__all__ = ["Emulator", "EmulatorConfig", "Endpoints"]
