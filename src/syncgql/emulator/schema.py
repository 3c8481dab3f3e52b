"""Declaration of every entity set and action of the CData Sync V1 API the emulator serves.

Built from ``shared/sync-api.md`` §4-§7 and the field lists of ``tests/fixtures/*.json`` (the
fixtures are authoritative for property names and JSON types). Everything else in the emulator
(store columns, body validation, ``$metadata``, ``$select`` checks) reads these declarations, so a
field is named in exactly one place.

Wire names are case-insensitive: look entity sets, actions and properties up with
:func:`entity_set`, :func:`action` and :func:`property_of` rather than indexing by hand.

The module is longer than the usual ~400 lines because it is one declarative table of the whole
wire contract; splitting it would scatter that contract over several files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

EdmType = Literal[
    "Edm.String", "Edm.Int64", "Edm.Int32", "Edm.Boolean", "Edm.DateTimeOffset", "Edm.Double"
]
ValueKind = Literal["string", "int", "bool", "datetime", "float"]

#: How each EDM type is held in SQLite and compared in ``$filter`` (see ``odata.Column.kind``).
EDM_KIND: Final[Mapping[str, ValueKind]] = MappingProxyType(
    {
        "Edm.String": "string",
        "Edm.Int64": "int",
        "Edm.Int32": "int",
        "Edm.Boolean": "bool",
        "Edm.DateTimeOffset": "datetime",
        "Edm.Double": "float",
    }
)


@dataclass(frozen=True)
class Property:
    """One property of an entity, one parameter of an action, or one field of an action's output.

    Attributes:
        name: Canonical wire name (PascalCase, as the fixtures spell it).
        edm: OData primitive type.
        nullable: Whether the value may be JSON ``null``.
        writable: Whether a client may send it in a create/update body (or as an action
            parameter). Server-computed fields (ids, status, permission flags) are not writable.
        secret: The value is a credential; never log it and mask it where the spec says so.
        readable: Whether it appears in read responses. ``False`` for write-only inputs such as a
            user's ``Password`` or a job's ``Query#N`` task list.
        create_only_output: Appears only in the response to the create call (a user's
            ``AuthToken``: shown once, never listed again).
        required: Must be present on create (entity sets) or on invocation (actions).
        collection: Sent as numbered keys ``Name#1``, ``Name#2``… (sync-api.md §3.2); in CSDL a
            ``Collection(...)`` parameter.
    """

    name: str
    edm: EdmType = "Edm.String"
    nullable: bool = True
    writable: bool = True
    secret: bool = False
    readable: bool = True
    create_only_output: bool = False
    required: bool = False
    collection: bool = False

    @property
    def kind(self) -> ValueKind:
        """The value kind used for SQL storage and ``$filter`` comparison."""
        return EDM_KIND[self.edm]


@dataclass(frozen=True)
class EntitySet:
    """An OData entity set such as ``jobs``.

    Attributes:
        name: Lower-case wire name (``"jobs"``); match case-insensitively.
        entity_type: CSDL entity type name (``"Job"``).
        key: The key property addressed by ``set('key')``.
        properties: Every property, readable or write-only, in wire order.
        methods: HTTP methods the set accepts (``GET`` covers list, by-key, ``$count``,
            ``/Prop/$value``).
        description: Notes for people and for ``$metadata`` annotations.
    """

    name: str
    entity_type: str
    key: str
    properties: tuple[Property, ...]
    methods: frozenset[str]
    description: str = ""

    @property
    def readable(self) -> tuple[Property, ...]:
        """Properties returned in list/get responses (excludes write-only and create-only ones)."""
        return tuple(p for p in self.properties if p.readable and not p.create_only_output)

    @property
    def key_property(self) -> Property:
        """The :class:`Property` named by :attr:`key`."""
        found = property_of(self, self.key)
        assert found is not None, f"{self.name}: key {self.key} is not declared"
        return found


@dataclass(frozen=True)
class Action:
    """An unbound OData action invoked as ``POST /api.rsc/<name>``.

    Attributes:
        name: Canonical wire name (``"executeJob"``); the output complex type is
            ``CData.<name>Output``.
        parameters: Body parameters.
        output: Fields of each row of the ``value`` array the action returns.
        description: Notes for people.
    """

    name: str
    parameters: tuple[Property, ...]
    output: tuple[Property, ...]
    description: str = ""

    @property
    def output_type(self) -> str:
        """Name of the CSDL complex type of one output row (``executeJobOutput``)."""
        return f"{self.name}Output"


def _p(name: str, edm: EdmType = "Edm.String", **kw: bool) -> Property:
    return Property(name, edm, **kw)


def _ro(name: str, edm: EdmType = "Edm.String", **kw: bool) -> Property:
    """A read-only (server-computed) property."""
    return Property(name, edm, writable=False, **kw)


_B: Final = "Edm.Boolean"
_I32: Final = "Edm.Int32"
_I64: Final = "Edm.Int64"
_DT: Final = "Edm.DateTimeOffset"

_ALL_METHODS: Final = frozenset({"GET", "POST", "PUT", "DELETE"})

# Write-only task list accepted by job/transformation create and update (`Query#1..n`).
_QUERY_LIST: Final = Property("Query", collection=True, readable=False)

_PERMISSIONS: Final = (_ro("CanUpdate", _B), _ro("CanRemove", _B), _ro("CanExecute", _B))

JOBS: Final = EntitySet(
    name="jobs",
    entity_type="Job",
    key="JobName",
    methods=_ALL_METHODS,
    description="Job configuration (sync-api.md §4.1). A running job cannot be changed or deleted.",
    properties=(
        _ro("JobId", nullable=False),
        _p("JobName", nullable=False, required=True),
        _p("Source"),
        _p("Destination"),
        _p("Type", _I32),
        _p("Scheduled", _B),
        _p("ScheduledCron"),
        _ro("Status"),
        _p("Verbosity", _I32),
        _p("TableNamePrefix"),
        _p("TruncateTableData", _B),
        _p("DropTable", _B),
        _p("BatchSize", _I32),
        _p("CommandTimeout", _I32),
        _p("NotifyWindowsEvent", _B),
        _p("SendEmailNotification", _B),
        _p("NotifyEmailTo"),
        _p("NotifyEmailSubject"),
        _p("EmailErrorOnly", _B),
        _p("UseGmtDateTime", _B),
        _p("AutoTruncateStrings", _B),
        _p("ContinueOnError", _B),
        _p("AlterSchema", _B),
        _p("ReplicateInterval", _I32),
        _p("ReplicateIntervalUnit"),
        _p("ReplicateStartDate"),
        _p("SkipDeleted", _B),
        _p("OtherCacheOptions"),
        _p("CacheSchema"),
        _p("PreJob"),
        _p("PostJob"),
        _p("WorkspaceId"),
        *_PERMISSIONS,
        _QUERY_LIST,
    ),
)

TASKS: Final = EntitySet(
    name="tasks",
    entity_type="Task",
    key="JobName",
    methods=_ALL_METHODS,
    description=(
        "Tasks of jobs and transformations (sync-api.md §4.2). The *addressing* key is JobName: "
        "GET tasks('Job') returns a LIST of that job's tasks, so the key is not unique. One task "
        "is identified by TaskId (64-bit, server-generated): PUT tasks with {JobName, TaskId, ...} "
        "updates it, DELETE tasks?JobName=..&TaskId=.. deletes it. TaskId is therefore not "
        "writable on create but is accepted as the identifier in update/delete bodies."
    ),
    properties=(
        _ro("TaskId", _I64, nullable=False),
        _p("JobName", nullable=False, required=True),
        _ro("JobId"),
        _p("Index", _I32),
        _p("Query"),
        _p("Table"),
        _ro("RowVersion"),
    ),
)

TRANSFORMATIONS: Final = EntitySet(
    name="transformations",
    entity_type="Transformation",
    key="TransformationName",
    methods=_ALL_METHODS,
    description="SQL transformations run on the destination connection (sync-api.md §4.3).",
    properties=(
        _ro("TransformationId", nullable=False),
        _p("TransformationName", nullable=False, required=True),
        _p("Connection", required=True),
        _p("TransformationTriggerMode"),
        _p("TriggerAfterJob"),
        _ro("TriggerAfterJobId"),
        _p("TriggerTasks"),
        _p("ScheduledCron"),
        _ro("Status"),
        _p("Verbosity", _I32),
        _p("CommandTimeout", _I32),
        _p("AutomaticJobRetry", _B),
        _p("SendEmailNotification", _B),
        _p("NotifyEmailTo"),
        _p("NotifyEmailSubject"),
        _p("EmailErrorOnly", _B),
        _p("Type"),
        # dbt settings (sync-api.md §12.1 1.6, names as the MCP client sends them).
        _p("ProjectPath"),
        _p("DBTSchema"),
        _p("Threads", _I32),
        _p("ProjectType"),
        _p("GitRepositoryURL"),
        _p("GitToken", secret=True),
        _p("WorkspaceId"),
        *_PERMISSIONS,
        _QUERY_LIST,
    ),
)

CONNECTIONS: Final = EntitySet(
    name="connections",
    entity_type="Connection",
    key="Name",
    methods=_ALL_METHODS,
    description=(
        "Connections (sync-api.md §5.1). ConnectionString may hold credentials: it is marked "
        "secret so logs and error messages never show it."
    ),
    properties=(
        _p("Name", nullable=False, required=True),
        _p("ProviderName"),
        _ro("ProviderClass"),
        _p("ConnectionString", secret=True),
        _ro("ConnectionState"),
        _ro("LastTested", _DT),
        _ro("CreationTime", _DT),
        _ro("LastModified", _DT),
        _p("Verbosity", _I32),
        _ro("LicenseState"),
        _ro("LicenseMessage"),
        _p("WorkspaceId"),
        _ro("CanUpdate", _B),
        _ro("CanRemove", _B),
    ),
)

_USER_FIELDS: Final = (
    _p("User", nullable=False, required=True),
    _ro("UserId"),
    _p("Roles"),
    _p("Active", _B),
    _p("FederationId"),
    _p("ExpiredIn", _I32),
    _ro("LicenseState"),
    _ro("LicenseMessage"),
)

USERS: Final = EntitySet(
    name="users",
    entity_type="User",
    key="User",
    methods=frozenset({"GET", "POST", "PUT"}),
    description=(
        "API users (sync-api.md §6); no DELETE in V1. Password is write-only and never returned. "
        "AuthToken is returned once, in the response to the create call, and never listed."
    ),
    properties=(
        *_USER_FIELDS,
        Property("Password", secret=True, readable=False),
        _ro("AuthToken", secret=True, create_only_output=True),
    ),
)

HISTORY: Final = EntitySet(
    name="history",
    entity_type="History",
    key="Id",
    methods=frozenset({"GET"}),
    description="One row per finished or running run (sync-api.md §4.8). Runtime in milliseconds.",
    properties=(
        _ro("Id", _I64, nullable=False),
        _ro("JobId"),
        _ro("JobName"),
        _ro("RunStartDate", _DT),
        _ro("Status"),
        _ro("Details"),
        _ro("Runtime", _I64),
        _ro("RecordsAffected", _I64),
        _ro("LogFile"),
        _ro("InstanceId"),
    ),
)

REQUESTS: Final = EntitySet(
    name="requests",
    entity_type="Request",
    key="Id",
    methods=frozenset({"GET", "DELETE"}),
    description="The API access log: every call is recorded (sync-api.md §7).",
    properties=(
        _ro("Id", nullable=False),
        _ro("Timestamp", _DT),
        _ro("URL"),
        _ro("Method"),
        _ro("User"),
        _ro("RemoteIP"),
        _ro("Status", _I32),
        _ro("Error"),
    ),
)

WORKSPACES: Final = EntitySet(
    name="workspaces",
    entity_type="Workspace",
    key="Id",
    methods=_ALL_METHODS,
    description=(
        "Workspaces (sync-api.md §7). The default workspace has Id 'default', Name 'Default'. "
        "Clients address a workspace by Id or by Name (workspaces('Finance'), ?workspaceId=)."
    ),
    properties=(_ro("Id", nullable=False), _p("Name", nullable=False, required=True)),
)

CERTIFICATES: Final = EntitySet(
    name="certificates",
    entity_type="Certificate",
    key="Name",
    methods=frozenset({"GET", "POST"}),
    description=(
        "Trusted certificates (sync-api.md §12, fields of the MCP client's CertificateInfo). "
        "POST {Name, Data (base64), StoreType}; the rest is read from the certificate. Data is "
        "write-only (a PFX would hold a private key). ExpirationDays counts whole days from now."
    ),
    properties=(
        _p("Name", nullable=False, required=True),
        Property("Data", secret=True, readable=False, required=True),
        _p("StoreType", required=True),
        _ro("Subject"),
        _ro("Issuer"),
        _ro("IssuedTo"),
        _ro("IssuedBy"),
        _ro("EffectiveDate", _DT),
        _ro("ExpirationDate", _DT),
        _ro("ExpirationDays", _I32),
        _ro("Serialnumber"),
        _ro("Thumbprint"),
        _ro("Keysize"),
        _ro("SignatureAlgorithm"),
        _ro("ConnectorIds"),
    ),
)

ENTITY_SETS: Final[Mapping[str, EntitySet]] = MappingProxyType(
    {
        s.name: s
        for s in (
            JOBS,
            TASKS,
            TRANSFORMATIONS,
            CONNECTIONS,
            USERS,
            HISTORY,
            REQUESTS,
            WORKSPACES,
            CERTIFICATES,
        )
    }
)

# ---------------------------------------------------------------- actions

_JOB_REF: Final = (_p("JobName"), _p("JobId"))  # one of the two is required; the handler checks
_WORKSPACE: Final = _p("WorkspaceId")

_RUN_OUTPUT: Final = (
    _ro("JobName"),
    _ro("Status"),
    _ro("Query"),
    _ro("Result"),
    _ro("Detail"),
    _ro("RunStartDate", _DT),
    _ro("RunId", _I64),
)

EXECUTE_JOB: Final = Action(
    name="executeJob",
    description=(
        "Run a job or a transformation (§4.4). WaitForResults defaults to true; Timeout in "
        "seconds, 0 = none. ExecutionType/Async are the legacy (≤21.x) spellings."
    ),
    parameters=(
        *_JOB_REF,
        _p("WaitForResults", _B),
        _p("Timeout", _I32),
        _WORKSPACE,
        _p("ExecutionType"),
        _p("Async", _B),
    ),
    output=_RUN_OUTPUT,
)

EXECUTE_QUERY: Final = Action(
    name="executeQuery",
    description="Run some of a job's task queries (§4.5); each Query#N must match a task.",
    parameters=(
        *_JOB_REF,
        Property("Query", required=True, collection=True),
        _p("WaitForResults", _B),
        _p("Timeout", _I32),
        _WORKSPACE,
    ),
    output=_RUN_OUTPUT,
)

CANCEL_JOB: Final = Action(
    name="cancelJob",
    description="Cancel a running job at the next batch boundary (§4.7).",
    parameters=(*_JOB_REF, _WORKSPACE),
    output=(_ro("JobName"), _ro("Status"), _ro("Detail")),
)

GET_JOB_STATUS: Final = Action(
    name="getJobStatus",
    description=(
        "Status of all jobs (empty body) or of one job, plus one row per task query when "
        "PushOnQuery is true (§4.6, §11)."
    ),
    parameters=(*_JOB_REF, _p("PushOnQuery", _B), _WORKSPACE),
    output=(
        _ro("JobName"),
        _ro("JobId"),
        _ro("Status"),
        _ro("Query"),
        _ro("Detail"),
        _ro("RunStartDate", _DT),
        _ro("RecordsAffected", _I64),
        _ro("RunId", _I64),
    ),
)

GET_JOB_LOG: Final = Action(
    name="getJobLog",
    description="Logs of a job's runs of the last Days days (default 1), or of one RunId (§4.9).",
    parameters=(*_JOB_REF, _p("Days", _I32), _p("RunId", _I64), _WORKSPACE),
    output=(
        _ro("JobName"),
        _ro("RunId", _I64),
        _ro("RunStartDate", _DT),
        _ro("LogFile"),
        _ro("Content"),
    ),
)

TEST_CONNECTION: Final = Action(
    name="testConnection",
    description="Test a stored connection; a failing test is a FAILED row, not an HTTP error.",
    parameters=(
        _p("ConnectionName", required=True),
        _p("ProviderName"),
        _p("Verbosity", _I32),
        _WORKSPACE,
    ),
    output=(_ro("ConnectionName"), _ro("Status"), _ro("Detail")),
)

GET_CONNECTION_TABLES: Final = Action(
    name="getConnectionTables",
    description="Tables (and/or views) of a connection (§5.3).",
    parameters=(
        _p("ConnectionName", required=True),
        _p("TableOrView"),
        _p("Schema"),
        _p("IncludeCatalog", _B),
        _p("IncludeSchema", _B),
        _p("TopTable", _I32),
        _p("SkipTable", _I32),
        _WORKSPACE,
    ),
    output=(_ro("TableName"), _ro("Schema"), _ro("Catalog"), _ro("TableType")),
)

GET_CONNECTION_TABLE_COLUMNS: Final = Action(
    name="getConnectionTableColumns",
    description="Columns of one table of a connection (§5.4).",
    parameters=(_p("ConnectionName", required=True), _p("Table", required=True), _WORKSPACE),
    output=(
        _ro("ColumnName"),
        _ro("DataType"),
        _ro("IsNullable", _B),
        _ro("MaxLength", _I32),
        _ro("Precision", _I32),
        _ro("Scale", _I32),
        _ro("IsPrimaryKey", _B),
        _ro("IsForeignKey", _B),
        _ro("DefaultValue"),
    ),
)

GET_ADDING_TABLES_FOR_JOB: Final = Action(
    name="getAddingTablesForJob",
    description=(
        "Tables of a connection not yet replicated by a job (MCP client only, §12.1 1.7): the "
        "getConnectionTables options, minus the job's task source tables, then TopTable/SkipTable."
    ),
    parameters=(
        _p("ConnectionName", required=True),
        *_JOB_REF,
        _p("TableOrView"),
        _p("Schema"),
        _p("IncludeCatalog", _B),
        _p("IncludeSchema", _B),
        _p("TopTable", _I32),
        _p("SkipTable", _I32),
        _WORKSPACE,
    ),
    output=(_ro("TableName"), _ro("Schema"), _ro("Catalog"), _ro("TableType")),
)

CREATE_USERS: Final = Action(
    name="createUsers",
    description=(
        "Create several users from numbered keys User#N, Password#N, Roles#N, FederationId#N, "
        "Active#N (§6). Each output row carries the new user's AuthToken, shown only here."
    ),
    parameters=(
        Property("User", required=True, collection=True),
        Property("Password", secret=True, collection=True),
        Property("Roles", collection=True),
        Property("FederationId", collection=True),
        Property("Active", "Edm.Boolean", collection=True),
        _WORKSPACE,
    ),
    output=(*_USER_FIELDS, _ro("AuthToken", secret=True)),
)

ACTIONS: Final[Mapping[str, Action]] = MappingProxyType(
    {
        "executejob": EXECUTE_JOB,
        "executequery": EXECUTE_QUERY,
        "canceljob": CANCEL_JOB,
        "getjobstatus": GET_JOB_STATUS,
        "getjoblog": GET_JOB_LOG,
        # The MCP client calls the log action `getlogs` (§4.9): same action, second name.
        "getlogs": GET_JOB_LOG,
        "testconnection": TEST_CONNECTION,
        "getconnectiontables": GET_CONNECTION_TABLES,
        "getconnectiontablecolumns": GET_CONNECTION_TABLE_COLUMNS,
        "getaddingtablesforjob": GET_ADDING_TABLES_FOR_JOB,
        "createusers": CREATE_USERS,
    }
)

#: Wire names under which each action is invoked (``getJobLog`` has the alias ``getlogs``).
ACTION_IMPORT_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "executejob": "executeJob",
        "executequery": "executeQuery",
        "canceljob": "cancelJob",
        "getjobstatus": "getJobStatus",
        "getjoblog": "getJobLog",
        "getlogs": "getlogs",
        "testconnection": "testConnection",
        "getconnectiontables": "getConnectionTables",
        "getconnectiontablecolumns": "getConnectionTableColumns",
        "getaddingtablesforjob": "getAddingTablesForJob",
        "createusers": "createUsers",
    }
)


def entity_set(name_any_case: str) -> EntitySet | None:
    """Return the entity set whose wire name matches case-insensitively, or ``None``."""
    return ENTITY_SETS.get(name_any_case.lower())


def action(name_any_case: str) -> Action | None:
    """Return the action whose wire name (or alias) matches case-insensitively, or ``None``."""
    return ACTIONS.get(name_any_case.lower())


def _find(props: tuple[Property, ...], name_any_case: str) -> Property | None:
    wanted = name_any_case.lower()
    for prop in props:
        if prop.name.lower() == wanted:
            return prop
    return None


def property_of(entity_set: EntitySet, name_any_case: str) -> Property | None:
    """Return the property of ``entity_set`` named ``name_any_case`` (case-insensitive).

    Write-only and create-only properties are found too; check :attr:`Property.readable` before
    exposing one.
    """
    return _find(entity_set.properties, name_any_case)


def parameter_of(action: Action, name_any_case: str) -> Property | None:
    """Return the parameter of ``action`` named ``name_any_case`` (case-insensitive).

    A numbered key such as ``Query#2`` matches the collection parameter ``Query``.
    """
    base, sep, index = name_any_case.partition("#")
    found = _find(action.parameters, base)
    if found is None:
        return None
    if sep and not (found.collection and index.isdigit() and int(index) >= 1):
        return None
    return found
