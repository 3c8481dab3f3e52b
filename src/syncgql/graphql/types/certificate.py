"""``Certificate``: the certificates CData Sync trusts, their expiry, and uploading one.

Holds the noun whole: the type, the upload input, payload and result union, the
``certificates`` query (``CertificateQuery``) and the ``uploadCertificate`` mutation
(``CertificateMutation``). The certificate body (``Data``) is never returned: a PFX would carry
a private key, and a client that uploaded it has it already.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.errors import SyncgqlError
from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.errors import (
    BadInputError,
    ConflictError,
    NotFoundError,
    PermissionError,
    ValidationError,
    user_error,
)
from syncgql.graphql.types import dry_run_admin
from syncgql.graphql.types.dry_run import DryRunArg, WriteDryRun
from syncgql.upstream.resources.certificates import Certificate as CertificateModel

__all__ = ["Certificate", "CertificateMutation", "CertificateQuery", "UploadCertificateInput"]

_DAY_SECONDS = 86400


@strawberry.type(description="A certificate CData Sync trusts (uploaded to its store).")
class Certificate:
    """Root value: the upstream ``Certificate`` model."""

    name: str = strawberry.field(description="Name it was uploaded under (the key).")
    store_type: str | None = strawberry.field(description="Certificate store it lives in.")
    subject: str | None = strawberry.field(description="Subject distinguished name.")
    issuer: str | None = strawberry.field(description="Issuer distinguished name.")
    issued_to: str | None = strawberry.field(description="Subject common name.")
    issued_by: str | None = strawberry.field(description="Issuer common name.")
    effective_date: datetime | None = strawberry.field(
        name="validFrom", description="Not valid before this moment."
    )
    expiration_date: datetime | None = strawberry.field(
        name="expiresAt", description="Not valid after this moment."
    )
    serialnumber: str | None = strawberry.field(
        name="serialNumber", description="Serial number (hex)."
    )
    thumbprint: str | None = strawberry.field(description="SHA-1 thumbprint (hex).")
    keysize: str | None = strawberry.field(name="keySize", description="Key size, if reported.")
    signature_algorithm: str | None = strawberry.field(description="Signature algorithm.")
    connector_ids: str | None = strawberry.field(description="Connections that use it.")
    expiration_days: strawberry.Private[int | None]

    @strawberry.field(
        description="Whole days until it expires (negative once expired); Sync's "
        "`ExpirationDays`, or computed from `expiresAt` when the server sends none."
    )
    def days_until_expiry(self) -> int | None:
        """What the server says, else from ``expiresAt``."""
        return days_until(self.expiration_days, self.expiration_date, datetime.now(UTC))


def days_until(days: int | None, expires: datetime | None, now: datetime) -> int | None:
    """``days`` when the server sent it, else whole days (rounded up) until ``expires``."""
    if days is not None:
        return days
    if expires is None:
        return None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    seconds = (expires - now).total_seconds()
    return -int(-seconds // _DAY_SECONDS)


@strawberry.input(description="A certificate to upload.")
class UploadCertificateInput:
    """``Name``, ``Data`` and ``StoreType`` of Sync's ``POST certificates``."""

    name: str = strawberry.field(description="Name to store it under.")
    data: str = strawberry.field(
        description="The certificate file (.cer/.pem/.der, or .pfx where the server reads it), "
        "base64-encoded."
    )
    store_type: str = strawberry.field(
        description="Certificate store, as the server names it (e.g. `CurrentUser`)."
    )


@strawberry.type(description="The certificate was stored.")
class UploadCertificateSuccess:
    """Payload of `uploadCertificate`."""

    certificate: CertificateModel = strawberry.field(
        description="The stored certificate.", graphql_type=Certificate
    )


UploadCertificateResult = Annotated[
    UploadCertificateSuccess
    | WriteDryRun
    | NotFoundError
    | ValidationError
    | ConflictError
    | PermissionError,
    strawberry.union(
        "UploadCertificateResult", description="The stored certificate, or why it was not stored."
    ),
]


@strawberry.type
class CertificateQuery:
    """The ``certificates`` root field."""

    @strawberry.field(
        description="Certificates CData Sync trusts, soonest to expire first.",
        graphql_type=list[Certificate],
        metadata=upstream_call(list_size=20),
    )
    async def certificates(
        self,
        info: Info,
        expiring_within_days: Annotated[
            int | None,
            strawberry.argument(
                description="Only those expiring within this many days (expired ones included)."
            ),
        ] = None,
    ) -> list[CertificateModel]:
        """One ``GET certificates``; the expiry filter runs here.

        Filtering in the gateway rather than with ``$filter=ExpirationDays le N``: the MCP
        client types ``ExpirationDays`` as text, so a server-side comparison may be textual.
        """
        if expiring_within_days is not None and expiring_within_days < 0:
            raise BadInputError("`expiringWithinDays` must be zero or more.")
        page = await context_of(info).client.certificates.list()
        now = datetime.now(UTC)
        rows = [(days_until(c.expiration_days, c.expiration_date, now), c) for c in page.items]
        if expiring_within_days is not None:
            rows = [r for r in rows if r[0] is not None and r[0] <= expiring_within_days]
        rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1].name or ""))
        return [c for _, c in rows]


@strawberry.type
class CertificateMutation:
    """The ``uploadCertificate`` root field."""

    @strawberry.mutation(description="Upload a certificate to CData Sync's store (admins only).")
    async def upload_certificate(
        self,
        info: Info,
        input: Annotated[
            UploadCertificateInput, strawberry.argument(description="The certificate.")
        ],
        dry_run: DryRunArg = False,
    ) -> UploadCertificateResult:
        """``POST certificates`` — sent once; with ``dryRun`` only reads."""
        name, store_type = input.name.strip(), input.store_type.strip()
        if not name:
            return ValidationError(message="`name` must not be blank.", field="name")
        if not store_type:
            return ValidationError(message="`storeType` must not be blank.", field="storeType")
        try:
            decoded = base64.b64decode(input.data, validate=True)
        except (binascii.Error, ValueError):
            return ValidationError(
                message="`data` must be the base64 of the certificate file.",
                field="data",
            )
        if dry_run:
            return await dry_run_admin.upload_certificate(info, name, store_type, len(decoded))
        try:
            stored = await context_of(info).client.certificates.upload(name, input.data, store_type)
        except SyncgqlError as exc:
            return user_error(exc, entity="Certificate", key=name)
        return UploadCertificateSuccess(certificate=stored)
