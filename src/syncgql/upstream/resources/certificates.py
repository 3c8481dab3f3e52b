"""``certificates``: the server's trusted certificates (list, upload) and their expiry.

Shapes follow CData's MCP client (``CertificateInfo``; sync-api.md §12): the upload body is
``{Name, Data, StoreType}`` with ``Data`` the base64 of the certificate file; rows carry
``ExpirationDate`` and ``ExpirationDays`` (the MCP types the latter as a string: read tolerantly).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from syncgql.upstream.models import _extra
from syncgql.upstream.odata import unwrap_entity
from syncgql.upstream.resources.base import EntitySet
from syncgql.upstream.wire_rows import WireModel

__all__ = ["Certificate", "Certificates"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Certificate(WireModel):
    """A trusted certificate (key ``Name``); ``Data`` is never kept (it may hold a key)."""

    name: str | None = None
    store_type: str | None = None
    subject: str | None = None
    issuer: str | None = None
    issued_to: str | None = None
    issued_by: str | None = None
    effective_date: datetime | None = None
    expiration_date: datetime | None = None
    expiration_days: int | None = None
    serialnumber: str | None = None
    thumbprint: str | None = None
    keysize: str | None = None
    signature_algorithm: str | None = None
    connector_ids: str | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("name",)

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> Certificate:
        """Drop ``Data`` before parsing, so certificate bodies never land in ``extra``."""
        return super(Certificate, cls).from_wire(
            {k: v for k, v in row.items() if k.lower() != "data"}
        )


class Certificates(EntitySet[Certificate]):
    """``certificates`` (key ``Name``): list with OData options, upload."""

    entity_set = "certificates"
    key_field = "Name"
    key_attr = "name"
    model = Certificate

    async def upload(self, name: str, data: str, store_type: str) -> Certificate:
        """``POST certificates`` (sent once); ``data`` is the base64 of the certificate file."""
        body = await self._ctx.send(
            "POST",
            self.entity_set,
            endpoint=self.entity_set,
            idempotent=False,
            body={"Name": name, "Data": data, "StoreType": store_type},
        )
        if body is None:
            return await self.get(name)
        return Certificate.from_wire(unwrap_entity(body))
