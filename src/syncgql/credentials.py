"""Which upstream credentials a caller's request runs with (``--auth``).

``forward`` sends the caller's own ``x-cdata-authtoken`` or ``Authorization: Basic`` on to
CData Sync, so Sync's own roles apply to each caller; ``service`` always uses the gateway's
configured credentials; ``forward-or-service`` (default) forwards when the caller sent
credentials and falls back to the service credentials otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from syncgql.config import AuthMode
from syncgql.upstream.auth import Credentials


class MissingCredentialsError(Exception):
    """The auth mode needs caller credentials and the caller sent none (or unreadable ones)."""


def caller_credentials(headers: Mapping[str, str]) -> Credentials | None:
    """Read the caller's Sync credentials from request headers (or a WS init payload).

    Raises:
        MissingCredentialsError: an ``Authorization`` header is present but is not valid
            Basic; refusing beats silently falling back to the service credentials.
    """
    authorization = headers.get("authorization", "").strip()
    scheme = authorization.partition(" ")[0].lower()
    if authorization and scheme != "basic" and not headers.get("x-cdata-authtoken"):
        raise MissingCredentialsError(
            "Authorization must be HTTP Basic (user and Sync auth token); "
            "or send the token as x-cdata-authtoken."
        )
    try:
        return Credentials.from_headers(headers)
    except ValueError as exc:
        raise MissingCredentialsError(
            "Authorization: Basic must carry base64 of user:token."
        ) from exc


def resolve_credentials(
    mode: AuthMode, headers: Mapping[str, str], service: Credentials | None
) -> Credentials | None:
    """Pick the credentials for one request according to the auth mode.

    Raises:
        MissingCredentialsError: the mode needs caller credentials and there are none.
    """
    if mode is AuthMode.SERVICE:
        return service
    caller = caller_credentials(headers)
    if caller is not None:
        return caller
    if mode is AuthMode.FORWARD:
        raise MissingCredentialsError(
            "This gateway forwards your own CData Sync credentials: send x-cdata-authtoken "
            "or Authorization: Basic."
        )
    return service
