"""Settings of the gateway, built once from command-line flags and environment variables.

Every flag of ``syncgql serve`` has an environment variable (``SYNCGQL_<NAME>``); a flag given
on the command line wins over the environment. Settings are a frozen dataclass: nothing reads
the environment after start, and there are no module-level globals.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from syncgql.errors import ConfigError


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


@dataclass(frozen=True)
class Settings:
    """Everything the gateway needs to start; see ``syncgql serve --help``."""

    host: str = "127.0.0.1"
    port: int = 8000
    upstream_url: str | None = None
    token: Secret | None = field(default=None, repr=False)
    user: str | None = None
    password: Secret | None = field(default=None, repr=False)
    auth: AuthMode = AuthMode.FORWARD_OR_SERVICE
    data_dir: Path = Path(".syncgql")
    workspace: str | None = None
    profile: Profile = Profile.DEVELOPMENT
    introspection: bool | None = None
    graphiql: bool | None = None
    cors_origins: tuple[str, ...] = ()
    redis_url: str | None = field(default=None, repr=False)
    workers: int = 1
    log_level: str = "info"
    log_format: str = "json"
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    request_timeout: float = 15.0
    poll_interval: float = 1.0
    idle_poll_interval: float = 15.0
    rate_limit: float | None = None
    rate_burst: int | None = None
    metrics: bool = True
    shutdown_timeout: float = 10.0
    shutdown_delay: float = 0.0
    # --- issue 9 (degrade, don't drop out)
    history_filter_reprobe: float = 60.0
    # --- slow clients (issue 9): receive deadlines and connection caps of the HTTP server ---
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000
    # --- WebSockets (issue 9): how often an open socket's credentials are checked again.
    ws_credential_recheck: float = 10.0
    # -- issue 9: per-operation upstream budget and per-caller fairness --------------------
    max_upstream_calls: int = 50
    """Upstream calls one query or mutation may make; the next fails UPSTREAM_BUDGET_EXCEEDED."""
    max_calls_per_caller: int = 8
    """Upstream calls one caller may have in flight; 0 turns the cap off."""

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

    def validate(self) -> Settings:
        """Fail at start, with a message that says how to fix it, when settings cannot work."""
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
        if self.history_filter_reprobe <= 0:
            raise ConfigError("--history-filter-reprobe must be a positive number of seconds.")
        # --- end issue 9 block
        if self.rate_limit is not None and self.rate_limit < 0:
            raise ConfigError("--rate-limit must be 0 (off) or a positive number of requests/s.")
        if self.rate_burst is not None and self.rate_burst < 1:
            raise ConfigError("--rate-burst must be at least 1.")
        if self.max_upstream_calls < 1:
            raise ConfigError("--max-upstream-calls must be at least 1.")
        if self.max_calls_per_caller < 0:
            raise ConfigError("--max-calls-per-caller must be 0 (off) or a positive number.")
        if self.shutdown_timeout <= 0 or self.shutdown_delay < 0:
            raise ConfigError("--shutdown-timeout must be positive and --shutdown-delay >= 0.")
        # --- slow clients ---
        if min(self.header_timeout, self.body_timeout) < 0 or self.keep_alive_timeout <= 0:
            raise ConfigError(
                "--header-timeout and --body-timeout must be >= 0 (0: off) and "
                "--keep-alive-timeout positive."
            )
        if self.max_connections < 1:
            raise ConfigError("--max-connections must be at least 1.")
        if self.ws_credential_recheck <= 0:
            raise ConfigError("--ws-credential-recheck must be a positive number of seconds.")
        if self.log_format not in {"json", "text"}:
            raise ConfigError(f"--log-format must be json or text, got {self.log_format!r}.")
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"--port must be between 1 and 65535, got {self.port}.")
        if self.workers < 1:
            raise ConfigError("--workers must be at least 1.")
        if self.workers > 1 and self.embedded:
            raise ConfigError(
                "--workers > 1 needs an upstream (--upstream URL): the embedded emulator "
                "keeps its runs in one process. Start `syncgql emulator` and point --upstream "
                "at it."
            )
        return self

    @property
    def has_service_credentials(self) -> bool:
        """True when a token or a user/password pair is configured."""
        return self.token is not None or (self.user is not None and self.password is not None)


_ENV_PREFIX = "SYNCGQL_"
_ENV_NAMES = {"upstream_url": "SYNCGQL_UPSTREAM_URL"}


def env_name(field_name: str) -> str:
    """The environment variable that sets a field: ``SYNCGQL_<FIELD>``."""
    return _ENV_NAMES.get(field_name, _ENV_PREFIX + field_name.upper())


def _convert(name: str, annotation: str, raw: str) -> Any:  # noqa: ANN401 - per field
    """Turn the text of a flag or variable into the field's type, or explain why not."""
    try:
        if name in {"token", "password"}:
            return Secret(raw)
        if name == "data_dir":
            return Path(raw)
        if name == "auth":
            return AuthMode(raw)
        if name == "profile":
            return Profile(raw)
        if name == "cors_origins":
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if annotation.startswith("bool"):
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if annotation.startswith("int"):
            return int(raw)
        if annotation.startswith("float"):
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{env_name(name)}={raw!r} is not a valid {annotation}.") from exc
    return raw


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from the environment, then apply explicit (command-line) overrides.

    Args:
        overrides: values already typed (or text) from the command line; ``None`` values are
            ignored so that an absent flag leaves the environment's value in place.
        environ: the environment to read; ``os.environ`` when omitted.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        raw = env.get(env_name(spec.name))
        if raw is not None and raw != "":
            values[spec.name] = _convert(spec.name, str(spec.type), raw)
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        spec_type = next(str(f.type) for f in fields(Settings) if f.name == name)
        values[name] = _convert(name, spec_type, value) if isinstance(value, str) else value
    return Settings(**values).validate()
