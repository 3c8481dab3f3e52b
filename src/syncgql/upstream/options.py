"""Options of the upstream client: small frozen dataclasses with safe defaults (security.md §7)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

# The defaults that are also settings are declared once, on Settings (``syncgql serve --help``).
from syncgql.config import Settings

__all__ = ["BreakerOptions", "CallObserver", "ClientOptions", "RetryOptions", "Timeouts"]

CallObserver = Callable[[str, str, "int | None", float, int], None]
"""``on_call(endpoint, method, status, seconds, retried)``; ``endpoint`` is a label, never a URL."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """httpx timeouts in seconds; ``deadline`` bounds one call including its retries."""

    connect: float = Settings.connect_timeout
    read: float = Settings.read_timeout
    write: float = 5.0
    pool: float = 2.0
    deadline: float = Settings.request_timeout


@dataclass(frozen=True, slots=True)
class RetryOptions:
    """Retries of idempotent calls: full-jitter exponential backoff within a retry budget.

    Attributes:
        max_retries: retries after the first attempt.
        base: first backoff ceiling in seconds (doubles per retry).
        cap: largest backoff ceiling in seconds.
        budget_ratio: retries allowed as a share of the calls in ``budget_window``.
        budget_window: seconds of call history the budget looks at.
        budget_min: retries always allowed per window, so a quiet process can still retry.
            The default, 100 per 10 s, is Apollo Router's ``min_per_sec: 10`` (security.md
            §7.2): the old floor of 10 per window (one a second) let a 30 % drop rate fail
            a fifth of the reads; during an outage the breaker, not this floor, stops the load.
    """

    max_retries: int = 2
    base: float = 0.05
    cap: float = 0.5
    budget_ratio: float = 0.2
    budget_window: float = 10.0
    budget_min: int = 100


@dataclass(frozen=True, slots=True)
class BreakerOptions:
    """Circuit breaker: opens after ``failure_threshold`` consecutive transient failures.

    ``caller_window``: seconds a caller counts as active. The failures of one caller alone do
    not open the breaker while another caller was active in that window without failing (see
    ``syncgql.upstream.breaker``).
    """

    failure_threshold: int = 5
    open_seconds: float = 5.0
    jitter: float = 0.2
    caller_window: float = 10.0


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Everything tunable about the upstream client.

    Attributes:
        timeouts: connect/read/write/pool timeouts and the per-call deadline.
        retry: retry policy of idempotent calls.
        breaker: circuit breaker policy.
        max_connections: pool size (also caps in-flight upstream calls).
        max_keepalive: idle keep-alive connections kept.
        max_body_bytes: largest response body accepted.
        max_filter_chars: longest encoded ``$filter`` of one batched call.
        max_concurrent_chunks: chunked batch reads run at most this many calls at once.
        max_calls_per_caller: upstream calls one caller may have in flight at once (its
            further calls queue behind its own); 0 turns the cap off.
        execute_wait_max: read timeout of ``executeJob``/``executeQuery`` waiting with no timeout.
        wait_margin: seconds added to a job timeout to get the HTTP read timeout.
        history_fallback_top: rows fetched when the server cannot filter history.
        history_filter_reprobe: seconds before a server that failed history filters is tried
            again (doubling after each failed probe, up to 15 minutes).
        log_action: the job-log action: ``getJobLog`` (the docs), ``getlogs`` (CData's own
            client) or ``auto``: try ``getJobLog``, on a 404/405 use ``getlogs``, and keep
            whichever answered for the process's life (issue 12).
        verify: TLS verification (``True``, ``False``, a CA bundle path or an SSL context).
        on_call: observer called once per logical call (metrics).
        max_in_flight: upstream calls of this process in flight at once; later ones queue
            (within their deadline). Sync answers 429 to too many concurrent requests and
            retries cannot fix that; 16 leaves a single Sync server room for its UI and
            other clients. 0 turns the cap off (``max_connections`` still bounds the pool).
        job_type_form: how job ``Type`` is written: ``number`` (older servers), ``name``
            (newer ones), or ``auto``: the form of the first job this process read (one
            ``jobs?$top=1`` read when none was), numbers when the server has no job.
        naive_zone: the zone date-times without an offset are read in (the server's zone).
        on_wait: observer of the seconds each attempt waited for an in-flight slot.
        on_rate_limited: observer of each 429 answer (per attempt; the argument is the
            endpoint label).
    """

    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryOptions = field(default_factory=RetryOptions)
    breaker: BreakerOptions = field(default_factory=BreakerOptions)
    max_connections: int = Settings.upstream_pool_size
    max_keepalive: int = 20
    max_body_bytes: int = 32 * 1024 * 1024
    # 6,000 encoded characters fit the keys of a 100-row page (job names, 64-bit run ids) in one
    # call, and keep the request line well under the 8 KB that Jetty (Sync's Java edition) and
    # most proxies accept.
    max_filter_chars: int = 6000
    max_concurrent_chunks: int = 4
    max_calls_per_caller: int = Settings.max_calls_per_caller
    execute_wait_max: float = 600.0
    wait_margin: float = 10.0
    history_fallback_top: int = 1000
    history_filter_reprobe: float = Settings.history_filter_reprobe
    log_action: str = "auto"
    verify: bool | str | ssl.SSLContext = True
    on_call: CallObserver | None = None
    # --- issue 12: server variants and the in-flight cap
    max_in_flight: int = 16
    job_type_form: str = "auto"
    naive_zone: tzinfo = UTC
    on_wait: Callable[[float], None] | None = None
    on_rate_limited: Callable[[str], None] | None = None
