"""Whether CData Sync accepts a caller's credentials, asked once per credential at a time.

A WebSocket is authorised when it opens and re-checked while it stays open (a user
deactivated in Sync must stop receiving). Both ask Sync with one cheap read; sockets of the
same credential share the answer (:class:`~syncgql.sharedcalls.SharedCalls`, keyed by a hash
of the credential and the workspace), so 300 sockets opening at once, or re-checking every
interval, cost one upstream call, not 300.
"""

from __future__ import annotations

import hashlib

from syncgql.errors import UpstreamAuthError, UpstreamForbiddenError
from syncgql.sharedcalls import SharedCalls
from syncgql.upstream.auth import Credentials
from syncgql.upstream.client import SyncClient
from syncgql.upstream.odata import ODataQuery

__all__ = ["CredentialCheck", "credential_key"]


def credential_key(credentials: Credentials | None) -> str:
    """A stable, non-reversible name of a credential (never the secret itself)."""
    if credentials is None:
        return "anonymous"
    material = f"{credentials.kind}\0{credentials.user or ''}\0{credentials.secret}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


class CredentialCheck:
    """Sync's verdict on credentials, shared per credential and workspace for ``ttl`` seconds."""

    def __init__(self, ttl: float) -> None:
        self._verdicts: SharedCalls[bool] = SharedCalls(ttl)

    @property
    def calls(self) -> int:
        """Upstream checks made so far."""
        return self._verdicts.calls

    async def accepted(self, client: SyncClient, *, max_age: float | None = None) -> bool:
        """True when Sync accepts ``client``'s credentials, False when it refuses them.

        Raises:
            SyncgqlError: Sync could not be asked (down, timing out): no verdict either way.
        """

        async def ask() -> bool:
            try:
                await client.jobs.list(ODataQuery(select=("JobName",), top=1))
            except (UpstreamAuthError, UpstreamForbiddenError):
                return False
            return True

        key = (credential_key(client.credentials), client.workspace)
        return await self._verdicts.get(key, ask, max_age=max_age)
