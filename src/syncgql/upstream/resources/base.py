"""Shared plumbing of the resources: the call context and generic entity-set operations."""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from syncgql.errors import UpstreamStatusError
from syncgql.upstream.auth import Credentials
from syncgql.upstream.filtering import ServerFilterState
from syncgql.upstream.http import HttpPipeline
from syncgql.upstream.models import Page
from syncgql.upstream.odata import (
    FilterNode,
    ODataQuery,
    any_equals,
    chunk_keys,
    chunk_terms,
    entity_path,
    read_count,
    unwrap_collection,
    unwrap_entity,
)
from syncgql.upstream.wire import to_int
from syncgql.upstream.wire_rows import WireModel
from syncgql.upstream.writes import WriteParams

__all__ = [
    "CallContext",
    "Capabilities",
    "EntitySet",
    "WritableEntitySet",
    "gather_limited",
    "wire_body",
]

logger = logging.getLogger("syncgql.upstream")

M = TypeVar("M", bound=WireModel)
R = TypeVar("R")
T = TypeVar("T")
C = TypeVar("C", bound=WriteParams)
U = TypeVar("U", bound=WriteParams)


@dataclass
class Capabilities:
    """What this process learned the upstream cannot do (§11).

    ``cannot_count`` is kept for the process's life; ``history_filter`` is re-probed later.
    Issue 12: ``job_type_form`` (``number``/``name``) and ``log_action`` once learned.
    """

    cannot_count: set[str] = field(default_factory=set)
    history_filter: ServerFilterState = field(default_factory=ServerFilterState)
    job_type_form: str | None = None
    log_action: str | None = None


@dataclass(frozen=True, slots=True)
class CallContext:
    """Everything a resource needs for one call: the shared pipeline plus who and where."""

    pipeline: HttpPipeline
    capabilities: Capabilities
    credentials: Credentials | None = None
    workspace: str | None = None
    caller: str | None = None  # who the calls are for (fairness, breaker attribution)

    def params(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Query parameters with ``workspaceId`` added when a workspace is set."""
        params = dict(extra or {})
        if self.workspace is not None:
            params["workspaceId"] = self.workspace
        return params

    def body(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A JSON body (lists expanded to ``Name#N``) with ``WorkspaceId`` when set."""
        body = wire_body(fields)
        if self.workspace is not None:
            body.setdefault("WorkspaceId", self.workspace)
        return body

    async def read(
        self,
        path: str,
        *,
        endpoint: str,
        params: Mapping[str, str] | None = None,
    ) -> Any:  # noqa: ANN401 - a JSON value of the upstream
        """An idempotent GET; returns the parsed body."""
        response = await self.pipeline.call(
            "GET",
            path,
            endpoint=endpoint,
            idempotent=True,
            credentials=self.credentials,
            params=self.params(params),
            caller=self.caller,
        )
        return response.body

    async def send(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        idempotent: bool,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Any:  # noqa: ANN401 - a JSON value of the upstream
        """A write or an action; ``body`` gets ``WorkspaceId`` when a workspace is set."""
        response = await self.pipeline.call(
            method,
            path,
            endpoint=endpoint,
            idempotent=idempotent,
            credentials=self.credentials,
            params=self.params(params),
            json_body=self.body(body) if body is not None else None,
            read_timeout=read_timeout,
            caller=self.caller,
        )
        return response.body


def wire_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Expand list values to 1-based ``Name#N`` keys, the Sync convention for arrays."""
    body: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, list | tuple):
            for index, item in enumerate(value, start=1):
                body[f"{key}#{index}"] = item
        else:
            body[key] = value
    return body


async def gather_limited(calls: Sequence[Awaitable[R]], limit: int) -> list[R]:
    """Run ``calls`` at most ``limit`` at a time; the first failure cancels the rest."""
    if len(calls) == 1:
        return [await calls[0]]
    gate = asyncio.Semaphore(max(1, limit))

    async def gated(call: Awaitable[R]) -> R:
        try:
            async with gate:
                return await call
        finally:
            # Cancelled while queued (a sibling failed, e.g. the operation's call budget ran
            # out): the call was never awaited; close it so it is not reported as leaked.
            if isinstance(call, Coroutine):
                call.close()

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(gated(c)) for c in calls]
    except BaseExceptionGroup as failure:
        raise _first_leaf(failure) from None
    return [t.result() for t in tasks]


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


class EntitySet(Generic[M]):
    """Reads of one OData entity set: list, get by key, batched get, count."""

    entity_set: ClassVar[str]
    key_field: ClassVar[str]  # wire name of the key, e.g. ``JobName``
    model: type[M]
    key_attr: ClassVar[str]  # model attribute of the key, e.g. ``job_name``

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx

    async def _rows(self, query: ODataQuery | None) -> tuple[list[dict[str, Any]], Any]:
        body = await self._ctx.read(
            self.entity_set,
            endpoint=self.entity_set,
            params=query.to_params() if query else None,
        )
        return unwrap_collection(body), body

    async def list(self, query: ODataQuery | None = None) -> Page[M]:
        """One page of the set (``$select/$filter/$orderby/$top/$skip/$count`` pushed down)."""
        rows, body = await self._rows(query)
        from_wire = self.model.from_wire
        return Page([from_wire(r) for r in rows], read_count(body))

    async def get(self, key: str) -> M:
        """The entity with this key.

        Raises:
            UpstreamNotFoundError: no such entity.
        """
        body = await self._ctx.read(
            entity_path(self.entity_set, key), endpoint=f"{self.entity_set}/key"
        )
        return self.model.from_wire(unwrap_entity(body))

    async def get_many(self, keys: Iterable[str]) -> dict[str, M]:
        """Entities by key in as few calls as the URL length allows; missing keys are absent."""
        wanted = list(dict.fromkeys(keys))
        rows = await self.list_in(self.key_field, wanted)
        found = {getattr(item, self.key_attr): item for item in rows}
        return _match_keys(wanted, found)

    def key_groups(
        self,
        fields: str | Sequence[str],
        values: Iterable[str],
        *,
        max_groups: int | None = None,
    ) -> builtins.list[builtins.list[str]]:
        """``values`` in groups whose ``fields eq v or …`` filter fits one call's URL budget.

        ``max_groups``: stop once there are more groups than that (``odata.chunk_terms``).
        """
        budget = self._ctx.pipeline.options.max_filter_chars
        groups = chunk_keys(fields, values, budget, max_groups=max_groups)
        return [[str(v) for v in group] for group in groups]

    async def list_in(
        self,
        fields: str | Sequence[str],
        values: Iterable[str],
        *,
        orderby: tuple[tuple[str, bool], ...] = (),
        top: int | None = None,
    ) -> builtins.list[M]:
        """Rows where one of ``fields`` equals one of ``values``: one call per group of keys.

        ``orderby`` and ``top`` apply to each group's call. Calls run at most
        ``max_concurrent_chunks`` at a time; an empty ``values`` makes no call.
        """
        pages = await self.pages_in(fields, self.key_groups(fields, values), orderby, top)
        return [item for page in pages for item in page.items]

    async def pages_in(
        self,
        fields: str | Sequence[str],
        groups: Sequence[Sequence[str]],
        orderby: tuple[tuple[str, bool], ...] = (),
        top: int | None = None,
    ) -> builtins.list[Page[M]]:
        """One page per group of :meth:`key_groups`, in the same order."""
        filters = [any_equals(fields, group) for group in groups]
        return await self.pages_where(filters, orderby, top)

    def term_groups(
        self, items: Iterable[T], term: Callable[[T], FilterNode]
    ) -> builtins.list[builtins.list[T]]:
        """``items`` in groups whose ``or`` of terms fits one call's URL budget."""
        return chunk_terms(items, term, self._ctx.pipeline.options.max_filter_chars)

    async def pages_where(
        self,
        filters: Sequence[FilterNode],
        orderby: tuple[tuple[str, bool], ...] = (),
        top: int | None = None,
    ) -> builtins.list[Page[M]]:
        """One page per filter, at most ``max_concurrent_chunks`` calls at a time."""
        return await gather_limited(
            [self.list(ODataQuery(filter=f, orderby=orderby, top=top)) for f in filters],
            self._ctx.pipeline.options.max_concurrent_chunks,
        )

    async def count(self, filter: FilterNode | None = None) -> int | None:
        """How many entities match, or ``None`` when this upstream cannot count (never a guess)."""
        memo = f"{self.entity_set}?filter" if filter is not None else self.entity_set
        caps = self._ctx.capabilities
        if memo in caps.cannot_count:
            return None
        params = {"$filter": filter.render()} if filter is not None else None
        try:
            body = await self._ctx.read(
                f"{self.entity_set}/$count", endpoint=f"{self.entity_set}/$count", params=params
            )
        except UpstreamStatusError as exc:
            if exc.status in (400, 404, 405, 501):
                caps.cannot_count.add(memo)
                logger.info("upstream cannot count %s (HTTP %d)", memo, exc.status)
                return None
            raise
        value = to_int(body) if isinstance(body, str | int) else read_count(body)
        return value if value is not None and value >= 0 else None

    async def _create(self, fields: Mapping[str, Any]) -> M:
        """Create an entity from wire-named ``fields`` (lists become ``Name#N``)."""
        body = await self._ctx.send(
            "POST", self.entity_set, endpoint=self.entity_set, idempotent=False, body=fields
        )
        if body is None and isinstance(fields.get(self.key_field), str):
            return await self.get(fields[self.key_field])
        return self.model.from_wire(unwrap_entity(body))

    async def _update(self, key: str, fields: Mapping[str, Any]) -> M:
        """Change the wire-named ``fields`` of the entity ``key``; returns the updated entity."""
        body = await self._ctx.send(
            "PUT",
            entity_path(self.entity_set, key),
            endpoint=f"{self.entity_set}/key",
            idempotent=False,
            body=fields,
        )
        if body is None:
            new_key = fields.get(self.key_field, key)
            return await self.get(new_key if isinstance(new_key, str) else key)
        return self.model.from_wire(unwrap_entity(body))

    async def _delete(self, key: str) -> None:
        """Delete the entity ``key``."""
        await self._ctx.send(
            "DELETE",
            entity_path(self.entity_set, key),
            endpoint=f"{self.entity_set}/key",
            idempotent=False,
        )


def _match_keys(wanted: list[str], found: Mapping[Any, M]) -> dict[str, M]:
    # Sync names compare case-insensitively on the server; accept its spelling back.
    by_lower = {str(k).lower(): v for k, v in found.items() if k is not None}
    result: dict[str, M] = {}
    for key in wanted:
        item = found.get(key)
        if item is None:
            item = by_lower.get(key.lower())
        if item is not None:
            result[key] = item
    return result


class WritableEntitySet(EntitySet[M], Generic[M, C, U]):
    """An entity set with create, update and delete (never retried: not idempotent).

    ``C`` and ``U`` are its typed write parameters (:mod:`syncgql.upstream.writes`).
    """

    async def create(self, params: C) -> M:
        """Create an entity (lists become ``Name#N`` on the wire)."""
        return await self._create(params.to_wire())

    async def update(self, key: str, changes: U) -> M:
        """Change the entity ``key`` (only the fields ``changes`` sets); returns it updated."""
        return await self._update(key, changes.to_wire())

    async def delete(self, key: str) -> None:
        """Delete the entity ``key``."""
        await self._delete(key)
