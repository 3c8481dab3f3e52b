"""``require_admin``: gateway-side fields for CData Sync administrators only.

Fields whose data the gateway itself keeps (webhooks; the audit log too) have no upstream call
that Sync could refuse, so the caller's role is asked of Sync: one read of its API request log,
which Sync allows only the admin role, with the caller's own credentials (403/404 otherwise).
The check is Sync's, as for every other admin-only field, and a revoked admin loses access at
once. It costs one upstream call per operation that needs it.
"""

from __future__ import annotations

from strawberry.types import Info

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError
from syncgql.graphql.context import context_of
from syncgql.upstream.odata import ODataQuery

__all__ = ["is_admin"]


async def is_admin(info: Info) -> bool:
    """Whether Sync lets the caller read its request log (the admin role's right).

    Raises:
        GraphQLError-mapped SyncgqlError: Sync could not be asked (down, timing out).
    """
    try:
        await context_of(info).client.requests.list(ODataQuery(select=("Id",), top=1))
    except SyncgqlError as exc:
        if exc.code in (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND):
            return False
        raise
    return True
