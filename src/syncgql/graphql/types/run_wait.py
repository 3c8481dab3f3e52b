"""``awaitRun``: a long poll that answers when a run ends or its time is up (issue 14).

For callers that cannot hold a WebSocket (orchestrators, chat ops, CI steps): one request
waits for a run's end instead of a loop of ``jobStatus`` polls. It is served from the status
watcher: a waiter registers interest (so the watcher polls at its fast interval), reads the
watcher's cached state and listens on the job's status topic; it never polls the upstream
itself. What a waiter must ask the upstream before waiting (may its caller read the job; the
run's history row when the watcher's state is of another run) is shared by every waiter of the
same credential (``LiveEvents.visibility`` and ``run_rows``, keyed by the event that prompted the
read), so a hundred waiters on one run cost the upstream what one costs.

Which run: ``runId`` is the run's history id (``JobRun.runId``, ``ExecuteJobSuccess.runId``; a
``JobRun`` global id works too). Without it, the run the watcher last saw of the job: the one in
progress, else the latest (pass ``runId`` right after ``executeJob``: the watcher may not have
seen the new run yet).

Answers: ``RunFinished`` (at once when the run had already ended), ``RunStillRunning`` when
``timeoutSeconds`` passed or the gateway is shutting down (with the run's current status; ask
again), ``NotFoundError`` for a job the caller cannot read or a run id that is not this job's,
``ValidationError`` for a negative timeout. ``timeoutSeconds`` is capped by
``--await-run-max-seconds``; waits count against ``--max-streams-per-caller`` with the HTTP
subscription streams (``TOO_MANY_SUBSCRIPTIONS`` beyond it), so long polls cannot pin every
connection of the process.

(Over 400 lines: the answer types, the run matching and the wait are one state machine, read
together; split, each part would only make sense with the others open beside it.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from syncgql.credcheck import credential_key
from syncgql.errorcodes import ErrorCode
from syncgql.events import JobStatusSnapshot, decode_event, status_topic
from syncgql.events.model import ACTIVE_STATUSES
from syncgql.graphql.context import Context, context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.cutoff import Cutoff
from syncgql.graphql.errors import NotFoundError, ValidationError, not_found_message
from syncgql.graphql.live import LiveEvents, WorkspaceLimitError, snapshot_of
from syncgql.graphql.node import decode_id
from syncgql.graphql.subscriptions import _visible_jobs
from syncgql.graphql.types.enums import RunStatus
from syncgql.graphql.types.run import JobRun
from syncgql.loaders import Loaders
from syncgql.upstream import models

__all__ = ["AwaitRunResult", "RunFinished", "RunStillRunning", "RunWaitQuery"]

# Start dates have one-second precision upstream, and a history row's may trail the status
# row's by the time the server took to write it.
_SAME_RUN_SLACK = timedelta(seconds=5)
_SUCCEEDED = frozenset({RunStatus.SUCCESS, RunStatus.WARNING})
#: Seconds a shared ``getJobStatus`` answer may be old for a wait without ``runId``.
FRESH_STATE = 0.25


@strawberry.interface(description="One run's state, as `awaitRun` saw it.")
class RunState:
    """Fields both answers of ``awaitRun`` carry."""

    job_name: str = strawberry.field(description="The job.")
    run_id: strawberry.ID | None = strawberry.field(
        description="History id of the run (null on servers that report none for a run)."
    )
    status: RunStatus = strawberry.field(description="The run's status.")
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    detail: str | None = strawberry.field(description="What happened (or is happening).")
    records_affected: int | None = strawberry.field(description="Rows written (so far).")
    run_start_date: datetime | None = strawberry.field(description="When the run started.")

    @strawberry.field(
        description="The run, from the history (one upstream read when selected).",
        graphql_type=JobRun | None,
        metadata=upstream_call(),
    )
    async def run(self, info: Info) -> models.HistoryRow | None:
        """Loaded by run id."""
        if not self.run_id:
            return None
        return await context_of(info).loaders.run.get(str(self.run_id))


@strawberry.type(description="The run has ended; `status` is its outcome.")
class RunFinished(RunState):
    """The answer once the run is over."""

    succeeded: bool = strawberry.field(description="True when `status` is SUCCESS or WARNING.")


@strawberry.type(
    description="The wait ended before the run did (`timeoutSeconds` passed, or the gateway "
    "is shutting down); `status` is its current state. Call `awaitRun` again to keep waiting."
)
class RunStillRunning(RunState):
    """The answer when the time is up."""

    waited_seconds: float = strawberry.field(description="How long this call waited.")


AwaitRunResult = Annotated[
    RunFinished | RunStillRunning | NotFoundError | ValidationError,
    strawberry.union(
        "AwaitRunResult",
        description="The run's end, its state when the wait timed out, or why there is no run.",
    ),
]


@dataclass(frozen=True, slots=True)
class _Target:
    """The run waited for: by run id where the upstream reports one, else by start date."""

    run_id: str | None
    started: datetime | None
    #: No id and no start date to tell runs apart: the job's next end is the run's end.
    any_run: bool = False

    def matches(self, state: JobStatusSnapshot) -> bool:
        if self.any_run:
            return True
        if self.run_id and state.run_id:
            return state.run_id == self.run_id
        seen = _moment(state.run_start_date)
        return (
            self.started is not None
            and seen is not None
            and abs(seen - self.started) <= _SAME_RUN_SLACK
        )

    def superseded_by(self, state: JobStatusSnapshot) -> bool:
        """Whether ``state`` is of a later run (so this one ended between two polls)."""
        if self.any_run:
            return False
        if self.run_id and state.run_id:
            return state.run_id != self.run_id
        seen = _moment(state.run_start_date)
        return (
            self.started is not None and seen is not None and seen > self.started + _SAME_RUN_SLACK
        )


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    # Sync's dates may come without an offset: read them as UTC, so they compare at all.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _status(text: str | models.RunStatus | None) -> RunStatus:
    if isinstance(text, models.RunStatus):
        return text
    try:
        return models.RunStatus(text)
    except ValueError:
        return models.RunStatus.UNKNOWN


@dataclass(frozen=True, slots=True)
class _Seen:
    """What a wait last knew of the run: the ``RunState`` fields, typed where they are made."""

    job_name: str
    run_id: strawberry.ID | None
    status: RunStatus
    status_text: str | None
    detail: str | None
    records_affected: int | None
    run_start_date: datetime | None


def _seen_in_snapshot(state: JobStatusSnapshot, target: _Target) -> _Seen:
    run_id = state.run_id or target.run_id
    return _Seen(
        job_name=state.job_name,
        run_id=strawberry.ID(run_id) if run_id else None,
        status=_status(state.status),
        status_text=state.status_text or None,
        detail=state.detail,
        records_affected=state.records_affected,
        run_start_date=_moment(state.run_start_date),
    )


def _seen_in_row(row: models.HistoryRow, job_name: str) -> _Seen:
    return _Seen(
        job_name=row.job_name or job_name,
        run_id=strawberry.ID(str(row.id)),
        status=_status(row.status),
        status_text=row.status_text,
        detail=row.details,
        records_affected=row.records_affected,
        run_start_date=row.run_start_date,
    )


def _finished(seen: _Seen) -> RunFinished:
    return RunFinished(**asdict(seen), succeeded=seen.status in _SUCCEEDED)


def _still_running(seen: _Seen, waited_seconds: float) -> RunStillRunning:
    return RunStillRunning(**asdict(seen), waited_seconds=waited_seconds)


def _no_run(job_name: str, run_id: str | None) -> NotFoundError:
    if run_id is None:
        return NotFoundError(
            message=not_found_message("A run of job", [job_name]), entity="JobRun", key=job_name
        )
    return NotFoundError(
        message=not_found_message(f"Run of job {job_name!r}", [run_id]), entity="JobRun", key=run_id
    )


def _run_key(run_id: strawberry.ID | None) -> str | None:
    """The history id of ``run_id`` (a ``runId`` or a ``JobRun`` global id); "" if neither."""
    if run_id is None:
        return None
    key = str(run_id).strip()
    if key.isdigit():
        return key
    try:
        type_name, natural = decode_id(key)
    except Exception:  # noqa: BLE001 - any undecodable id is simply no run of this job
        return ""
    return natural if type_name == "JobRun" and natural.isdigit() else ""


def _live(context: Context) -> LiveEvents:
    live = context.live
    if live is None or live.watcher is None or live.broadcaster is None:
        raise GraphQLError(
            "awaitRun needs the status watcher, which is not running on this server.",
            extensions={"code": ErrorCode.SUBSCRIPTIONS_UNAVAILABLE},
        )
    return live


class _Waiter:
    """One ``awaitRun`` call: what it knows of the run, and its upstream reads (shared)."""

    def __init__(self, context: Context, live: LiveEvents, job_name: str) -> None:
        self.context = context
        self.live = live
        self.job_name = job_name
        self.client = context.client

    async def row(self, run_id: str, sequence: int) -> models.HistoryRow | None:
        """The run's history row, read once per credential, workspace and event."""
        client = self.client

        async def read() -> models.HistoryRow | None:
            return await Loaders(client).run.get(run_id)

        key = (credential_key(client.credentials), client.workspace, run_id, sequence)
        return await self.live.run_rows.get(key, read)

    async def first_state(
        self, cached: JobStatusSnapshot | None, *, max_age: float | None = None
    ) -> JobStatusSnapshot | None:
        """The watcher's state of the job, else one ``getJobStatus`` shared per credential.

        ``max_age``: read afresh (shared by the waiters arriving meanwhile) unless an answer
        this recent exists; the watcher's cache may be an idle interval old.
        """
        if cached is not None and max_age is None:
            return cached
        client = self.client

        async def read() -> list[JobStatusSnapshot]:
            return snapshot_of(await client.get_job_status())

        key = (credential_key(client.credentials), client.workspace)
        states = await self.live.first_states.get(key, read, max_age=max_age)
        return next((s for s in states if s.job_name == self.job_name), None)


async def _events(
    feed: AsyncIterator[bytes], deadline: float, cutoff: Cutoff | None
) -> AsyncGenerator[bytes, None]:
    """The feed's payloads until ``deadline`` (loop time) or the shutdown cut-off."""
    loop = asyncio.get_running_loop()
    cut = asyncio.ensure_future(cutoff.wait()) if cutoff is not None else None
    step: asyncio.Future[bytes] | None = None
    try:
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0 or (cut is not None and cut.done()):
                return
            if step is None:
                step = asyncio.ensure_future(anext(feed))
            waiting: list[asyncio.Future[Any]] = [step] if cut is None else [step, cut]
            await asyncio.wait(waiting, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():
                continue
            done, step = step, None
            try:
                yield done.result()
            except StopAsyncIteration:
                return  # the broadcaster closed: the gateway is stopping
    finally:
        for future in (step, cut):
            if future is not None and not future.done():
                future.cancel()
                with contextlib.suppress(BaseException):
                    await future


async def _wait(
    waiter: _Waiter, run_key: str | None, seconds: float
) -> RunFinished | RunStillRunning | NotFoundError:
    """Answer from the watcher's state, waiting on the job's topic while the run goes on."""
    context, live, job_name = waiter.context, waiter.live, waiter.job_name
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        feeds = await live.feeds(context.client.workspace)
    except WorkspaceLimitError as exc:
        raise GraphQLError(str(exc), extensions={"code": exc.code}) from exc
    watcher = feeds.watcher
    async with (
        watcher.watch(job_name),
        feeds.broadcaster.subscribe(status_topic(job_name), mode="latest") as feed,
    ):
        event = watcher.current_event(job_name)
        sequence = 0 if event is None else event.sequence
        cached = None if event is None else event.current
        latest: _Seen | None = None
        # Without a run id "the latest run" must be today's: the watcher's cache may predate
        # a run just started (or just ended), so ask once, shared by the waiters of a moment.
        state = await waiter.first_state(cached, max_age=FRESH_STATE if run_key is None else None)
        if run_key is None:
            if state is None or state.status == "NEVER_RUN":
                return _no_run(job_name, None)
            started = _moment(state.run_start_date)
            target = _Target(state.run_id, started, any_run=not state.run_id and started is None)
            if not state.active:
                return _finished(_seen_in_snapshot(state, target))
            latest = _seen_in_snapshot(state, target)
        elif state is not None and state.run_id == run_key:
            target = _Target(run_key, _moment(state.run_start_date))
            if not state.active:
                return _finished(_seen_in_snapshot(state, target))
            latest = _seen_in_snapshot(state, target)
        else:
            # The watcher's state is of another run (an older one, a newer one, or the upstream
            # reports no run ids): the history says whether this run exists and how it stands.
            row = await waiter.row(run_key, sequence)
            if row is None or (row.job_name or "").lower() != job_name.lower():
                return _no_run(job_name, run_key)
            if row.status is not None and row.status.value not in ACTIVE_STATUSES:
                return _finished(_seen_in_row(row, job_name))
            target = _Target(run_key, _moment(row.run_start_date))
            latest = _seen_in_row(row, job_name)
        # Closed on every return: the pending read of the feed and the cut-off wait end here.
        events = _events(aiter(feed), began + seconds, context.cutoff)
        async with contextlib.aclosing(events):
            async for payload in events:
                event = live.shared("event", payload, decode_event)
                current = event.current
                if target.matches(current):
                    latest = _seen_in_snapshot(current, target)
                    if not current.active:
                        return _finished(latest)
                elif target.superseded_by(current) and target.run_id is not None:
                    # Another run already: this one ended between two polls; the history has it.
                    row = await waiter.row(target.run_id, event.sequence)
                    if row is not None and row.status is not None:
                        latest = _seen_in_row(row, job_name)
                        if row.status.value not in ACTIVE_STATUSES:
                            return _finished(latest)
        return _still_running(latest, round(loop.time() - began, 3))


TimeoutArg = Annotated[
    int | None,
    strawberry.argument(
        description="Answer `RunStillRunning` after this many seconds if the run goes on "
        "(0: answer at once; null or more than the server's `--await-run-max-seconds`, "
        "30 by default: that maximum)."
    ),
]


@strawberry.type
class RunWaitQuery:
    """The ``Query`` field that waits for a run."""

    @strawberry.field(
        description=(
            "Wait for a run to end, without a WebSocket: answers `RunFinished` as soon as the "
            "run is over (at once if it already is), or `RunStillRunning` when "
            "`timeoutSeconds` pass first. Served from the gateway's status watcher, so "
            "waiting adds no polling of CData Sync. Each wait counts against the caller's "
            "cap on open streams (`TOO_MANY_SUBSCRIPTIONS`)."
        ),
        metadata=upstream_call(),
    )
    async def await_run(
        self,
        info: Info,
        job_name: Annotated[str, strawberry.argument(description="The job that runs.")],
        run_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The run's `runId` (from `executeJob` or `runs`) or its global "
                "`id`; without it, the job's run in progress (else its latest run)."
            ),
        ] = None,
        timeout_seconds: TimeoutArg = None,
    ) -> AwaitRunResult:
        """Long poll on the watcher; see the module docstring."""
        context = context_of(info)
        if timeout_seconds is not None and timeout_seconds < 0:
            return ValidationError(
                message="`timeoutSeconds` must be zero (answer at once) or more.",
                field="timeoutSeconds",
            )
        limit = context.settings.await_run_max_seconds
        seconds = float(limit if timeout_seconds is None else min(timeout_seconds, limit))
        run_key = _run_key(run_id)
        live = _live(context)
        try:
            await _visible_jobs(context, [job_name], context.client)
        except GraphQLError as exc:
            if (exc.extensions or {}).get("code") != ErrorCode.NOT_FOUND:
                raise
            return NotFoundError(message=exc.message, entity="Job", key=job_name)
        if run_key == "":
            return _no_run(job_name, str(run_id))
        caller = context.caller or ""
        if not live.holds.acquire(caller):
            raise GraphQLError(
                f"This caller already holds {live.holds.cap} subscription streams and awaitRun "
                "waits; let one end first.",
                extensions={"code": ErrorCode.TOO_MANY_SUBSCRIPTIONS},
            )
        try:
            return await _wait(_Waiter(context, live, job_name), run_key, seconds)
        finally:
            live.holds.release(caller)
