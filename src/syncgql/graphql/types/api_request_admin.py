"""``deleteApiRequest``: remove one entry of CData Sync's API request log (admins only).

Reading the log is the root ``apiRequests`` field; this is its one write (the MCP client's
``write_requests``; sync-api.md §12.3).
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.errors import SyncgqlError
from syncgql.graphql.context import context_of
from syncgql.graphql.errors import user_error
from syncgql.graphql.node import encode_id
from syncgql.graphql.types import dry_run_admin
from syncgql.graphql.types.dry_run import DryRunArg
from syncgql.graphql.writes import DeleteResult, DeleteSuccess

__all__ = ["ApiRequestAdminMutation"]


@strawberry.type
class ApiRequestAdminMutation:
    """The ``deleteApiRequest`` root field."""

    @strawberry.mutation(description="Delete one entry of CData Sync's API request log (admins).")
    async def delete_api_request(
        self,
        info: Info,
        request_id: Annotated[
            strawberry.ID, strawberry.argument(description="The entry's `requestId`.")
        ],
        dry_run: DryRunArg = False,
    ) -> DeleteResult:
        """``DELETE requests('id')``; with ``dryRun`` only reads."""
        context = context_of(info)
        key = str(request_id)
        if dry_run:
            return await dry_run_admin.delete_api_request(info, key)
        try:
            await context.client.requests.delete(key)
        except SyncgqlError as exc:
            return user_error(exc, entity="ApiRequest", key=key)
        return DeleteSuccess(deleted_id=encode_id("ApiRequest", key), key=key)
