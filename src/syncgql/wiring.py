"""Settings → the option objects of the parts: the upstream client and the operation limits.

:mod:`syncgql.app` builds the gateway from these; each part keeps its own small options
dataclass (usable without :class:`Settings` in tests), whose defaults are those of the settings.
"""

from __future__ import annotations

import ssl

from sqlalchemy.engine import URL

from syncgql.config import Profile, Settings
from syncgql.errors import ConfigError
from syncgql.graphql.input_limits import InputLimits
from syncgql.graphql.limits import OperationLimits
from syncgql.observability.metrics import GatewayMetrics
from syncgql.store import StoreError, engine_url
from syncgql.store.keyfile import SecretKeyError, check_keys, secret_box
from syncgql.store.sealing import SecretBox
from syncgql.upstream.options import CallObserver, ClientOptions, Timeouts

__all__ = [
    "check_secrets_at_rest",
    "client_options",
    "database_url",
    "operation_limits",
    "request_body_limit",
    "secrets_at_rest",
    "upstream_verify",
]

# Variables travel beside the document: an HTTP body may be this much larger than the document.
VARIABLES_ROOM = 64 * 1024


def upstream_verify(settings: Settings) -> bool | ssl.SSLContext:
    """The ``verify=`` of httpx: on/off, or a context trusting only the CA bundle's certificates.

    A context rather than the path: httpx 0.28 deprecates ``verify=<path>``, and aiohttp's
    transport takes the same context.
    """
    if settings.ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    return settings.tls_verify


def client_options(
    settings: Settings,
    on_call: CallObserver | None = None,
    metrics: GatewayMetrics | None = None,
) -> ClientOptions:
    """The upstream client's options from the settings (``metrics`` sees the in-flight queue)."""
    defaults = ClientOptions()
    return ClientOptions(
        timeouts=Timeouts(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            deadline=settings.request_timeout,
        ),
        on_call=on_call,
        max_connections=settings.upstream_pool_size,
        # Idle connections kept can never exceed the pool.
        max_keepalive=min(defaults.max_keepalive, settings.upstream_pool_size),
        verify=upstream_verify(settings),
        history_filter_reprobe=settings.history_filter_reprobe,  # issue 9
        max_calls_per_caller=settings.max_calls_per_caller,  # issue 9: fairness
        # issue 12: server variants and the in-flight cap
        max_in_flight=settings.upstream_max_in_flight,
        job_type_form=settings.upstream_job_type_form,
        log_action=settings.upstream_log_action,
        naive_zone=settings.upstream_zone,
        on_wait=None if metrics is None else metrics.observe_queue_wait,
        on_rate_limited=None if metrics is None else metrics.observe_rate_limited,
    )


def operation_limits(settings: Settings) -> OperationLimits:
    """The operation and input limits from the settings."""
    return OperationLimits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_directives_per_field=settings.max_directives_per_field,
        max_directives=settings.max_directives,
        max_root_fields=settings.max_root_fields,
        max_document_bytes=settings.max_document_bytes,
        max_cost=settings.max_cost,
        max_first=settings.max_first,
        max_batch_operations=settings.max_batch_operations,
        max_action_mutations=settings.max_action_mutations,
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        max_nesting=settings.max_nesting,
        overlap_complexity_budget=settings.overlap_complexity_budget,
        inputs=InputLimits(
            max_variables=settings.max_variables,
            max_input_nodes=settings.max_input_nodes,
            max_list_items=settings.max_list_items,
            max_input_depth=settings.max_input_depth,
            max_string_length=settings.max_string_length,
            max_key_length=settings.max_key_length,
        ),
    )


def request_body_limit(settings: Settings, limits: OperationLimits) -> int:
    """Largest HTTP request body: the setting, else the document limit plus room for variables."""
    if settings.max_request_bytes is not None:
        return settings.max_request_bytes
    return limits.max_document_bytes + VARIABLES_ROOM


def database_url(settings: Settings) -> URL:
    """The gateway's database (issue 14): ``--database-url``, else SQLite in ``--data-dir``."""
    return engine_url(settings.database_url, settings.data_dir)


def secrets_at_rest(settings: Settings) -> SecretBox:
    """The keys that seal secrets in the database (``--secret-key``, or the development file).

    Raises:
        ConfigError: no key where one is required, a malformed key, an unsafe key file.
    """
    try:
        return secret_box(
            settings.secret_keys,
            production=settings.profile is Profile.PRODUCTION,
            shared=_shared(settings),
            data_dir=settings.data_dir,
        )
    except SecretKeyError as exc:
        raise ConfigError(str(exc)) from None


def check_secrets_at_rest(settings: Settings) -> None:
    """What ``serve`` checks before it binds: the given keys, and whether one is required.

    Touches no file (nothing may be written before the port is known to be free), and makes
    a missing key a one-line error with exit status 2 rather than a traceback from the
    lifespan.

    Raises:
        ConfigError: as :func:`secrets_at_rest`, the key file aside.
    """
    try:
        check_keys(
            settings.secret_keys,
            production=settings.profile is Profile.PRODUCTION,
            shared=_shared(settings),
        )
    except SecretKeyError as exc:
        raise ConfigError(str(exc)) from None


def _shared(settings: Settings) -> bool:
    """Whether the database is one replicas share (PostgreSQL)."""
    try:
        return database_url(settings).get_backend_name() == "postgresql"
    except StoreError as exc:
        raise ConfigError(str(exc)) from None
