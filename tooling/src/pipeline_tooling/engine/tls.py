"""A certificate authority made per run, and the engine's server certificate.

Clients trust the engine through the CA bundle written here (boto3's
``verify``/``AWS_CA_BUNDLE``, the Terraform AWS provider's ``custom_ca_bundle``);
nothing is added to the system's trust store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    ca_bundle: Path
    cert_chain: Path
    private_key: Path


def make_tls_files(folder: Path) -> TlsFiles:
    """A fresh CA and a certificate for 127.0.0.1 / localhost, written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="embedded AWS engine (test CA)")
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    files = TlsFiles(folder / "ca.pem", folder / "server-chain.pem", folder / "server-key.pem")
    ca.cert_pem.write_to_path(str(files.ca_bundle))
    cert.private_key_pem.write_to_path(str(files.private_key))
    files.cert_chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    files.private_key.chmod(0o600)
    return files
