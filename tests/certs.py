"""Real X.509 certificates for the certificate tests, made with the ``openssl`` command."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path


def make_certificate(directory: Path, common_name: str, days: int, *, der: bool = False) -> str:
    """A self-signed certificate valid for ``days`` days, as the base64 of its file.

    With ``der`` the file is binary DER (a ``.cer``), else PEM text.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key, pem = directory / f"{common_name}.key", directory / f"{common_name}.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(pem), "-days", str(days),
            "-subj", f"/CN={common_name}/O=Acme",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    data = pem.read_bytes()
    if der:
        out = directory / f"{common_name}.cer"
        subprocess.run(
            ["openssl", "x509", "-in", str(pem), "-outform", "DER", "-out", str(out)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        data = out.read_bytes()
    return base64.b64encode(data).decode("ascii")
