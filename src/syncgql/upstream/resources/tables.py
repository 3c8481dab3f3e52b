"""Table listings: ``getConnectionTables`` with its options, and ``getAddingTablesForJob``.

Both take the same listing options (``Schema``, ``IncludeSchema``, ``IncludeCatalog``,
``TopTable``, ``SkipTable``; sync-api.md §5.3, §12.1 1.7). Booleans go as JSON booleans, the
form the rest of this client sends (the MCP client sends ``"True"``/``"False"`` text, which
Sync's OData body parser accepts as well). Options left ``None`` are not sent, so an older
server that does not know one never sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncgql.upstream.models import ConnectionTable
from syncgql.upstream.odata import unwrap_collection
from syncgql.upstream.resources.base import CallContext

__all__ = ["TableListing", "Tables"]


@dataclass(frozen=True, slots=True)
class TableListing:
    """Options of a table listing; ``None`` leaves the server's default."""

    table_or_view: str = "ALL"
    schema: str | None = None
    include_schema: bool | None = None
    include_catalog: bool | None = None
    top: int | None = None
    skip: int | None = None

    def body(self) -> dict[str, Any]:
        """The wire fields of the options that are set."""
        options = {
            "Schema": self.schema,
            "IncludeSchema": self.include_schema,
            "IncludeCatalog": self.include_catalog,
            "TopTable": self.top,
            "SkipTable": self.skip,
        }
        return {"TableOrView": self.table_or_view} | {
            k: v for k, v in options.items() if v is not None
        }


class Tables:
    """The two listing actions of a client view (both idempotent reads)."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx

    async def _list(self, action: str, fields: dict[str, Any]) -> list[ConnectionTable]:
        body = await self._ctx.send("POST", action, endpoint=action, idempotent=True, body=fields)
        return [ConnectionTable.from_wire(r) for r in unwrap_collection(body)]

    async def of_connection(
        self, connection: str, listing: TableListing | None = None
    ) -> list[ConnectionTable]:
        """``getConnectionTables``: tables and/or views of ``connection``."""
        fields = {"ConnectionName": connection, **(listing or TableListing()).body()}
        return await self._list("getConnectionTables", fields)

    async def addable_to_job(
        self,
        connection: str,
        *,
        job_id: str | None = None,
        job_name: str | None = None,
        listing: TableListing | None = None,
    ) -> list[ConnectionTable]:
        """``getAddingTablesForJob``: tables of ``connection`` the job has no task for yet.

        The MCP client sends ``JobId``; ``job_name`` is for servers (and jobs) known by name.
        """
        if (job_id is None) == (job_name is None):
            raise ValueError("give exactly one of job_id and job_name")
        fields: dict[str, Any] = {"ConnectionName": connection}
        fields.update({"JobId": job_id} if job_id is not None else {"JobName": job_name})
        fields.update((listing or TableListing()).body())
        return await self._list("getAddingTablesForJob", fields)
