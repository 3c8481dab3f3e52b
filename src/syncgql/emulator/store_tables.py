"""How each entity set of ``schema.py`` is laid out in SQLite, and how rows become JSON.

Stored columns carry the wire names of ``schema.py`` (quoted, since ``Index``, ``Table`` and
``User`` are SQL keywords), so an OData property maps one-to-one onto a column and ``$filter`` /
``$orderby`` / ``$select`` compile straight to SQL. Permission flags (``CanUpdate``…) depend on the
caller's role and are computed per request as SQL literals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from syncgql.emulator import schema
from syncgql.emulator.odata import Column
from syncgql.emulator.schema import EntitySet, Property

PERMISSION_FLAGS = ("CanUpdate", "CanRemove", "CanExecute")

_SQL_TYPE = {
    "string": "TEXT",
    "int": "INTEGER",
    "bool": "INTEGER",
    "datetime": "TEXT",
    "float": "REAL",
}


def q(name: str) -> str:
    """Quote an identifier for SQLite."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class TableDef:
    """Storage of one entity set.

    Attributes:
        entity: The schema declaration.
        scoped: Rows belong to a workspace (hidden or visible ``WorkspaceId`` column).
        hidden: Extra stored columns never sent on the wire: ``(name, SQL type)``.
        defaults: Values of omitted fields on create (beyond the per-kind defaults).
        default_order: ``ORDER BY`` used when the caller gives no ``$orderby``.
        tie_breaker: Appended to every ``ORDER BY`` so paging is deterministic.
        nocase_key: The key compares case-insensitively (names are; numeric ids are not).
    """

    entity: EntitySet
    scoped: bool
    hidden: tuple[tuple[str, str], ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    default_order: str = ""
    tie_breaker: str = "rowid"
    nocase_key: bool = True

    @property
    def name(self) -> str:
        """The table name (= the entity set's wire name)."""
        return self.entity.name

    @property
    def output(self) -> tuple[Property, ...]:
        """Properties sent in list/get responses, in wire order."""
        return self.entity.readable

    @property
    def stored(self) -> tuple[Property, ...]:
        """Properties held in columns (readable ones minus the computed permission flags)."""
        return tuple(p for p in self.output if p.name not in PERMISSION_FLAGS)

    def default_for(self, prop: Property) -> object:
        """The value an omitted field gets on create."""
        if prop.name in self.defaults:
            return self.defaults[prop.name]
        kind = prop.kind
        if kind == "datetime":
            return None
        if kind == "bool":
            return False
        if kind in ("int", "float"):
            return 0
        return ""

    def columns(self, flags: Mapping[str, bool]) -> dict[str, Column]:
        """OData columns for ``parse_query_options``; permission flags become literals.

        Cached per flag combination: it is on every GET's path.
        """
        cache_key = (self.name, tuple(sorted(flags.items())))
        cached = _COLUMNS_CACHE.get(cache_key)
        if cached is not None:
            return cached
        cols: dict[str, Column] = {}
        for prop in self.output:
            if prop.name in PERMISSION_FLAGS:
                sql = "1" if flags.get(prop.name, False) else "0"
            else:
                sql = q(prop.name)
            cols[prop.name] = Column(prop.name, sql, prop.kind)
        _COLUMNS_CACHE[cache_key] = cols
        return cols


_COLUMNS_CACHE: dict[tuple[str, tuple[tuple[str, bool], ...]], dict[str, Column]] = {}


def _jobs_defaults() -> dict[str, Any]:
    return {
        "Type": 1,
        "Status": "NEVER_RUN",
        "Verbosity": 2,
        "BatchSize": 1000,
        "UseGmtDateTime": True,
        "AlterSchema": True,
        "ReplicateIntervalUnit": "days",
        "WorkspaceId": "default",
    }


TABLES: Mapping[str, TableDef] = {
    t.name: t
    for t in (
        TableDef(schema.WORKSPACES, scoped=False, default_order='"Name" COLLATE NOCASE'),
        TableDef(schema.JOBS, scoped=True, defaults=_jobs_defaults(), default_order='"JobName"'),
        TableDef(
            schema.TASKS,
            scoped=True,
            default_order='"JobName", "Index"',
            tie_breaker='"TaskId"',
            hidden=(("WorkspaceId", "TEXT"),),
        ),
        TableDef(
            schema.TRANSFORMATIONS,
            scoped=True,
            defaults={
                "TransformationTriggerMode": "None",
                "Status": "NEVER_RUN",
                "Verbosity": 2,
                "Type": "SQL",
                "WorkspaceId": "default",
            },
            default_order='"TransformationName"',
        ),
        TableDef(
            schema.CONNECTIONS,
            scoped=True,
            defaults={
                "ConnectionState": "Untested",
                "Verbosity": 2,
                "LicenseState": "Valid",
                "WorkspaceId": "default",
            },
            default_order='"Name"',
        ),
        TableDef(
            schema.USERS,
            scoped=False,
            defaults={"Roles": "cdata_standard", "Active": True, "LicenseState": "Valid"},
            default_order='CAST("UserId" AS INTEGER)',
            hidden=(("PasswordHash", "TEXT"), ("TokenHash", "TEXT"), ("TokenIssued", "TEXT")),
        ),
        TableDef(
            schema.HISTORY,
            scoped=True,
            default_order='"Id" DESC',
            tie_breaker='"Id" DESC',
            nocase_key=False,
            hidden=(("WorkspaceId", "TEXT"), ("Kind", "TEXT")),
        ),
        TableDef(
            schema.REQUESTS,
            scoped=False,
            default_order="rowid DESC",
            tie_breaker="rowid DESC",
            nocase_key=False,
        ),
        TableDef(schema.CERTIFICATES, scoped=False, default_order='"Name"'),
    )
}


def ddl_statements() -> list[str]:
    """``CREATE TABLE`` statements of every entity set."""
    out = []
    for tdef in TABLES.values():
        key = tdef.entity.key
        cols = []
        for prop in tdef.stored:
            sql_type = _SQL_TYPE[prop.kind]
            extra = ""
            if prop.name == key and tdef.nocase_key:
                extra = " COLLATE NOCASE"
            if prop.name in ("TaskId", "Id") and prop.kind == "int":
                extra = " PRIMARY KEY"
            cols.append(f"{q(prop.name)} {sql_type}{extra}")
        cols.extend(f"{q(n)} {t}" for n, t in tdef.hidden)
        if tdef.name in ("jobs", "transformations", "connections"):
            cols.append(f"UNIQUE (WorkspaceId, {q(key)})")
        elif tdef.name in ("users", "requests", "workspaces", "certificates"):
            cols.append(f"UNIQUE ({q(key)})")
        out.append(f"CREATE TABLE IF NOT EXISTS {q(tdef.name)} ({', '.join(cols)})")
    return out


def added_columns(existing: Callable[[str], set[str]]) -> list[str]:
    """``ALTER TABLE … ADD COLUMN`` for stored properties a data dir made earlier lacks.

    ``existing(table)`` gives the column names a table has now. New optional properties (the
    transformation dbt fields of issue 12) then appear as NULL in old stores instead of failing
    every read of the set.
    """
    out: list[str] = []
    for tdef in TABLES.values():
        have = {c.lower() for c in existing(tdef.name)}
        out.extend(
            f"ALTER TABLE {q(tdef.name)} ADD COLUMN {q(p.name)} {_SQL_TYPE[p.kind]}"
            for p in tdef.stored
            if p.name.lower() not in have
        )
    return out


def select_list(tdef: TableDef, names: Sequence[str], flags: Mapping[str, bool]) -> str:
    """The SQL select list for the given output property names."""
    cols = tdef.columns(flags)
    return ", ".join(cols[n].sql for n in names)


def json_select(tdef: TableDef, names: Sequence[str], flags: Mapping[str, bool]) -> str:
    """An SQL expression building each row's wire JSON object inside SQLite.

    Lists are the hot path (the GET benchmark): SQLite's ``json_object`` writes the row text
    in C, so Python neither builds dicts nor serialises them. Booleans are stored as 0/1 and
    become JSON ``true``/``false`` here; 64-bit ids stay exact integers.
    """
    cols = tdef.columns(flags)
    kinds = {p.name: p.kind for p in tdef.output}
    parts = []
    for n in names:
        sql = cols[n].sql
        if kinds[n] == "bool":
            if sql in ("0", "1"):  # permission flags are literals
                sql = "json('true')" if sql == "1" else "json('false')"
            else:  # json('…') of a constant is the cheapest way to mark a JSON value
                sql = (
                    f"CASE WHEN {sql} THEN json('true') WHEN {sql} IS NULL THEN NULL "
                    "ELSE json('false') END"
                )
        parts.append(f"'{n}', {sql}")
    return f"json_object({', '.join(parts)})"


def row_converter(
    tdef: TableDef, names: Sequence[str]
) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """Build a fast function turning a SQL row into the wire dict for ``names``."""
    kinds = {p.name: p.kind for p in tdef.output}
    bool_idx = [i for i, n in enumerate(names) if kinds[n] == "bool"]
    keys = tuple(names)
    if not bool_idx:
        return lambda row: dict(zip(keys, row, strict=True))

    def convert(row: tuple[Any, ...]) -> dict[str, Any]:
        values = list(row)
        for i in bool_idx:
            if values[i] is not None:
                values[i] = bool(values[i])
        return dict(zip(keys, values, strict=True))

    return convert
