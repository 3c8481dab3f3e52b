"""The root ``Subscription`` type: job status, per-task progress and log lines, pushed.

Every subscription is authorised with the subscriber's own credentials before anything
streams (the job must be readable by them), then attached to the process's shared watcher or
log tailer: the upstream is polled once per interval for everyone, never per subscriber.
Status is state, so a slow subscriber only ever gets the latest state of each job.

What each subscription would ask the upstream before streaming (which jobs its credential may
read, their first states) is shared per credential and workspace for a moment
(``LiveEvents.visibility`` / ``first_states``): 3,000 subscriptions of one user cost a few
calls, not 3,000. The ``workspace`` of a subscription is that subscription's alone: it is
never written to the socket's context, and its events come from that workspace's feeds.

An event is executed once per selection and credential scope for all its subscribers, and the
relation fields of its payload (``job { status lastRun tasks }``) read from loaders shared by
every execution of the watcher's tick in that scope (:mod:`syncgql.graphql.shared_payloads`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Hashable, Sequence
from datetime import UTC, datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from syncgql.credcheck import credential_key
from syncgql.errorcodes import ErrorCode
from syncgql.events import (
    ACTIVITY_ALL_TOPIC,
    STATUS_ALL_TOPIC,
    JobStatusEvent,
    JobStatusSnapshot,
    SubscriptionOverflowError,
    activity_topic,
    decode_event,
    is_transition,
    parse_cursor,
    status_topic,
)
from syncgql.events import Subscription as Feed
from syncgql.graphql.context import Context, context_of
from syncgql.graphql.errors import not_found_message
from syncgql.graphql.live import Feeds, LiveEvents, WorkspaceLimitError, snapshot_of
from syncgql.graphql.live_options import (
    JobEventKind,
    LogStart,
    ProgressStep,
    follow_runs,
    kind_of,
    tail_start,
)
from syncgql.graphql.selection import has_field
from syncgql.graphql.shared_payloads import FIRST_TICK
from syncgql.graphql.types.enums import RunStatus
from syncgql.graphql.types.refs import JobRef
from syncgql.graphql.workspace_scope import enter_workspace
from syncgql.loaders import Loaders
from syncgql.upstream import models
from syncgql.upstream.client import SyncClient
from syncgql.upstream.models import RunStatus as UpstreamStatus
from syncgql.upstream.odata import ODataQuery

MAX_JOBS_PER_SUBSCRIPTION = 100

# Argument descriptions: GraphiQL's docs pane is where people read what an argument does.
JobNamesArg = Annotated[
    list[str] | None,
    strawberry.argument(
        description=(
            f"Names of the jobs to watch (at most {MAX_JOBS_PER_SUBSCRIPTION}); omitted: every "
            "job you can read. A name you cannot read refuses the subscription with `NOT_FOUND`."
        )
    ),
]
WorkspaceArg = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "Sync workspace (id or name) whose jobs to watch; default: the `X-Sync-Workspace` "
            "header, else the gateway's configured workspace. Applies to this subscription only."
        )
    ),
]
JobNameArg = Annotated[
    str, strawberry.argument(description="Name of the job to follow (the job's `name`).")
]
LogAfterArg = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "Resume after this line: the `cursor` of the last `JobLogLines` you received. "
            "Omitted: from the start of the current (or latest) run's log."
        )
    ),
]
ProgressArg = Annotated[
    bool,
    strawberry.argument(
        description=(
            "Also send an event while a job runs whenever its rows change (`kind: PROGRESS`), "
            "at most one per job per `--progress-event-interval` seconds (1 by default; the "
            "newest rows held back follow when it has passed). Costs no upstream call: the "
            "rows come from the poll every subscription shares."
        )
    ),
]
FollowArg = Annotated[
    bool,
    strawberry.argument(
        description=(
            "Stay open across runs: after a run's `finished` event, follow the next run "
            "(its first event has `runStarted: true`) instead of completing."
        )
    ),
]
ReplayArg = Annotated[
    bool,
    strawberry.argument(
        description=(
            "Send an idle job's last state first (the default). `false`: the first event is "
            "of the run in progress, or of the next run to start."
        )
    ),
]
LogFromArg = Annotated[
    LogStart | None,
    strawberry.argument(
        name="from",
        description=(
            "Where to start without `after` (omitted: `LATEST_RUN`). Give `after` or `from`, "
            "not both."
        ),
    ),
]


def _status(text: str) -> RunStatus:
    # Snapshots always carry a status (``live.snapshot_of`` writes UNKNOWN for a missing one).
    try:
        return UpstreamStatus(text)
    except ValueError:
        return UpstreamStatus.UNKNOWN


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@strawberry.type(description="Progress of one task query during a run.")
class TaskProgress:
    """One per-query row."""

    query: str = strawberry.field(description="The task's query.")
    status: RunStatus = strawberry.field(description="Its status.")
    detail: str | None = strawberry.field(description="What it is doing or did.")
    records_affected: int | None = strawberry.field(description="Rows so far.")


@strawberry.type(description="A job's status changed (the first event is its current state).")
class JobStatusChange:
    """One status event."""

    job_name: str = strawberry.field(description="The job.")
    previous_status: RunStatus | None = strawberry.field(
        description="Status before the change; null on the first event of a subscription."
    )
    status: RunStatus = strawberry.field(description="Status now.")
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    run_id: strawberry.ID | None = strawberry.field(description="History id of the run, if known.")
    run_start_date: datetime | None = strawberry.field(description="Start of the run.")
    detail: str | None = strawberry.field(description="What is happening, in words.")
    records_affected: int | None = strawberry.field(description="Rows written so far.")
    observed_at: datetime = strawberry.field(description="When the gateway saw the change.")
    kind: JobEventKind = strawberry.field(
        description="Why this event was sent: the state when subscribing, a transition, or rows."
    )
    tasks: list[TaskProgress] = strawberry.field(
        description=(
            "Per-task rows of the run, as of the last poll that read them. Selecting this "
            "field makes the poller read them while a watched job runs and at its end (one "
            "upstream call per running job and poll, shared by every subscriber); empty for "
            "a job not read so since the gateway started."
        )
    )
    #: The watcher tick the event came from (its loaders are shared within the tick).
    tick: strawberry.Private[Hashable] = FIRST_TICK
    #: The published payload: subscribers of one selection and scope share its execution
    #: (None: this subscriber's own first event, executed for it alone).
    share_key: strawberry.Private[bytes | None] = None

    @strawberry.field(
        description="The job (loaded with your credentials).", graphql_type=JobRef | None
    )
    async def job(self, info: Info) -> models.Job | None:
        """Batched by name, with every execution of this tick in the caller's scope."""
        context = context_of(info)
        # A socket lives for hours: never serve an event's nested fields from a stale cache.
        # The tick's loaders are fresh for each tick and shared by every subscriber of the
        # same credential scope, so the fields below cost one read per tick, not per
        # subscriber. (Made only here, where they are used.)
        if context.live is not None:
            context.loaders = context.live.tick_loaders.get(context.client, self.tick)
        elif context.shared:
            context.loaders = Loaders(context.client)
        return await context.loaders.job.get(self.job_name)


@strawberry.type(
    description="Progress of a job's run; the last event (`finished`) has its outcome."
)
class JobProgress:
    """One progress event."""

    job_name: str = strawberry.field(description="The job.")
    status: RunStatus = strawberry.field(description="Status of the run.")
    run_id: strawberry.ID | None = strawberry.field(description="History id of the run.")
    detail: str | None = strawberry.field(description="What is happening.")
    records_affected: int | None = strawberry.field(description="Rows so far.")
    tasks: list[TaskProgress] = strawberry.field(description="Per-task rows.")
    finished: bool = strawberry.field(
        description=(
            "True on the run's final event; the subscription then completes (unless `follow`)."
        )
    )
    run_started: bool = strawberry.field(
        description=(
            "True on the first event of a run that started while you were subscribed "
            "(a run in progress when you subscribed is announced by its first event's `runId`)."
        )
    )


@strawberry.type(description="New lines of a job's log.")
class JobLogLines:
    """One chunk of log lines."""

    job_name: str = strawberry.field(description="The job.")
    run_id: strawberry.ID | None = strawberry.field(description="The run the lines belong to.")
    cursor: str = strawberry.field(
        description="Position after these lines; pass it as `after` to resume without duplicates."
    )
    lines: list[str] = strawberry.field(description="The new lines, oldest first.")


def _tasks(snapshot: JobStatusSnapshot) -> list[TaskProgress]:
    return [
        TaskProgress(
            query=q.query,
            status=_status(q.status),
            detail=q.detail,
            records_affected=q.records_affected,
        )
        for q in snapshot.queries
    ]


def _change(event: JobStatusEvent | None, snapshot: JobStatusSnapshot) -> JobStatusChange:
    previous = event.previous if event is not None else None
    observed = event.observed_at if event is not None else datetime.now(UTC).timestamp()
    return JobStatusChange(
        job_name=snapshot.job_name,
        previous_status=_status(previous.status) if previous is not None else None,
        status=_status(snapshot.status),
        status_text=snapshot.status_text,
        run_id=strawberry.ID(snapshot.run_id) if snapshot.run_id else None,
        run_start_date=_moment(snapshot.run_start_date),
        detail=snapshot.detail,
        records_affected=snapshot.records_affected,
        observed_at=datetime.fromtimestamp(observed, UTC),
        kind=JobEventKind.CURRENT if event is None else kind_of(event),
        tasks=_tasks(snapshot),
    )


def _same_run_state(before: JobStatusSnapshot, after: JobStatusSnapshot) -> bool:
    # A new run that started and ended between two polls (SUCCESS -> SUCCESS) is a
    # transition too: compare the run, not only the status.
    return (before.status, before.run_id, before.run_start_date) == (
        after.status,
        after.run_id,
        after.run_start_date,
    )


def _change_of(payload: bytes) -> JobStatusChange:
    event = decode_event(payload)
    change = _change(event, event.current)
    # Events of one watcher tick carry its one ``observed_at``.
    change.tick = ("tick", event.observed_at)
    change.share_key = payload
    return change


def _progress(step: ProgressStep) -> JobProgress:
    snapshot = step.snapshot
    return JobProgress(
        job_name=snapshot.job_name,
        status=_status(snapshot.status),
        run_id=strawberry.ID(snapshot.run_id) if snapshot.run_id else None,
        detail=snapshot.detail,
        records_affected=snapshot.records_affected,
        tasks=_tasks(snapshot),
        finished=step.finished,
        run_started=step.run_started,
    )


def _live(context: Context) -> LiveEvents:
    live = context.live
    if live is None or live.watcher is None or live.broadcaster is None:
        raise GraphQLError(
            "Subscriptions are not running on this server.",
            extensions={"code": ErrorCode.SUBSCRIPTIONS_UNAVAILABLE},
        )
    return live


def _share_key(client: SyncClient, *extra: object) -> tuple[object, ...]:
    return (credential_key(client.credentials), client.workspace, *extra)


async def _readable(
    context: Context, client: SyncClient, *, fresh_after: int | None = None
) -> frozenset[str]:
    """Every job ``client``'s credentials may read, shared with their other subscriptions.

    ``fresh_after``: an answer read after that event sequence (a job new since then).
    """

    async def read() -> frozenset[str]:
        # A jobs read, not a status call: status polls stay the watcher's alone.
        page = await client.jobs.list(ODataQuery(select=("JobName",)))
        return frozenset(job.job_name for job in page.items if job.job_name)

    if context.live is None:
        return await read()
    extra = () if fresh_after is None else ("after", fresh_after)
    return await context.live.visibility.get(_share_key(client, *extra), read)


async def _visible_jobs(
    context: Context, names: Sequence[str] | None, client: SyncClient | None = None
) -> set[str]:
    """Jobs the subscriber may read: what the upstream returns with *their* credentials."""
    client = client or context.client
    if names is not None and len(names) > MAX_JOBS_PER_SUBSCRIPTION:
        raise GraphQLError(
            f"Watch at most {MAX_JOBS_PER_SUBSCRIPTION} jobs per subscription.",
            extensions={"code": ErrorCode.BAD_USER_INPUT},
        )
    readable = await _readable(context, client)
    if names is None:
        return set(readable)
    wanted = list(dict.fromkeys(names))
    unseen = [name for name in wanted if name not in readable]
    if unseen:
        # Maybe created since the shared answer: ask for just those, once.
        found = await client.jobs.get_many(unseen)
        missing = sorted(set(unseen) - set(found))
        if missing:
            raise GraphQLError(
                not_found_message("Job", missing),
                extensions={"code": ErrorCode.NOT_FOUND},
            )
    return set(wanted)


async def _initial(
    context: Context, client: SyncClient, feeds: Feeds, names: set[str]
) -> list[JobStatusSnapshot]:
    """The current state of each job: from the watcher's cache, else one shared call."""
    known = {name: feeds.watcher.current_event(name) for name in names}
    missing = [name for name, event in known.items() if event is None]
    fetched: dict[str, JobStatusSnapshot] = {}
    if missing:

        async def read() -> list[JobStatusSnapshot]:
            return snapshot_of(await client.get_job_status())

        live = context.live
        rows = await (live.first_states.get(_share_key(client), read) if live else read())
        fetched = {s.job_name: s for s in rows if s.job_name in names}
    states = []
    for name in sorted(names):
        event = known.get(name)
        if event is not None:
            states.append(event.current)
        elif name in fetched:
            states.append(fetched[name])
    return states


async def _merge(feeds: Sequence[Feed]) -> AsyncIterator[bytes]:
    """Interleave several feeds (one per job) into one stream."""
    if len(feeds) == 1:
        async for payload in feeds[0]:
            yield payload
        return
    queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()

    async def pump(feed: Feed) -> None:
        try:
            async for payload in feed:
                await queue.put(payload)
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which re-raises
            await queue.put(exc)
        await queue.put(None)

    tasks = [asyncio.create_task(pump(feed)) for feed in feeds]
    try:
        open_feeds = len(tasks)
        while open_feeds:
            item = await queue.get()
            if item is None:
                open_feeds -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@strawberry.type(description="Live updates of CData Sync, pushed over WebSockets or SSE.")
class Subscription:
    """Root subscription type."""

    @strawberry.subscription(
        description=(
            "Every status transition of the given jobs (all jobs you can read when omitted). "
            "The first events are the jobs' current states, so a new view draws at once. "
            "With `progress: true`, also the rows of running jobs as they grow: one stream "
            "for a whole jobs board."
        )
    )
    async def job_status_changed(
        self,
        info: Info,
        job_names: JobNamesArg = None,
        workspace: WorkspaceArg = None,
        progress: ProgressArg = False,
    ) -> AsyncGenerator[JobStatusChange, None]:
        """Shared watcher; per-subscriber filtering by what the subscriber may read."""
        context = context_of(info)
        live = _live(context)
        # This subscription's workspace only (its argument, else the X-Sync-Workspace
        # default): recorded for its root key, so the events' nested fields load from it
        # too; the socket's other operations keep theirs.
        workspace = enter_workspace(info, workspace)
        client = context.client if workspace is None else context.client.with_workspace(workspace)
        visible = await _visible_jobs(context, job_names, client)
        try:
            scope = await live.feeds(workspace)
        except WorkspaceLimitError as exc:
            raise GraphQLError(str(exc), extensions={"code": exc.code}) from exc
        watched = sorted(visible) if job_names is not None else ["*"]
        # Per-task rows cost a read per running job and poll: only when someone selects them.
        tasks = has_field(info, "tasks")
        # The activity topics carry the transitions too, with progress paced by the poller.
        one_topic, all_topic = (
            (activity_topic, ACTIVITY_ALL_TOPIC) if progress else (status_topic, STATUS_ALL_TOPIC)
        )
        async with contextlib.AsyncExitStack() as stack:
            for name in watched:
                await stack.enter_async_context(scope.watcher.watch(name, progress=tasks))
            if job_names is not None:
                feeds = [
                    await stack.enter_async_context(
                        scope.broadcaster.subscribe(one_topic(name), mode="latest")
                    )
                    for name in watched
                ]
            else:
                feeds = [
                    await stack.enter_async_context(
                        scope.broadcaster.subscribe(all_topic, mode="queue", maxsize=1000)
                    )
                ]
            last_sequence: dict[str, int] = {}
            first = {s.job_name: s for s in await _initial(context, client, scope, visible)}
            for state in first.values():
                yield _change(None, state)
            denied: set[str] = set()
            async for payload in _merge(feeds):
                event = live.shared("event", payload, decode_event)
                name = event.job_name
                if last_sequence.get(name, -1) >= event.sequence:
                    continue
                last_sequence[name] = event.sequence
                sent = first.pop(name, None)
                if (
                    event.previous is None
                    and sent is not None
                    and _same_run_state(sent, event.current)
                ):
                    # A watcher's first sight of a job we already sent the state of (a
                    # workspace whose feeds just started): not a change.
                    continue
                if name not in visible:
                    # A job created after subscribing: check the subscriber may read it.
                    if name in denied or job_names is not None:
                        continue
                    # One read per credential for this event, however many subscribe.
                    if name not in await _readable(context, client, fresh_after=event.sequence):
                        denied.add(name)
                        continue
                    visible.add(name)
                if not progress and not is_transition(event):
                    continue  # progress only: asked for with `progress`, or jobProgress
                # One object per event for all subscribers: resolvers only read it.
                yield live.shared("change", payload, _change_of)

    @strawberry.subscription(
        description=(
            "Per-task rows of a job's run while it goes, ending with the run's outcome "
            "(`finished: true`). If the job is idle, the first event is its last state "
            "(unless `replay: false`) and the stream follows its next run; with "
            "`follow: true` it follows every run after that too."
        )
    )
    async def job_progress(
        self,
        info: Info,
        job_name: JobNameArg,
        follow: FollowArg = False,
        replay: ReplayArg = True,
    ) -> AsyncGenerator[JobProgress, None]:
        """One per-task poll per running job for all its progress subscribers."""
        context = context_of(info)
        live = _live(context)
        assert live.watcher is not None
        assert live.broadcaster is not None
        await _visible_jobs(context, [job_name])
        client = context.client

        async def read_first() -> list[JobStatusSnapshot]:
            return snapshot_of(await client.get_job_status(job_name, per_query=True), job_name)

        async def states(feed: Feed) -> AsyncIterator[JobStatusSnapshot]:
            async for payload in feed:
                yield live.shared("event", payload, decode_event).current

        async with (
            live.watcher.watch(job_name, progress=True),
            live.broadcaster.subscribe(status_topic(job_name), mode="latest") as feed,
        ):
            # One read for the subscribers of one credential opening the job together.
            current = await live.first_progress.get(_share_key(client, job_name), read_first)
            first = current[0] if current else None
            steps = follow_runs(first, states(feed), follow=follow, replay=replay)
            async for step in steps:
                yield _progress(step)

    @strawberry.subscription(
        description=(
            "Log lines of the job's current (or latest) run as they appear, then of each "
            "later run (`from` picks another start). Resume with `after` set to the last "
            "`cursor` you received: no line is sent twice, and a run that ended meanwhile "
            "is completed before the latest run follows from its first line."
        )
    )
    async def job_log(
        self,
        info: Info,
        job_name: JobNameArg,
        after: LogAfterArg = None,
        from_: LogFromArg = None,
    ) -> AsyncGenerator[JobLogLines, None]:
        """One log poll per job per interval for all its followers."""
        context = context_of(info)
        live = _live(context)
        assert live.tailer is not None
        if after is not None and from_ is not None:
            raise GraphQLError(
                "Give `after` (to resume) or `from` (to start), not both.",
                extensions={"code": ErrorCode.BAD_USER_INPUT},
            )
        if after is not None:
            try:
                parse_cursor(after)
            except ValueError as exc:
                raise GraphQLError(
                    f"Invalid cursor {after[:40]!r}: use a cursor this API sent.",
                    extensions={"code": ErrorCode.BAD_USER_INPUT},
                ) from exc
        await _visible_jobs(context, [job_name])
        try:
            start = tail_start(from_)
            async with live.tailer.follow(job_name, after=after, start=start) as chunks:
                async for chunk in chunks:
                    yield JobLogLines(
                        job_name=chunk.job_name,
                        run_id=strawberry.ID(chunk.run_id) if chunk.run_id else None,
                        cursor=chunk.cursor,
                        lines=list(chunk.lines),
                    )
        except SubscriptionOverflowError as exc:
            raise GraphQLError(
                "You fell too far behind this log; resubscribe with your last cursor.",
                extensions={"code": ErrorCode.SLOW_CONSUMER},
            ) from exc
