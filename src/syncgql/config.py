"""Settings of the gateway: every setting declared once, as a field of :class:`Settings`.

A field's declaration is its whole story: name, type, default, help text, and (when the type
alone does not say it) how its text is parsed and what values are allowed. From it come the
``syncgql serve`` flag (``--name-with-dashes``), the environment variable (``SYNCGQL_<NAME>``),
the validation at start and the ``--help`` line (see :mod:`syncgql.serve`). A flag given on the
command line wins over the environment. Settings are a frozen dataclass: nothing reads the
environment after start, and there are no module-level globals.

Adding a setting (one line is enough)::

    log_action: str = "getJobLog"                       # plain: flag, env and parser from the type
    log_action: str = setting("getJobLog", "name of the job-log action")   # with its help text
    pool: int = setting(50, "connections to Sync", check=at_least(1))      # with a check

A plain dataclass field works: the flag, the variable and the parser follow from its name and
type (``str``, ``int``, ``float``, ``bool``, ``Path``, a ``StrEnum``, ``Secret``,
``tuple[str, ...]``, each optionally ``| None``); give :func:`setting` for help text, a check
or a custom parser. Checks that involve several fields go in :meth:`Settings.validate`. Other
modules' defaults (``Timeouts``, ``OperationLimits``, ``InputLimits``) read these fields'
defaults as class attributes (``Settings.max_depth``), so each default lives only here.

(Over 400 lines because it is the one declaration table of every setting; the machinery that
turns it into flags and variables is the small part at the end.)
"""

from __future__ import annotations

import base64
import ipaddress
import math
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from datetime import UTC, timedelta, timezone, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncgql.errors import ConfigError

_T = TypeVar("_T")
SPEC_KEY = "syncgql.setting"
"""Key of a field's :class:`SettingSpec` in its dataclass ``metadata``."""

Check = Callable[[Any], "str | None"]
"""Returns what is wrong with a parsed value (``"must be at least 1"``), or None when it is fine."""


class Secret:
    """A string that never shows itself in ``repr``/``str``, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret text; call only where it is sent on."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class AuthMode(StrEnum):
    """Which credentials the gateway sends upstream for a GraphQL request."""

    SERVICE = "service"
    """Always the configured service credentials."""
    FORWARD = "forward"
    """Always the caller's own ``x-cdata-authtoken`` / Basic credentials; none → 401."""
    FORWARD_OR_SERVICE = "forward-or-service"
    """The caller's credentials when sent, else the service credentials."""


class Profile(StrEnum):
    """A preset of secure-by-default switches."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """Everything about one setting that its type and default do not say.

    Attributes:
        help: the ``--help`` text, without the default (added from the field's default).
        group: the ``--help`` section.
        parse: text → value; raise ``ValueError`` saying what was expected. Default: by type.
        check: what is wrong with a parsed value, or None (see :data:`Check`).
        flag: the flag, default ``--<name-with-dashes>``.
        env: the environment variable, default ``SYNCGQL_<NAME>``.
        default_help: how the default reads in ``--help`` when the value alone says too little.
        secret: the value never appears in ``repr``, errors or ``--help``.
    """

    help: str = ""
    group: str = "other"
    parse: Callable[[str], Any] | None = None
    check: Check | None = None
    flag: str | None = None
    env: str | None = None
    default_help: str | None = None
    secret: bool = False


def setting(
    default: _T,
    help: str,
    group: str = "other",
    *,
    parse: Callable[[str], Any] | None = None,
    check: Check | None = None,
    flag: str | None = None,
    env: str | None = None,
    default_help: str | None = None,
    secret: bool = False,
) -> _T:
    """Declare a :class:`Settings` field with its help, parser and check (see the module doc)."""
    spec = SettingSpec(help, group, parse, check, flag, env, default_help, secret)
    made: _T = field(default=default, repr=not secret, metadata={SPEC_KEY: spec})
    return made


# ---------------------------------------------------------------- checks


def at_least(low: float) -> Check:
    """The value (when set) is ``>= low``."""
    return lambda v: None if v is None or v >= low else f"must be at least {low:g}"


def positive(v: float | None) -> str | None:
    """The value (when set) is ``> 0``."""
    return None if v is None or v > 0 else "must be a positive number"


def between(low: int, high: int) -> Check:
    """The value (when set) is within ``low..high``."""
    return lambda v: None if v is None or low <= v <= high else f"must be between {low} and {high}"


def one_of(*allowed: str) -> Check:
    """The value is one of ``allowed``."""
    return lambda v: None if v in allowed else f"must be one of {', '.join(allowed)}"


_HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?)+$", re.I)


def _allow_entries(entries: tuple[str, ...]) -> str | None:
    """Each entry is an address, a CIDR network or a host name."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            if not _HOST_NAME.match(entry.strip()):
                return f"has {entry!r}, neither an address, a CIDR network nor a host name"
    return None


def _database_url_problem(v: str | None) -> str | None:
    """Only the two databases the store speaks (the full parse happens when it opens)."""
    if v is None or re.match(r"(postgres|postgresql|sqlite)(\+\w+)?://", v):
        return None
    return "must be a postgresql://user:password@host:5432/db or sqlite:///path URL"


def _fernet_keys_problem(v: Secret | None) -> str | None:
    """Each comma-separated entry must be a Fernet key: url-safe base64 of 32 bytes."""
    if v is None:
        return None
    keys = [key.strip() for key in v.reveal().split(",")]
    for number, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii")) if len(key) == 44 else b""
        except (ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32:
            return (
                f"key {number} of {len(keys)} is not a Fernet key (44 characters of url-safe "
                "base64); make one with `syncgql generate-secret-key`"
            )
    return None


def _existing_file(v: Path | None) -> str | None:
    return None if v is None or v.is_file() else "must name an existing file (a PEM CA bundle)"


@dataclass(frozen=True)
class Settings:
    """Everything the gateway needs to start; see ``syncgql serve --help``."""

    # --- where it listens
    host: str = setting("127.0.0.1", "address to listen on", group="server")
    port: int = setting(8000, "port to listen on", group="server", check=between(1, 65535))
    workers: int = setting(
        1, "worker processes (needs --upstream)", group="server", check=at_least(1)
    )
    data_dir: Path = setting(
        Path(".syncgql"),
        "where the gateway keeps its data: the SQLite database (without --database-url) and "
        "the embedded emulator's",
        group="server",
        default_help="./.syncgql",
    )
    profile: Profile = setting(
        Profile.DEVELOPMENT,
        "development (GraphiQL, introspection on) or production (both off unless enabled)",
        group="server",
    )
    introspection: bool | None = setting(
        None,
        "allow schema introspection and field suggestions",
        group="server",
        default_help="on in development, off in production",
    )
    graphiql: bool | None = setting(
        None,
        "serve GraphiQL at /graphiql",
        group="server",
        default_help="on in development, off in production",
    )
    cors_origins: tuple[str, ...] = setting(
        (), "comma-separated origins allowed to call from browsers", group="server"
    )
    metrics: bool = setting(True, "serve Prometheus metrics at /metrics", group="server")
    compiled_plans: bool = setting(
        True,
        "run queries by plans compiled once per document (issue 11) instead of graphql-core's "
        "field-by-field walk; off runs every operation in graphql-core (same answers)",
        group="server",
    )
    explain_plans: bool = setting(
        False,
        "add extensions.plan (the upstream calls with their OData options, compiled or not) to "
        "every response; without it a caller asks per request with X-Syncgql-Explain: plan",
        group="server",
    )
    log_level: str = setting(
        "info",
        "debug, info, warning, error or critical",
        group="server",
        parse=str.lower,
        check=one_of("debug", "info", "warning", "error", "critical"),
    )
    log_format: str = setting(
        "json",
        "json (one object per line, with request_id) or text",
        group="server",
        check=one_of("json", "text"),
    )
    # --- the upstream (CData Sync)
    upstream_url: str | None = setting(
        None,
        "CData Sync service root, e.g. http://host:8181/api.rsc/",
        group="upstream",
        flag="--upstream",
        env="SYNCGQL_UPSTREAM_URL",
        default_help="the embedded emulator",
    )
    token: Secret | None = setting(
        None,
        "service auth token sent as x-cdata-authtoken; the job-status poller behind "
        "subscriptions uses it, so --upstream needs it (or --user/--password) in every --auth mode",
        group="upstream",
        secret=True,
    )
    user: str | None = setting(None, "service user for HTTP Basic (with --password)", "upstream")
    password: Secret | None = setting(
        None, "password or auth token of --user", group="upstream", secret=True
    )
    auth: AuthMode = setting(
        AuthMode.FORWARD_OR_SERVICE,
        "whose credentials go upstream: service, forward (the caller's own), or forward-or-service",
        group="upstream",
    )
    workspace: str | None = setting(
        None, "CData Sync workspace id or name to scope every call to", group="upstream"
    )
    tls_verify: bool = setting(
        True,
        "verify the upstream's TLS certificate (off only for a test server you trust)",
        group="upstream",
    )
    ca_bundle: Path | None = setting(
        None,
        "PEM file of the CA certificates that sign the upstream's certificate (a private CA), "
        "used instead of the system's",
        group="upstream",
        check=_existing_file,
        default_help="the system's CA certificates",
    )
    upstream_pool_size: int = setting(
        50,
        "connections to the upstream per process; also caps its upstream calls in flight",
        group="upstream",
        check=at_least(1),
    )
    connect_timeout: float = setting(
        2.0, "seconds to connect to the upstream", group="upstream", check=positive
    )
    read_timeout: float = setting(
        10.0, "seconds to wait for the upstream's response", group="upstream", check=positive
    )
    request_timeout: float = setting(
        15.0,
        "seconds one upstream call may take, retries included",
        group="upstream",
        check=positive,
    )
    history_filter_reprobe: float = setting(
        60.0,
        "seconds before history filtering is tried on the server again after it failed there "
        "(doubles after each failed try, up to 15 minutes)",
        group="upstream",
        check=positive,
    )
    max_upstream_calls: int = setting(
        50,
        "upstream calls one query or mutation may make before it stops with the error "
        "code UPSTREAM_BUDGET_EXCEEDED",
        group="upstream",
        check=at_least(1),
    )
    max_calls_per_caller: int = setting(
        8,
        "upstream calls one caller (credential hash, else address) may have in flight; the "
        "rest queue behind its own; 0 turns it off",
        group="upstream",
        check=at_least(0),
    )
    # --- events and subscriptions
    redis_url: str | None = setting(
        None, "Redis for fan-out and polling leases across replicas", group="events", secret=True
    )
    poll_interval: float = setting(
        1.0, "seconds between job-status polls while runs are active", "events", check=positive
    )
    idle_poll_interval: float = setting(
        15.0, "seconds between job-status polls while nothing runs", "events", check=positive
    )
    running_poll_interval: float = setting(
        0.2,
        "seconds between status reads of each watched running job, so a run's end reaches "
        "subscribers within a fraction of a second (one small getJobStatus per such job and "
        "interval); 0 turns them off",
        "events",
        check=at_least(0),
    )
    running_poll_max_jobs: int = setting(
        4,
        "watched running jobs read one by one between polls; with more, one full status "
        "poll per --running-poll-interval answers for all",
        "events",
        check=at_least(1),
    )
    progress_event_interval: float = setting(
        1.0,
        "seconds between two progress events (new row counts of a running job) of one job "
        "on jobStatusChanged(progress: true); transitions are sent at once, and the newest "
        "rows held back are sent when the interval has passed; 0 sends every poll's",
        "events",
        check=at_least(0),
    )
    ws_credential_recheck: float = setting(
        10.0,
        "seconds between checks of an open WebSocket's credentials with Sync (one call per "
        "credential, shared by its sockets); a revoked one closes them with 4403",
        group="events",
        check=positive,
    )
    # --- durable state (issue 14): the gateway's own database
    database_url: str | None = setting(
        None,
        "PostgreSQL the replicas share (postgresql://user:password@host:5432/db), or "
        "sqlite:///path; holds the audit log and idempotency keys",
        group="storage",
        secret=True,
        check=_database_url_problem,
        default_help="SQLite file syncgql.db in --data-dir",
    )
    secret_key: Secret | None = setting(
        None,
        "comma-separated Fernet keys that encrypt secrets at rest (webhook secrets and URLs, "
        "stored idempotent answers) in the database: the first encrypts, every one decrypts "
        "(to rotate, put a new key first and keep the old ones for --idempotency-ttl: starts "
        "re-encrypt webhooks, stored answers expire); required in production and with a "
        "PostgreSQL --database-url (every "
        "replica the same); make one with `syncgql generate-secret-key`",
        group="storage",
        secret=True,
        check=_fernet_keys_problem,
        default_help="development: generated once into secret.key (0600) in --data-dir",
    )
    audit_retention_days: float = setting(
        90.0, "days audit-log rows are kept; older ones are deleted", "storage", check=positive
    )
    idempotency_ttl: float = setting(
        86_400.0,
        "seconds an idempotencyKey's first answer is replayed for the same caller and mutation",
        group="storage",
        check=positive,
    )
    # --- per-caller rate limit
    rate_limit: float | None = setting(
        None,
        "requests per second per caller (credential hash, else client address); 0 turns it "
        "off; shared through --redis-url",
        group="clients",
        check=at_least(0),
        default_help="off in development, 20 in production",
    )
    rate_burst: int | None = setting(
        None, "bucket size of --rate-limit", "clients", check=at_least(1), default_help="2 x rate"
    )
    # --- slow clients and shutdown
    header_timeout: float = setting(
        10.0,
        "seconds a client gets to send a request head, from its first byte; 0 off",
        group="clients",
        check=at_least(0),
    )
    body_timeout: float = setting(
        30.0,
        "seconds a client gets to send a request body after its head; 0 off",
        group="clients",
        check=at_least(0),
    )
    keep_alive_timeout: float = setting(
        5.0, "seconds an idle keep-alive connection stays open", "clients", check=positive
    )
    max_connections: int = setting(
        1000,
        "open connections and requests per process; more get 503",
        group="clients",
        check=at_least(1),
    )
    shutdown_timeout: float = setting(
        10.0, "seconds in-flight requests get to finish on shutdown", "clients", check=positive
    )
    shutdown_delay: float = setting(
        0.0,
        "seconds to keep serving with /readyz at 503 before shutting down, so load balancers "
        "stop routing here first",
        group="clients",
        check=at_least(0),
    )
    # --- persisted operations and subscriptions over HTTP streams (issue 15)
    persisted_queries: bool = setting(
        True,
        "accept Apollo's automatic persisted queries (documents registered by hash)",
        group="clients",
    )
    persisted_query_cache: int = setting(
        1000,
        "persisted documents kept per process (Redis shares them across replicas)",
        group="clients",
        check=at_least(1),
    )
    trusted_documents: str | None = setting(
        None,
        "run only the operations of this JSON manifest (GraphQL Code Generator's "
        "persisted-documents.json: hash -> document)",
        group="clients",
    )
    max_streams_per_caller: int = setting(
        20,
        "SSE/multipart subscription streams one caller may hold open; 0: no cap",
        group="clients",
        check=at_least(0),
    )
    await_run_max_seconds: int = setting(
        30,
        "longest wait of one awaitRun long poll (a larger timeoutSeconds waits this long); "
        "keep it below the idle timeout of proxies in front of the gateway",
        group="clients",
        check=at_least(1),
    )
    # --- operation limits (syncgql.graphql.limits, input_limits; the request body)
    max_document_bytes: int = setting(
        100_000, "UTF-8 size of a GraphQL document", "limits", check=at_least(1)
    )
    max_request_bytes: int | None = setting(
        None,
        "size of an HTTP request body (document plus variables); larger gets 413",
        group="limits",
        check=at_least(1),
        default_help="--max-document-bytes + 65536",
    )
    max_ws_message_bytes: int = setting(
        65_536, "size of one WebSocket message", "limits", check=at_least(1024)
    )
    max_tokens: int = setting(
        2000, "lexical tokens (comments included) of a document", "limits", check=at_least(1)
    )
    max_depth: int = setting(
        12, "deepest field nesting (introspection exempt)", "limits", check=at_least(1)
    )
    max_aliases: int = setting(
        30, "aliased fields in an operation, fragments expanded", "limits", check=at_least(0)
    )
    max_directives_per_field: int = setting(
        5, "directives on one field, spread or fragment", "limits", check=at_least(0)
    )
    max_directives: int = setting(
        50, "directives in an operation, fragments expanded", "limits", check=at_least(0)
    )
    max_root_fields: int = setting(
        10, "top-level fields of an operation", "limits", check=at_least(1)
    )
    max_cost: int = setting(
        10_000,
        "estimated cost of an operation (QUERY_TOO_COSTLY above; the 100-job dashboard "
        "costs about 1,900)",
        group="limits",
        check=at_least(1),
    )
    max_first: int = setting(
        100,
        "largest page size (first/last) of a list; at most 1000",
        group="limits",
        check=between(1, 1000),
    )
    max_batch_operations: int = setting(
        1,
        "operations per array-batched HTTP request; 1 turns batching off",
        group="limits",
        check=at_least(1),
    )
    max_action_mutations: int = setting(
        1, "action mutations (executeJob...) per operation", "limits", check=at_least(0)
    )
    max_subscriptions_per_connection: int = setting(
        20, "subscriptions open on one WebSocket", "limits", check=at_least(1)
    )
    max_nesting: int = setting(
        64,
        "structural nesting (fields, fragments) beyond which analysis stops",
        group="limits",
        check=at_least(1),
    )
    overlap_complexity_budget: int = setting(
        20_000,
        "work budget of the overlapping-fields validation rule",
        group="limits",
        check=at_least(1),
    )
    max_variables: int = setting(50, "variables of an operation", "limits", check=at_least(0))
    max_input_nodes: int = setting(
        1_000, "values in an operation's inputs, all together", "limits", check=at_least(1)
    )
    max_list_items: int = setting(100, "items of one input list", "limits", check=at_least(1))
    max_input_depth: int = setting(16, "nesting of one input value", "limits", check=at_least(1))
    max_string_length: int = setting(
        32_768, "characters of one input string", "limits", check=at_least(1)
    )
    max_key_length: int = setting(
        128, "characters of one input object key", "limits", check=at_least(1)
    )
    # --- server variants (issue 12): what other Sync generations send, and the in-flight cap
    upstream_max_in_flight: int = setting(
        16,
        "upstream calls this process has in flight at once; the rest queue (Sync answers 429 "
        "to too many concurrent requests); 0 turns it off",
        group="upstream",
        check=at_least(0),
    )
    upstream_job_type_form: str = setting(
        "auto",
        "how job Type is written: auto (the form the server sends), name or number",
        group="upstream",
        check=one_of("auto", "name", "number"),
    )
    upstream_log_action: str = setting(
        "auto",
        "job-log action: auto (getJobLog, falling back to getlogs once), getJobLog or getlogs",
        group="upstream",
        check=one_of("auto", "getJobLog", "getlogs"),
    )
    upstream_time_zone: str = setting(
        "UTC",
        "zone of date-times Sync sends without an offset: UTC, -05:00 or an IANA name",
        group="upstream",
        check=lambda v: _zone_problem(v),
    )
    emulator_variants: tuple[str, ...] = setting(
        (),
        "comma-separated variant modes of the embedded emulator (see syncgql emulator --help)",
        group="server",
        # Checked against the emulator's own table when the app is built (config sits below
        # upstream, which must not reach the emulator).
    )

    # --- job health (issue 13): thresholds of Job.health (syncgql.insight.health.Thresholds
    # reads each health_<name>); the schema's FindingKind description states the defaults.
    health_window_days: float = setting(
        14.0,
        "days of history that health, stats and runSeries read (one batch per page of jobs); "
        "at most 366",
        group="health",
        check=lambda v: None if 0 < v <= 366 else "must be above 0 and at most 366",
    )
    health_history_max_rows: int = setting(
        5000,
        "most history rows one page of jobs reads for health; the oldest runs fall off beyond it",
        group="health",
        check=at_least(1),
    )
    health_zero_row_streak: int = setting(
        3,
        "successful runs in a row that moved no rows before ZERO_ROWS is reported",
        group="health",
        check=at_least(1),
    )
    health_failure_streak: int = setting(
        2,
        "failed runs in a row that make FAILURE_STREAK a FAILING finding (fewer: WARNING)",
        group="health",
        check=at_least(1),
    )
    health_stale_missed_runs: int = setting(
        2,
        "scheduled times passed since the last success before STALE is reported",
        group="health",
        check=at_least(1),
    )
    health_stale_grace_seconds: float = setting(
        300.0,
        "seconds within which a scheduled time does not count as missed yet (the run may be "
        "starting)",
        group="health",
        check=at_least(0),
    )
    health_slow_factor: float = setting(
        2.0,
        "SLOW when the last runtime exceeds both the p95 and this many times the median",
        group="health",
        check=positive,
    )
    health_min_runs: int = setting(
        5,
        "earlier runs needed as a baseline before SLOW, RELOAD or STUCK-by-p95 are judged",
        group="health",
        check=at_least(1),
    )
    health_baseline_runs: int = setting(
        50,
        "most earlier runs the baseline (median, p95) is drawn from",
        group="health",
        check=at_least(1),
    )
    health_stuck_factor: float = setting(
        3.0,
        "STUCK when a run is older than this many times the p95 runtime (see "
        "--health-stuck-min-seconds)",
        group="health",
        check=positive,
    )
    health_stuck_min_seconds: float = setting(
        300.0,
        "seconds a run must be running before STUCK is reported by the p95 rule",
        group="health",
        check=at_least(0),
    )
    health_stuck_seconds: float = setting(
        3600.0,
        "seconds running after which a job without enough baseline for a p95 is STUCK",
        group="health",
        check=positive,
    )
    health_reload_factor: float = setting(
        10.0,
        "RELOAD when an incremental job moves more than this many times its median rows",
        group="health",
        check=positive,
    )
    health_no_progress_seconds: float = setting(
        1800.0,
        "NO_PROGRESS when a running run's rows (as Sync reports them) stay still this long; "
        "judged from its history row and the status watcher, no extra upstream call",
        group="health",
        check=positive,
    )
    health_starting_seconds: float = setting(
        600.0,
        "STUCK_STARTING when a run stays queued or starting (Queued, Starting, Testing) this long",
        group="health",
        check=positive,
    )
    health_cdc_stall_seconds: float = setting(
        21600.0,
        "CDC_STALLED when a change-data-capture job's successful runs moved no rows this long",
        group="health",
        check=positive,
    )
    health_cdc_stall_runs: int = setting(
        2,
        "successful zero-row runs in a row a CDC job needs before CDC_STALLED is judged",
        group="health",
        check=at_least(1),
    )
    health_certificate_days: int = setting(
        30,
        "CERTIFICATE_EXPIRING when a certificate a job's connection uses expires within this many "
        "days (also healthSummary.expiringCertificates)",
        group="health",
        check=at_least(0),
    )

    # --- webhooks (issue 14)
    webhook_allow: tuple[str, ...] = setting(
        (),
        "comma-separated hosts, addresses or CIDR networks webhooks may reach although they are "
        "not public (loopback, private, link-local…), e.g. 10.0.0.0/8,hooks.internal",
        group="webhooks",
        check=_allow_entries,
    )
    webhook_max_attempts: int = setting(
        8, "attempts of one webhook delivery before it is FAILED", "webhooks", check=at_least(1)
    )
    webhook_backoff: float = setting(
        5.0,
        "seconds before a failed delivery's second attempt; doubles per attempt, with jitter",
        group="webhooks",
        check=positive,
    )
    webhook_backoff_max: float = setting(
        600.0, "longest wait between two attempts of a delivery", "webhooks", check=positive
    )
    webhook_timeout: float = setting(
        10.0, "seconds one delivery attempt may take", "webhooks", check=positive
    )
    webhook_retention_days: float = setting(
        30.0,
        "days finished webhook deliveries (delivered or failed) and their attempts are kept; "
        "older ones are deleted (hourly); pending ones are kept whatever their age",
        group="webhooks",
        check=positive,
    )
    webhook_lease: float = setting(
        60.0,
        "seconds a replica holds a claimed delivery; another replica retries it after that if "
        "the first died (must exceed --webhook-timeout)",
        group="webhooks",
        check=positive,
    )

    @property
    def upstream_zone(self) -> tzinfo:
        """``upstream_time_zone`` as a ``tzinfo`` (validated at start)."""
        return _zone(self.upstream_time_zone)

    @property
    def embedded(self) -> bool:
        """True when no upstream is configured and the built-in emulator serves."""
        return self.upstream_url is None

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is on in development, off in production unless asked for."""
        if self.graphiql is not None:
            return self.graphiql
        return self.profile is Profile.DEVELOPMENT

    @property
    def introspection_enabled(self) -> bool:
        """Introspection is on in development, off in production unless asked for."""
        if self.introspection is not None:
            return self.introspection
        return self.profile is Profile.DEVELOPMENT

    @property
    def rate_limit_per_caller(self) -> tuple[float, int] | None:
        """``(rate, burst)`` of the per-caller limit, or None when off.

        Off in development unless ``rate_limit`` is set; 20 requests/s with bursts of 40 in
        production. ``rate_limit`` 0 turns it off; the burst defaults to twice the rate.
        """
        rate = self.rate_limit
        if rate is None:
            rate = 20.0 if self.profile is Profile.PRODUCTION else 0.0
        if rate <= 0:
            return None
        burst = self.rate_burst if self.rate_burst is not None else max(1, math.ceil(rate * 2))
        return rate, burst

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The ``--secret-key`` entries, first (the one that encrypts) first; () when unset."""
        if self.secret_key is None:
            return ()
        return tuple(key.strip() for key in self.secret_key.reveal().split(",") if key.strip())

    @property
    def has_service_credentials(self) -> bool:
        """True when a token or a user/password pair is configured."""
        return self.token is not None or (self.user is not None and self.password is not None)

    def validate(self) -> Settings:
        """Fail at start, with a message that says how to fix it, when settings cannot work."""
        for spec_field in fields(self):
            spec = spec_of(spec_field)
            value = getattr(self, spec_field.name)
            problem = spec.check(value) if spec.check is not None else None
            if problem is not None:
                shown = "" if spec.secret else f", got {_shown(value)}"
                variable = env_name(spec_field.name, type(self))
                raise ConfigError(f"{flag_name(spec_field)} ({variable}) {problem}{shown}.")
        self._validate_together()
        return self

    def _validate_together(self) -> None:
        """The checks that involve several settings."""
        if self.webhook_lease <= self.webhook_timeout:
            raise ConfigError(
                "--webhook-lease must exceed --webhook-timeout: a delivery's lease must outlast "
                "its attempt, or another replica would send it again meanwhile."
            )
        if self.user is not None and self.password is None:
            raise ConfigError("--user needs --password (or SYNCGQL_PASSWORD).")
        if self.token is not None and self.user is not None:
            raise ConfigError("Give either --token or --user/--password, not both.")
        if self.upstream_url is not None and not self.upstream_url.startswith(
            ("http://", "https://")
        ):
            raise ConfigError(
                f"--upstream must be an http(s) URL ending in /api.rsc/, got {self.upstream_url!r}."
            )
        if self.ca_bundle is not None and not self.tls_verify:
            raise ConfigError(
                "--ca-bundle has no effect with --tls-verify off: drop one of them "
                "(SYNCGQL_CA_BUNDLE, SYNCGQL_TLS_VERIFY)."
            )
        if self.auth is AuthMode.SERVICE and not self.has_service_credentials and not self.embedded:
            raise ConfigError(
                "--auth service needs service credentials: --token, or --user and --password."
            )
        # --- issue 9 (subscriptions never stop silently): the status poller's credential.
        if not self.has_service_credentials and not self.embedded:
            # Whatever --auth says, subscriptions are fed by one poller per cluster, and it
            # polls with the service credentials: without them it would get 401 on every tick
            # and no subscriber would ever hear of a run.
            raise ConfigError(
                f"--auth {self.auth.value} with --upstream needs service credentials for the "
                "job-status poller that feeds subscriptions: add --token (SYNCGQL_TOKEN), or "
                "--user and --password (SYNCGQL_USER, SYNCGQL_PASSWORD), of a CData Sync user "
                "that may read every job's status. Queries and mutations still use each "
                "caller's own credentials under --auth forward."
            )
        if self.workers > 1 and self.embedded:
            raise ConfigError(
                "--workers > 1 needs an upstream (--upstream URL): the embedded emulator "
                "keeps its runs in one process. Start `syncgql emulator` and point --upstream "
                "at it."
            )


# ---------------------------------------------------------------- declaration → flags, variables

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def _zone_problem(text: str) -> str | None:
    try:
        _zone(text)
    except ValueError:
        return "must be UTC, an offset such as -05:00, or an IANA zone such as America/New_York"
    return None


def _zone(text: str) -> tzinfo:
    """``UTC``, ``±HH:MM`` or an IANA name as a ``tzinfo``; ``ValueError`` otherwise."""
    text = text.strip()
    if text.upper() in {"UTC", "Z", "GMT"}:
        return UTC
    match = _OFFSET.match(text)
    if match is not None:
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        return timezone(-delta if match.group(1) == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(text) from None


_ENV_PREFIX = "SYNCGQL_"
_NO_SPEC = SettingSpec()


def spec_of(spec_field: Field[Any]) -> SettingSpec:
    """The :class:`SettingSpec` of a field (an empty one for a plain dataclass field)."""
    spec = spec_field.metadata.get(SPEC_KEY, _NO_SPEC)
    assert isinstance(spec, SettingSpec)
    return spec


def setting_fields(cls: type[Settings] | None = None) -> tuple[Field[Any], ...]:
    """Every field of :class:`Settings` (or of a subclass, in tests), in declaration order."""
    return fields(cls or Settings)


def env_name(field_name: str, cls: type[Settings] | None = None) -> str:
    """The environment variable that sets a field: ``SYNCGQL_<FIELD>`` unless declared."""
    spec = spec_of(_field(field_name, cls))
    return spec.env or _ENV_PREFIX + field_name.upper()


def flag_name(spec_field: Field[Any]) -> str:
    """The flag that sets a field: ``--<name-with-dashes>`` unless declared."""
    return spec_of(spec_field).flag or "--" + spec_field.name.replace("_", "-")


def default_text(spec_field: Field[Any]) -> str | None:
    """How the field's default reads in ``--help`` (None: nothing worth saying)."""
    spec = spec_of(spec_field)
    if spec.default_help is not None:
        return spec.default_help
    default = spec_field.default
    if default is MISSING or default is None or default == () or spec.secret:
        return None
    if isinstance(default, bool):
        return "on" if default else "off"
    return _shown(default)


def choices_of(spec_field: Field[Any], cls: type[Settings] | None = None) -> tuple[str, ...] | None:
    """The values a field's text may take, when there are few (``on``/``off``, an enum's)."""
    kind = _value_type(spec_field, cls)
    if kind is bool:
        return ("on", "off")
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return tuple(member.value for member in kind)
    return None


def _field(name: str, cls: type[Settings] | None = None) -> Field[Any]:
    for spec_field in fields(cls or Settings):
        if spec_field.name == name:
            return spec_field
    raise ConfigError(f"There is no setting {name!r}.")


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value_type(spec_field: Field[Any], cls: type[Settings] | None) -> Any:  # noqa: ANN401 - a type
    """The field's type with ``| None`` removed (annotations are strings here)."""
    kind = typing.get_type_hints(cls or Settings)[spec_field.name]
    if isinstance(kind, types.UnionType):
        args = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        kind = args[0]
    return kind


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("on or off (also true/false, yes/no, 1/0)")


def _parse_int(raw: str) -> int:
    try:
        return int(raw.strip().replace("_", ""))
    except ValueError:
        raise ValueError("a whole number") from None


def _parse_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("a number of seconds (or a rate), e.g. 2.5") from None
    if not math.isfinite(value):
        raise ValueError("a finite number")
    return value


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _parser(spec_field: Field[Any], cls: type[Settings] | None) -> Callable[[str], Any]:
    spec = spec_of(spec_field)
    if spec.parse is not None:
        return spec.parse
    kind = _value_type(spec_field, cls)
    simple: dict[Any, Callable[[str], Any]] = {
        bool: _parse_bool,
        int: _parse_int,
        float: _parse_float,
        Path: Path,
        Secret: Secret,
        str: str,
    }
    if kind in simple:
        return simple[kind]
    if typing.get_origin(kind) is tuple:
        return _parse_list
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        enum_type = kind

        def parse_enum(raw: str) -> StrEnum:
            try:
                return enum_type(raw.strip().lower())
            except ValueError:
                raise ValueError(" or ".join(m.value for m in enum_type)) from None

        return parse_enum
    raise TypeError(f"Settings.{spec_field.name}: give setting(parse=...) for {kind!r}")


def parse_text(name: str, raw: str, source: str, cls: type[Settings] | None = None) -> Any:  # noqa: ANN401 - per field
    """Turn the text of a flag or variable into the field's value, or explain the fix."""
    spec_field = _field(name, cls)
    try:
        return _parser(spec_field, cls)(raw)
    except ValueError as exc:
        spec = spec_of(spec_field)
        got = "" if spec.secret else f" (got {raw!r})"
        raise ConfigError(f"{source} must be {exc}{got}.") from None


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    cls: type[Settings] | None = None,
) -> Settings:
    """Build settings from the environment, then apply explicit (command-line) overrides.

    Args:
        overrides: field name → value from the command line: text (parsed like the variable)
            or already typed; ``None`` values are ignored so that an absent flag leaves the
            environment's value in place.
        environ: the environment to read; ``os.environ`` when omitted.
        cls: a subclass of :class:`Settings` with more fields (tests of the machinery).
    """
    env = os.environ if environ is None else environ
    kind = cls or Settings
    values: dict[str, Any] = {}
    for spec_field in fields(kind):
        variable = env_name(spec_field.name, kind)
        raw = env.get(variable)
        if raw is not None and raw != "":
            values[spec_field.name] = parse_text(spec_field.name, raw, variable, kind)
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        source = flag_name(_field(name, kind))
        values[name] = parse_text(name, value, source, kind) if isinstance(value, str) else value
    return kind(**values).validate()
