"""What the ``development`` and ``production`` profiles switch on and off.

Production (``--profile production`` / ``SYNCGQL_PROFILE=production``):

- introspection off (``__schema``/``__type`` refused by a validation rule) and field
  suggestions off ("Did you mean …" never appears), unless ``--introspection on``;
- GraphiQL off unless ``--graphiql on``;
- GET queries (and multipart, if ever enabled) only with a CSRF-safe header
  (``x-syncgql-csrf``, ``apollo-require-preflight`` or a JSON content type);
- per-caller rate limiting on (20 requests/s, bursts of 40) unless ``--rate-limit 0``.

In every profile: mutations only over POST, unexpected errors masked, upstream 5xx details
hidden, browsers (CORS and WebSocket ``Origin``) limited to ``--cors-origins``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import DisableIntrospection, SchemaExtension

from syncgql.config import Profile, Settings

__all__ = ["profile_extensions", "profile_warnings", "view_options"]


def profile_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Schema extensions the profile adds (the introspection rule when it is off).

    The rule joins ``execution_context.validation_rules``, which the operation-limits
    extension runs with the spec rules, so both paths (HTTP and WebSocket) refuse it.
    """
    if settings.introspection_enabled:
        return []
    return [DisableIntrospection]


def view_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of the ``/graphql`` view that depend on the profile."""
    return {
        "graphiql": settings.graphiql_enabled,
        "allow_get_queries": True,
        "require_csrf_header_for_get": settings.profile is Profile.PRODUCTION,
        "allowed_origins": settings.cors_origins,
    }


def profile_warnings(settings: Settings) -> list[str]:
    """Settings that work but weaken a production deployment, said at start-up."""
    if settings.profile is not Profile.PRODUCTION:
        return []
    warnings = []
    if settings.embedded:
        warnings.append("production profile with the embedded emulator: no real CData Sync.")
    if "*" in settings.cors_origins:
        warnings.append("--cors-origins '*' lets any web page call the API and open WebSockets.")
    if settings.introspection:
        warnings.append("introspection is on in production (--introspection).")
    if settings.graphiql:
        warnings.append("GraphiQL is on in production (--graphiql).")
    if settings.rate_limit_per_caller is None:
        warnings.append("rate limiting is off in production (--rate-limit 0).")
    if settings.upstream_url is not None and settings.upstream_url.startswith("http://"):
        warnings.append("the upstream is plain http: tokens travel unencrypted.")
    return warnings
