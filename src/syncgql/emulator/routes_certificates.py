"""Certificates: ``POST certificates`` uploads one, ``GET certificates`` lists them with expiry.

The certificate fields (subject, issuer, validity, serial, thumbprint) are read from the
uploaded X.509 certificate itself, so a client sees what a real server would report. Decoding
uses the standard library's own X.509 reader (``ssl._ssl._test_decode_cert``, the function
behind ``ssl.SSLSocket.getpeercert``) so the emulator needs no crypto dependency; it reads PEM
or DER certificates, not PFX/PKCS#12 bundles (those are refused with a 400 that says so).

``ExpirationDays`` depends on today: it is recomputed from ``ExpirationDate`` before each read,
so ``$filter=ExpirationDays lt 30`` (the MCP client's example) works in SQL like any column.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import os
import sqlite3
import ssl
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from syncgql.emulator import schema
from syncgql.emulator.envelope import ApiError, bad_request, entity
from syncgql.emulator.routes_common import Ctx, iso, parse_entity_body
from syncgql.emulator.routes_writes import insert_row
from syncgql.emulator.store import Store
from syncgql.emulator.store_tables import TABLES

__all__ = ["create_certificate", "refresh_expiration_days"]

_TABLE = TABLES["certificates"]
_ASN1_TIME = "%b %d %H:%M:%S %Y %Z"


def _der(data: str) -> bytes:
    """The DER bytes of ``Data``: base64 of DER, base64 of a PEM text, or a PEM text."""
    text = data.strip()
    if text.startswith("-----BEGIN"):
        return ssl.PEM_cert_to_DER_cert(text)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("Data must be a base64-encoded certificate (.cer, PEM or DER).") from None
    if raw.lstrip().startswith(b"-----BEGIN"):
        return ssl.PEM_cert_to_DER_cert(raw.decode("ascii", "replace"))
    return raw


def _decode(der: bytes) -> dict[str, Any]:
    # The stdlib reader takes a file name only; the file lives for this call. The reader is
    # private (ssl._ssl), so typeshed does not declare it.
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(ssl.DER_cert_to_PEM_cert(der))
        decoded: dict[str, Any] = ssl._ssl._test_decode_cert(path)  # type: ignore[attr-defined]
    except (ssl.SSLError, ValueError):
        raise bad_request(
            "Data is not an X.509 certificate this server can read (PEM or DER; the emulator "
            "does not read PFX/PKCS#12)."
        ) from None
    finally:
        os.unlink(path)
    return decoded


def _name(rdns: tuple[tuple[tuple[str, str], ...], ...]) -> str:
    short = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU"}
    short |= {"countryName": "C", "localityName": "L", "stateOrProvinceName": "S"}
    return ", ".join(f"{short.get(k, k)}={v}" for rdn in rdns for k, v in rdn)


def _common_name(rdns: tuple[tuple[tuple[str, str], ...], ...]) -> str:
    return next((v for rdn in rdns for k, v in rdn if k == "commonName"), _name(rdns))


def _when(text: str) -> datetime:
    return datetime.strptime(text, _ASN1_TIME).replace(tzinfo=UTC)


def days_left(expires: datetime, now: datetime) -> int:
    """Whole days until ``expires`` (rounded up; negative once expired)."""
    return math.ceil((expires - now).total_seconds() / 86400)


def certificate_row(name: str, store_type: str, der: bytes, now: datetime) -> dict[str, Any]:
    """The stored row of a certificate read from its DER bytes."""
    cert = _decode(der)
    expires = _when(cert["notAfter"])
    return {
        "Name": name,
        "StoreType": store_type,
        "Subject": _name(cert["subject"]),
        "Issuer": _name(cert["issuer"]),
        "IssuedTo": _common_name(cert["subject"]),
        "IssuedBy": _common_name(cert["issuer"]),
        "EffectiveDate": iso(_when(cert["notBefore"])),
        "ExpirationDate": iso(expires),
        "ExpirationDays": days_left(expires, now),
        "Serialnumber": cert.get("serialNumber"),
        "Thumbprint": hashlib.sha1(der, usedforsecurity=False).hexdigest().upper(),
        # Not in the stdlib reader's answer: reported as unknown rather than guessed.
        "Keysize": None,
        "SignatureAlgorithm": None,
        "ConnectorIds": "",
    }


async def create_certificate(ctx: Ctx, raw: Mapping[str, Any]) -> Response:
    """``POST certificates`` with ``{Name, Data, StoreType}`` (admin only, checked by dispatch)."""
    # Certificates are server-wide; the MCP client still sends WorkspaceId: accepted, ignored.
    body = parse_entity_body(
        schema.CERTIFICATES, {k: v for k, v in raw.items() if k.lower() != "workspaceid"}
    )
    name = str(body.fields.get("Name") or "").strip()
    store_type = str(body.fields.get("StoreType") or "").strip()
    data = body.fields.get("Data")
    if not name or not store_type or not isinstance(data, str) or not data.strip():
        raise bad_request("Name, Data (base64) and StoreType are required.")
    row = certificate_row(name, store_type, _der(data), ctx.clock())

    def write(conn: sqlite3.Connection) -> None:
        if conn.execute(
            'SELECT 1 FROM certificates WHERE "Name" = ? COLLATE NOCASE', (name,)
        ).fetchone():
            raise ApiError("ALREADY_EXISTS", f"Certificate [{name}] already exists.")
        insert_row(conn, _TABLE, row)

    await ctx.store.write(write)
    return entity(ctx.service_root, "certificates", row, status=201)


async def refresh_expiration_days(store: Store, now: datetime) -> None:
    """Recompute ``ExpirationDays`` of every certificate against ``now`` (before a read)."""
    rows = store.query('SELECT "Name", "ExpirationDate" FROM certificates')
    if not rows:
        return
    changes = [
        (days_left(datetime.fromisoformat(str(expires)), now), name)
        for name, expires in rows
        if expires
    ]
    await store.write(
        lambda c: c.executemany(
            'UPDATE certificates SET "ExpirationDays" = ? WHERE "Name" = ?', changes
        )
    )
