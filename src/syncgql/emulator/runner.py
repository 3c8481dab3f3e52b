"""Job execution: QUEUED → RUNNING → SUCCESS | FAILED | CANCELLED, for real (sync-api.md §11).

A run is an asyncio task; every provider call (reading the source, writing the destination,
running transformation SQL) happens in a worker thread through :func:`asyncio.to_thread`, so the
HTTP side stays responsive while data moves. Progress lives in memory (:class:`RunState`, read by
``getJobStatus``) and is persisted when each task ends: a history row, per-task rows and the log.
Cancellation is cooperative: a flag checked after every batch.

(About 430 lines: the run state machine, its persistence and cancellation read best together.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from syncgql.emulator.envelope import ApiError
from syncgql.emulator.odata import format_datetime
from syncgql.emulator.providers import Provider, ProviderError, open_provider
from syncgql.emulator.store import IdGenerator, Store
from syncgql.emulator.taskquery import TaskQueryError, parse_task_query

FINAL_STATUSES = frozenset({"SUCCESS", "FAILED", "CANCELLED"})
"""Outcomes a run keeps once decided."""

log = logging.getLogger(__name__)

SHUTDOWN_DETAIL = "Interrupted by emulator shutdown."
_LEVELS = {"ERROR": 1, "INFO": 2, "TRANSFER": 3, "VERBOSE": 4}


class _CancelledError(Exception):
    """Raised inside a worker thread when the run's cancel flag is seen at a batch boundary."""


@dataclass
class TaskProgress:
    """One task (query) of a run."""

    query: str
    status: str = "QUEUED"
    detail: str = ""
    rows: int = 0


@dataclass
class RunState:
    """A run in progress (or just finished)."""

    run_id: int
    kind: str  # "job" or "transformation"
    workspace: str
    name: str
    job_id: str
    started: datetime
    config: dict[str, Any]
    tasks: list[TaskProgress]
    status: str = "QUEUED"
    detail: str = "Job queued."
    summary: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)
    cancelled_by: str = ""
    shutdown: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)
    lines: list[str] = field(default_factory=list)
    current: int = 0

    @property
    def records(self) -> int:
        """Rows written so far by every task."""
        return sum(t.rows for t in self.tasks)

    @property
    def start_text(self) -> str:
        """``RunStartDate`` on the wire."""
        return format_datetime(self.started)

    @property
    def log_file(self) -> str:
        """``LogFile`` of the history row."""
        return f"{self.name}_{self.run_id}.log"


def _set_owner_status(conn: sqlite3.Connection, state: RunState) -> None:
    """Mirror the run's status on the job (or transformation) row: ``jobs.Status``."""
    table, key = (
        ("jobs", "JobName") if state.kind == "job" else ("transformations", "TransformationName")
    )
    conn.execute(
        f'UPDATE {table} SET Status = ? WHERE WorkspaceId = ? AND "{key}" = ?',  # noqa: S608
        (state.status, state.workspace, state.name),
    )


class Runner:
    """Starts, tracks and cancels runs.

    Args:
        store: The open store.
        data_dir: Base directory of relative database paths in connection strings.
        instance_id: ``InstanceId`` written to history rows.
        clock: Returns the current aware datetime (injectable for tests).
    """

    def __init__(
        self, store: Store, data_dir: Path, instance_id: str, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.instance_id = instance_id
        self.clock = clock
        self.ids = IdGenerator()
        self.running: dict[tuple[str, str], RunState] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ public API

    def current(self, workspace: str, name: str) -> RunState | None:
        """The running state of a job/transformation, or ``None`` when it is not running."""
        return self.running.get((workspace, name.lower()))

    def connection_in_use(self, workspace: str, connection: str) -> str | None:
        """Name of a running job that uses ``connection``, if any."""
        wanted = connection.lower()
        for (ws, _), state in self.running.items():
            cfg = state.config
            used = {str(cfg.get(k, "")).lower() for k in ("Source", "Destination", "Connection")}
            if ws == workspace and wanted in used:
                return state.name
        return None

    async def start(
        self,
        workspace: str,
        kind: str,
        name: str,
        *,
        only_queries: list[str] | None = None,
        user: str = "",
    ) -> RunState:
        """Queue a run of job/transformation ``name`` and start it in the background.

        Raises:
            ApiError: ``JOB_ALREADY_RUNNING``, ``NOT_FOUND``, or ``BAD_REQUEST`` when
                ``only_queries`` names a query the job does not have.
        """
        table, key, id_col = (
            ("jobs", "JobName", "JobId")
            if kind == "job"
            else ("transformations", "TransformationName", "TransformationId")
        )
        cfg = self.store.query_dict(
            f'SELECT * FROM {table} WHERE WorkspaceId = ? AND "{key}" = ?',  # noqa: S608
            (workspace, name),
        )
        if cfg is None:
            raise ApiError("NOT_FOUND", f"Job [{name}] not found.")
        name = str(cfg[key])
        if self.current(workspace, name) is not None:
            raise ApiError(
                "JOB_ALREADY_RUNNING",
                f"Job [{name}] is already running; wait for it to finish or cancel it.",
            )
        rows = self.store.query(
            "SELECT Query FROM tasks WHERE WorkspaceId = ? AND JobName = ? "
            'ORDER BY "Index", TaskId',
            (workspace, name),
        )
        queries = [str(r[0]) for r in rows]
        if only_queries is not None:
            missing = [q for q in only_queries if q not in queries]
            if missing:
                raise ApiError(
                    "BAD_REQUEST",
                    f"Query {missing[0]!r} is not a task of job [{name}]; executeQuery runs only "
                    f"the job's own task queries: {queries}.",
                )
            queries = [q for q in queries if q in only_queries]
        state = RunState(
            run_id=self.ids.next(),
            kind=kind,
            workspace=workspace,
            name=name,
            job_id=str(cfg[id_col]),
            started=self.clock(),
            config=cfg,
            tasks=[TaskProgress(q) for q in queries],
        )
        # Registered before the first await: a second executeJob cannot slip in between.
        self.running[(workspace, name.lower())] = state
        try:
            await self.store.write(lambda c: self._insert_history(c, state))
        except BaseException:
            del self.running[(workspace, name.lower())]
            raise
        self._log(state, "INFO", f"Job {name} queued (run {state.run_id}, by {user or 'system'}).")
        task = asyncio.create_task(self._execute(state), name=f"run-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return state

    def cancel(self, workspace: str, name: str, user: str) -> RunState:
        """Ask a running job to stop at its next batch boundary."""
        state = self.current(workspace, name)
        # A run whose outcome is decided is over, though it stays in ``running`` until its history
        # row is written: a cancel that arrives in that window finds nothing to cancel, as the
        # history the caller may already have read says.
        if state is None or state.status in FINAL_STATUSES:
            raise ApiError(
                "JOB_NOT_RUNNING", f"Job [{name}] is not running, so there is nothing to cancel."
            )
        state.cancelled_by = user
        state.cancel.set()
        return state

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop every run (recorded as FAILED: interrupted by shutdown) and wait for them."""
        for state in list(self.running.values()):
            state.shutdown = True
            state.cancel.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)

    # ------------------------------------------------------------ execution

    def _log(self, state: RunState, level: str, text: str) -> None:
        if _LEVELS[level] <= max(1, int(state.config.get("Verbosity") or 2)):
            state.lines.append(f"{format_datetime(self.clock())} [{level}] {text}\n")

    def _insert_history(self, conn: sqlite3.Connection, state: RunState) -> None:
        conn.execute(
            'INSERT INTO history ("Id", JobId, JobName, RunStartDate, Status, Details, Runtime, '
            "RecordsAffected, LogFile, InstanceId, WorkspaceId, Kind) "
            "VALUES (?, ?, ?, ?, 'QUEUED', 'Job queued.', 0, 0, ?, ?, ?, ?)",
            (
                state.run_id,
                state.job_id,
                state.name,
                state.start_text,
                state.log_file,
                self.instance_id,
                state.workspace,
                state.kind,
            ),
        )
        conn.execute("INSERT INTO run_logs (RunId, Content) VALUES (?, '')", (state.run_id,))
        _set_owner_status(conn, state)

    def _flush(self, conn: sqlite3.Connection, state: RunState) -> None:
        """Persist progress: status, counters and pending log lines."""
        text, state.lines = "".join(state.lines), []
        conn.execute(
            "UPDATE run_logs SET Content = Content || ? WHERE RunId = ?", (text, state.run_id)
        )
        conn.execute(
            'UPDATE history SET Status = ?, Details = ?, RecordsAffected = ? WHERE "Id" = ?',
            (state.status, state.summary or state.detail, state.records, state.run_id),
        )
        _set_owner_status(conn, state)

    def _connection(self, workspace: str, name: str) -> dict[str, Any]:
        row = self.store.query_dict(
            "SELECT * FROM connections WHERE WorkspaceId = ? AND Name = ?",
            (workspace, name),
        )
        if row is None:
            raise ProviderError(f"Connection [{name}] not found in the job's workspace.")
        return row

    async def _open(self, workspace: str, name: str) -> Provider:
        # The store's reader belongs to the event loop's thread: read the connection here,
        # open the provider (file I/O) in a worker thread.
        conn = self._connection(workspace, name)
        return await asyncio.to_thread(
            open_provider,
            str(conn["ProviderName"]),
            str(conn["ConnectionString"]),
            base_dir=self.data_dir,
        )

    async def _execute(self, state: RunState) -> None:
        t0 = time.monotonic()
        state.status, state.detail = "RUNNING", "Job started."
        self._log(state, "INFO", f"Job {state.name} started.")
        try:
            await self.store.write(lambda c: self._flush(c, state))
            if state.kind == "job":
                await self._run_job(state)
            else:
                await self._run_transformation(state)
        except (ProviderError, TaskQueryError, sqlite3.Error, OSError) as err:
            state.status, state.detail = "FAILED", str(err)
            state.summary = f"Failed: {err}"
            self._log(state, "ERROR", str(err))
        except Exception as err:  # a bug must still end the run, not leave it RUNNING forever
            log.exception("run %s of %s crashed", state.run_id, state.name)
            state.status, state.detail = "FAILED", f"Internal error: {type(err).__name__}."
            state.summary = state.detail
        runtime = int((time.monotonic() - t0) * 1000)
        self._finish_status(state)
        self._log(state, "INFO", f"Job {state.name} finished: {state.status}.")
        try:
            await self.store.write(lambda c: self._persist_end(c, state, runtime))
        finally:
            self.running.pop((state.workspace, state.name.lower()), None)
            state.done.set()
        if state.status == "SUCCESS" and state.kind == "job" and not state.shutdown:
            await self._after_job(state)

    def _finish_status(self, state: RunState) -> None:
        if state.shutdown:
            state.status, state.detail, state.summary = "FAILED", SHUTDOWN_DETAIL, SHUTDOWN_DETAIL
            return
        if state.status == "FAILED":
            return
        failed = [t for t in state.tasks if t.status == "FAILED"]
        total = len(state.tasks)
        if state.cancel.is_set():
            by = f" by user [{state.cancelled_by}]" if state.cancelled_by else ""
            state.status, state.detail = "CANCELLED", f"Cancelled{by}."
            state.summary = f"Cancelled{by} after {state.records} rows."
        elif failed:
            state.status = "FAILED"
            state.detail = f"{len(failed)} of {total} tasks failed: {failed[0].detail}"
            state.summary = state.detail
        else:
            state.status, state.detail = "SUCCESS", "Completed"
            state.summary = f"Completed: {total} of {total} tasks succeeded."

    def _persist_end(self, conn: sqlite3.Connection, state: RunState, runtime: int) -> None:
        self._flush(conn, state)
        conn.execute('UPDATE history SET Runtime = ? WHERE "Id" = ?', (runtime, state.run_id))
        conn.executemany(
            "INSERT INTO run_tasks (RunId, Seq, Query, Status, Detail, Rows) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (state.run_id, i, t.query, t.status, t.detail, t.rows)
                for i, t in enumerate(state.tasks)
            ],
        )
        _set_owner_status(conn, state)

    async def _run_job(self, state: RunState) -> None:
        cfg = state.config
        source = await self._open(state.workspace, str(cfg["Source"]))
        try:
            dest = await self._open(state.workspace, str(cfg["Destination"]))
            try:
                for i, task in enumerate(state.tasks):
                    if state.cancel.is_set():
                        break
                    state.current = i + 1
                    state.detail = f"Running task {i + 1} of {len(state.tasks)}"
                    await self._run_task(state, task, source, dest)
                    await self.store.write(lambda c: self._flush(c, state))
                    if task.status == "FAILED" and not cfg.get("ContinueOnError"):
                        break
            finally:
                await asyncio.to_thread(dest.close)
        finally:
            await asyncio.to_thread(source.close)

    async def _run_task(
        self, state: RunState, task: TaskProgress, source: Provider, dest: Provider
    ) -> None:
        task.status = "RUNNING"
        self._log(state, "VERBOSE", f"{task.query}: starting.")
        try:
            await asyncio.to_thread(self._replicate, state, task, source, dest)
        except _CancelledError:
            task.status, task.detail = "CANCELLED", f"Cancelled after {task.rows} rows."
            self._log(state, "INFO", f"{task.query}: cancelled after {task.rows} rows.")
            return
        except (ProviderError, TaskQueryError, sqlite3.Error, OSError) as err:
            task.status, task.detail = "FAILED", str(err)
            self._log(state, "ERROR", f"{task.query}: {err}")
            return
        task.status, task.detail = "SUCCESS", f"{task.rows} rows replicated."
        self._log(state, "INFO", f"{task.query}: {task.rows} rows replicated.")

    def _replicate(
        self, state: RunState, task: TaskProgress, source: Provider, dest: Provider
    ) -> None:
        """Copy one task's rows (worker thread)."""
        cfg = state.config
        parsed = parse_task_query(task.query)
        target = f"{cfg.get('TableNamePrefix') or ''}{parsed.destination}"
        batch_size = max(1, int(cfg.get("BatchSize") or 1000))
        prepared = False
        for n, batch in enumerate(source.read(parsed, batch_size), start=1):
            if not prepared:
                dest.prepare_table(
                    target,
                    batch.columns,
                    drop=bool(cfg.get("DropTable")),
                    truncate=bool(cfg.get("TruncateTableData")),
                    types=batch.types,
                )
                self._log(state, "VERBOSE", f"{task.query}: destination table [{target}] ready.")
                prepared = True
            task.rows += dest.write_batch(target, batch)
            self._log(state, "TRANSFER", f"{task.query}: batch {n}, {task.rows} rows so far.")
            if state.cancel.is_set():
                raise _CancelledError

    async def _run_transformation(self, state: RunState) -> None:
        conn_name = str(state.config["Connection"])
        dest = await self._open(state.workspace, conn_name)
        try:
            for i, task in enumerate(state.tasks):
                if state.cancel.is_set():
                    break
                state.current = i + 1
                task.status = "RUNNING"
                try:
                    task.rows = await asyncio.to_thread(dest.execute_sql, task.query)
                except (ProviderError, sqlite3.Error) as err:
                    task.status, task.detail = "FAILED", str(err)
                    self._log(state, "ERROR", f"{task.query}: {err}")
                    break
                task.status, task.detail = "SUCCESS", f"{task.rows} rows affected."
                self._log(state, "INFO", f"{task.query}: {task.rows} rows affected.")
        finally:
            await asyncio.to_thread(dest.close)

    async def _after_job(self, state: RunState) -> None:
        rows = self.store.query(
            "SELECT TransformationName FROM transformations WHERE WorkspaceId = ? "
            "AND TransformationTriggerMode = 'AfterJob' AND TriggerAfterJob = ? COLLATE NOCASE",
            (state.workspace, state.name),
        )
        for (name,) in rows:
            with contextlib.suppress(ApiError):  # already running: its own run covers it
                await self.start(state.workspace, "transformation", str(name), user="AfterJob")
