"""``history``: past and current runs, with the §11 fallback for servers that cannot filter it.

Some Sync versions fail (400/500) on ``$filter`` against ``history``. The first such failure is
remembered for the process's life; from then on the client fetches the newest
``history_fallback_top`` rows (order kept) and applies the same typed filter itself.
"""

from __future__ import annotations

import logging

from syncgql.errors import UpstreamStatusError
from syncgql.upstream.filtering import evaluate
from syncgql.upstream.models import HistoryRow, Page
from syncgql.upstream.odata import FilterNode, ODataQuery
from syncgql.upstream.resources.base import EntitySet

__all__ = ["History"]

logger = logging.getLogger("syncgql.upstream")


class History(EntitySet[HistoryRow]):
    """Runs of jobs (key ``Id``, 64-bit, kept as text)."""

    entity_set = "history"
    key_field = "Id"
    key_attr = "id"
    model = HistoryRow

    async def list(self, query: ODataQuery | None = None) -> Page[HistoryRow]:
        """One page of runs; filtered in the client when the server cannot filter history."""
        caps = self._ctx.capabilities
        if query is None or query.filter is None:
            return await super().list(query)
        if not caps.history_filter_broken:
            try:
                return await super().list(query)
            except UpstreamStatusError as exc:
                if exc.status not in (400, 500, 501):
                    raise
                caps.history_filter_broken = True
                logger.warning(
                    "upstream rejects $filter on history (HTTP %d); filtering in the client",
                    exc.status,
                )
        return await self._list_filtered_locally(query, query.filter)

    async def _list_filtered_locally(
        self, query: ODataQuery, where: FilterNode
    ) -> Page[HistoryRow]:
        fetch_top = self._ctx.pipeline.options.history_fallback_top
        rows, _ = await self._rows(ODataQuery(orderby=query.orderby, top=fetch_top))
        matching = [r for r in rows if evaluate(where, r)]
        # The total is exact only when the server gave us every row it has.
        total = len(matching) if query.count and len(rows) < fetch_top else None
        start = query.skip or 0
        stop = None if query.top is None else start + query.top
        return Page([HistoryRow.from_wire(r) for r in matching[start:stop]], total)

    async def count(self, filter: FilterNode | None = None) -> int | None:
        """How many runs match; ``None`` when the server cannot say (never a guess)."""
        if filter is not None and self._ctx.capabilities.history_filter_broken:
            return None
        return await super().count(filter)
