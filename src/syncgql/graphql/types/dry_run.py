"""The one vocabulary of dry runs (issue 13): checks, field changes, references, the answer.

Every create, update and delete mutation takes ``dryRun: true`` (``cancelJob`` and
``testConnection`` do not: answering "would it cancel" is ``executeJob``'s ``notRunning`` check
turned round, and a test is itself the check). Runs (``executeJob``, ``executeQueries``) and
``deleteJob`` answer their own types (``types.job.dry_run``); every other create, update and
delete answers a ``WriteDryRun``: the checks made (each a ``DryRunCheck``, the same type the run
dry runs use), the field-by-field difference from today's value, what refers to the object and
the trigger links a delete would break. A dry run only reads; the checks of one noun live in
``dry_run_jobs`` and ``dry_run_admin``, the shared helpers here.

Secrets are compared but never shown: a changed secret (a connection string's secret property,
a dbt Git token, a password) is a ``FieldChange`` with ``secret: true`` and no values. A
password cannot be read back, so giving one always counts as a change.

Input validation that the real mutation does before any upstream call (an empty update,
``threads < 1``) answers the same ``ValidationError`` with ``dryRun`` too: there is nothing to
try. What the server would refuse (a missing connection, a taken name, a bad cron or query, the
caller's role) becomes a failed check instead, so one answer lists every problem at once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from syncgql.emulator.taskquery import (
    TaskQueryError,
    check_transformation_query,
    parse_task_query,
)
from syncgql.errors import SyncgqlError, UpstreamForbiddenError
from syncgql.graphql.context import context_of
from syncgql.graphql.types.graph import GraphEdge
from syncgql.insight.schedule import CronError, parse_cron
from syncgql.redaction import is_secret_name, mask_property, split_connection_string
from syncgql.upstream import models
from syncgql.upstream.odata import ODataQuery

DryRunArg = Annotated[
    bool,
    strawberry.argument(
        description="Check and answer what would run, without running or changing anything."
    ),
]


@strawberry.type(description="One check a dry run made.")
class DryRunCheck:
    """A check and its outcome."""

    name: str = strawberry.field(
        description="What was checked: `exists`, `notRunning`, `mayExecute`, `mayUpdate`, "
        "`mayCreate`, `mayRemove`, `nameFree`, `source`, `destination`, `connection`, "
        "`afterJob`, `queries`, `notDuplicate`, `cron`, `roles`, `notInUse`, `notTested`, "
        "`notDefault`, `empty`, `hasTasks`, `queriesAreTasks`."
    )
    ok: bool = strawberry.field(description="True when the check passed.")
    detail: str = strawberry.field(description="What was found.")


@strawberry.enum(description="What a write would do.")
class DryRunAction(Enum):
    """The kind of write a ``WriteDryRun`` answers for."""

    CREATE = strawberry.enum_value("CREATE", description="A create: the object does not exist yet.")
    UPDATE = strawberry.enum_value("UPDATE", description="An update of an existing object.")
    DELETE = strawberry.enum_value("DELETE", description="A delete of an existing object.")


@strawberry.type(description="One field a write would set or change.")
class FieldChange:
    """A field's value today and after the write; secrets show neither."""

    field: str = strawberry.field(description="The input field, e.g. `scheduledCron`.")
    property: str | None = strawberry.field(
        description="For `connectionString`: the property of the string that changes."
    )
    before: str | None = strawberry.field(
        description="Today's value as text (JSON for lists); null when unset, new or secret."
    )
    after: str | None = strawberry.field(
        description="The value after the write as text; null when removed or secret."
    )
    secret: bool = strawberry.field(
        description="True for a credential: it differs, its values are never shown."
    )


@strawberry.type(description="Something that refers to the object of a dry run.")
class DryRunReference:
    """A job, transformation or other object pointing at the object."""

    kind: str = strawberry.field(
        description="`Job`, `Transformation`, `Connection` or `Task`, as `node` names them."
    )
    name: str = strawberry.field(description="Its name (a task: `<job>/<taskId>`).")
    relation: str = strawberry.field(
        description="How it refers: `source`, `destination`, `connection`, `workspace`, "
        "`triggerTasks`."
    )


@strawberry.type(description="What a create, update or delete would do; nothing was changed.")
class WriteDryRun:
    """The answer of every ``dryRun: true`` write except runs and ``deleteJob``."""

    action: DryRunAction = strawberry.field(description="Create, update or delete.")
    entity: str = strawberry.field(description="The kind of object, e.g. `Connection`.")
    key: str = strawberry.field(description="Its natural key (name, `<job>/<taskId>`, id).")
    would_succeed: bool = strawberry.field(description="True when every check passed.")
    checks: list[DryRunCheck] = strawberry.field(description="Every check, in order.")
    changes: list[FieldChange] = strawberry.field(
        description="An update: the fields that differ from today's values (a field given "
        "with its current value is left out). A create: every field it would set."
    )
    unchanged: list[str] = strawberry.field(
        description="An update: the fields given that already hold that value."
    )
    referenced_by: list[DryRunReference] = strawberry.field(
        description="What refers to the object: what a delete leaves dangling (or is refused "
        "for), what an update of a connection affects."
    )
    broken_links: list[GraphEdge] = strawberry.field(
        description="Trigger edges of the job graph that a delete would break or remove."
    )


@dataclasses.dataclass
class DryRun:
    """The answer being built: checks and findings are added in order, ``answer()`` ends it."""

    action: DryRunAction
    entity: str
    key: str
    checks: list[DryRunCheck] = dataclasses.field(default_factory=list)
    changes: list[FieldChange] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    referenced_by: list[DryRunReference] = dataclasses.field(default_factory=list)
    broken_links: list[GraphEdge] = dataclasses.field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> bool:
        """Record a check; answers ``ok`` so a caller can skip what depends on it."""
        self.checks.append(DryRunCheck(name=name, ok=ok, detail=detail))
        return ok

    def refer(self, kind: str, name: str, relation: str) -> None:
        """Record something that refers to the object."""
        self.referenced_by.append(DryRunReference(kind=kind, name=name, relation=relation))

    def answer(self) -> WriteDryRun:
        """The GraphQL answer."""
        return WriteDryRun(
            action=self.action,
            entity=self.entity,
            key=self.key,
            would_succeed=all(c.ok for c in self.checks),
            checks=self.checks,
            changes=self.changes,
            unchanged=self.unchanged,
            referenced_by=self.referenced_by,
            broken_links=self.broken_links,
        )


# ----------------------------------------------------------------------------- checks
def exists(dry: DryRun, found: object, what: str) -> bool:
    """The ``exists`` check."""
    return dry.check(
        "exists", found is not None, f"The {what} exists." if found else f"No {what} `{dry.key}`."
    )


def may(dry: DryRun, name: str, allowed: bool | None, verb: str) -> bool:
    """A role check from a ``Can…`` flag the server sent with the object (``None``: unsaid)."""
    if allowed is None:
        detail = f"The server does not say whether your role may {verb} it; it checks on write."
    else:
        detail = f"Your role may {verb} it." if allowed else f"Your role may not {verb} it."
    return dry.check(name, allowed is not False, detail)


async def may_create(dry: DryRun, info: Info, entity_set: str, key_field: str) -> bool:
    """``mayCreate`` for jobs, transformations and connections, from one row's ``CanUpdate``.

    Sync sends the caller's ``CanUpdate`` on each row; the permission behind it (edit jobs, edit
    connections) is the one creating needs. One read of one row (``$top=1``); an empty set
    cannot tell, and the check passes saying so.
    """
    client = context_of(info).client
    one = ODataQuery(select=(key_field, "CanUpdate"), top=1)
    rows: Sequence[models.Job | models.Transformation | models.Connection]
    if entity_set == "jobs":
        rows = (await client.jobs.list(one)).items
    elif entity_set == "transformations":
        rows = (await client.transformations.list(one)).items
    else:
        rows = (await client.connections.list(one)).items
    return may(dry, "mayCreate", rows[0].can_update if rows else None, "create")


async def is_admin(info: Info) -> bool | None:
    """Whether the caller holds the admin role, by reading one entry of the request log.

    Users, workspaces and the request log are admin-only writes, and their rows carry no
    ``Can…`` flag; the request log is the one set only admins may read (sync-api.md §2), so a
    read of one entry (``$top=1``) tells without a write. ``None`` when the server has no log.
    """
    try:
        await context_of(info).client.requests.list(ODataQuery(select=("Id",), top=1))
    except UpstreamForbiddenError:
        return False
    except SyncgqlError:
        return None
    return True


async def may_admin(dry: DryRun, info: Info, name: str, verb: str) -> bool:
    """The role check of an admin-only write."""
    return may(dry, name, await is_admin(info), verb)


def cron(dry: DryRun, expression: str | None) -> None:
    """The ``cron`` check of a schedule given in the input (nothing when none is)."""
    if not expression:
        return
    try:
        parse_cron(expression)
    except CronError as exc:
        dry.check("cron", False, f"`{expression}`: {exc}.")
    else:
        dry.check("cron", True, f"`{expression}` is a valid schedule.")


def queries(dry: DryRun, texts: Sequence[str] | None, *, replicate: bool) -> None:
    """The ``queries`` check: job tasks must be ``REPLICATE`` queries, a transformation's SQL.

    The parser is the emulator's (``emulator.taskquery``), the one definition of the forms
    the project knows; a transformation's SQL is only checked for being non-empty.
    """
    if texts is None:
        return
    problems: list[str] = []
    for text in texts:
        try:
            parse_task_query(text) if replicate else check_transformation_query(text)
        except TaskQueryError as exc:
            problems.append(f"{text!r}: {exc}")
    dry.check(
        "queries",
        not problems,
        f"{len(texts)} queries parse." if not problems else " ".join(problems),
    )


# ----------------------------------------------------------------------------- changes
def text_of(value: object) -> str | None:
    """A value as ``FieldChange`` shows it: JSON for lists and booleans, else its text."""
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool | list | tuple):
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    return str(value)


def given(value: object) -> list[tuple[str, str, object]]:
    """``(python name, GraphQL name, value)`` of each field a strawberry input sets."""
    definition = getattr(type(value), "__strawberry_definition__", None)
    if definition is None:
        raise TypeError(f"{type(value).__name__} is not a strawberry input")
    out = []
    for item in definition.fields:
        current = getattr(value, item.python_name)
        if current is not None:
            out.append(
                (item.python_name, item.graphql_name or to_camel_case(item.python_name), current)
            )
    return out


def secret_change(dry: DryRun, field: str, prop: str | None = None) -> None:
    """A secret that differs (or cannot be read to compare): no values."""
    dry.changes.append(
        FieldChange(field=field, property=prop, before=None, after=None, secret=True)
    )


def change_value(dry: DryRun, field: str, before: object, after: object) -> None:
    """One plain (not secret) field's change, or its name in ``unchanged``."""
    was, will = text_of(before), text_of(after)
    if was == will:
        dry.unchanged.append(field)
    else:
        dry.changes.append(
            FieldChange(field=field, property=None, before=was, after=will, secret=False)
        )


def creates(
    dry: DryRun, value: object, secret: frozenset[str] = frozenset(), prefix: str = ""
) -> None:
    """Every field a create would set, as changes from nothing (``prefix``: which of several)."""
    for python_name, name, current in given(value):
        field = prefix + name
        if python_name == "connection_string":
            connection_string_changes(dry, None, str(current))
        elif python_name in secret:
            secret_change(dry, field)
        else:
            dry.changes.append(
                FieldChange(
                    field=field, property=None, before=None, after=text_of(current), secret=False
                )
            )


def diff(
    dry: DryRun,
    value: object,
    today: Callable[[str], object],
    secret: frozenset[str] = frozenset(),
    keys: frozenset[str] = frozenset(),
) -> None:
    """The fields of the update ``value`` that differ from ``today(python name)``.

    Values are compared as ``FieldChange`` shows them (text), so ``5`` and ``"5"`` are equal;
    a secret is compared the same way but shown without values. ``keys`` (fields that name
    the object, e.g. a task's ``jobName``) are skipped.
    """
    for python_name, field, wanted in given(value):
        if python_name in keys:  # what names the object, not a change
            continue
        before = text_of(today(python_name))
        after = text_of(wanted)
        if python_name == "connection_string":
            if not connection_string_changes(
                dry, None if before is None else str(before), str(wanted)
            ):
                dry.unchanged.append(field)
        elif before == after:
            dry.unchanged.append(field)
        elif python_name in secret:
            secret_change(dry, field)
        else:
            dry.changes.append(
                FieldChange(field=field, property=None, before=before, after=after, secret=False)
            )


def connection_string_changes(dry: DryRun, before: str | None, after: str) -> bool:
    """Per-property changes of a connection string; True when any property differs.

    Property names compare case-insensitively (as providers read them). Secret properties
    (``redaction.is_secret_name``) show no values; other values are shown through
    ``redaction.mask_property``, which still scrubs a credential nested in one.
    """
    old = {name.casefold(): (name, value) for name, value in split_connection_string(before or "")}
    new = {name.casefold(): (name, value) for name, value in split_connection_string(after)}
    changed = False
    for key in list(dict.fromkeys([*old, *new])):
        name = (new.get(key) or old[key])[0]
        was = old[key][1] if key in old else None
        will = new[key][1] if key in new else None
        if was == will:
            continue
        changed = True
        if is_secret_name(name):
            secret_change(dry, "connectionString", name)
            continue
        dry.changes.append(
            FieldChange(
                field="connectionString",
                property=name,
                before=None if was is None else mask_property(name, was),
                after=None if will is None else mask_property(name, will),
                secret=False,
            )
        )
    return changed
