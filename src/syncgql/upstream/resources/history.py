"""``history``: past and current runs, with the §11 fallback for servers that cannot filter it.

Some Sync versions fail (400/500) on ``$filter`` against ``history``. A failure confirmed by
a trivial probe filter switches to filtering in the client: it fetches the newest
``history_fallback_top`` rows (order kept) and applies the same typed filter itself. That is
not for the process's life: after ``history_filter_reprobe`` seconds (doubling after each
failed probe, up to 15 minutes) the trivial filter is tried again, and when it works the
server filters again.
"""

from __future__ import annotations

import logging

from syncgql.errors import UpstreamStatusError
from syncgql.upstream.filtering import evaluate
from syncgql.upstream.models import HistoryRow, Page
from syncgql.upstream.odata import Eq, FilterNode, ODataQuery
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
        state = self._ctx.capabilities.history_filter
        if query is None or query.filter is None:
            return await super().list(query)
        if state.probe_due():
            await self._reprobe()
        if not state.broken:
            try:
                return await super().list(query)
            except UpstreamStatusError as exc:
                if exc.status not in (400, 500, 501) or await self._filter_works():
                    raise
                delay = state.failed(self._reprobe_delay)
                logger.warning(
                    "upstream rejects $filter on history (HTTP %d); filtering in the client, "
                    "trying the server again in %g s",
                    exc.status,
                    delay,
                )
        return await self._list_filtered_locally(query, query.filter)

    @property
    def _reprobe_delay(self) -> float:
        return self._ctx.pipeline.options.history_filter_reprobe

    async def _reprobe(self) -> None:
        """Try the trivial filter again; filter on the server from now on if it works."""
        state = self._ctx.capabilities.history_filter
        try:
            works = await self._filter_works()
        except BaseException:
            state.postpone(self._reprobe_delay)  # no answer about filters: ask again later
            raise
        if works:
            state.works()
            logger.warning("upstream filters history again; filtering on the server")
            return
        delay = state.failed(self._reprobe_delay)
        logger.info("upstream still rejects $filter on history; next try in %g s", delay)

    async def _filter_works(self) -> bool:
        """Probe with a filter every Sync version should accept.

        One bad request (a forged id, a huge filter) must not switch this process to client-side
        filtering for good: only when this trivial filter fails too is the server deemed unable.
        """
        probe = ODataQuery(filter=Eq("JobName", ""), top=1, select=("Id",))
        try:
            await super().list(probe)
        except UpstreamStatusError:
            return False
        return True

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
        if filter is not None and self._ctx.capabilities.history_filter.broken:
            return None
        return await super().count(filter)
