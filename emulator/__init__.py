"""An AWS emulator for the end-to-end suite that needs no Docker.

moto's server for the APIs, a local executor that runs Lambda functions through
AWS's runtime interface client (awslambdaric), asynchronous S3 notifications,
and TLS so that TLS-only bucket policies behave as in AWS.
Run it by hand with ``python -m emulator``.
"""

from .engine import Emulator, EmulatorConfig, Endpoints

__all__ = ["Emulator", "EmulatorConfig", "Endpoints"]
