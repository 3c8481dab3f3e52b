"""Which upstream credentials a caller's request runs with (``--auth``).

``forward`` sends the caller's own ``x-cdata-authtoken`` or ``Authorization: Basic`` on to
CData Sync, so Sync's own roles apply to each caller; ``service`` always uses the gateway's
configured credentials; ``forward-or-service`` (default) forwards when the caller sent
credentials and falls back to the service credentials otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from syncgql.config import AuthMode

# The exceptions live in the documented tree of syncgql.errors; re-exported for callers here.
from syncgql.errors import MalformedCredentialsError, MissingCredentialsError
from syncgql.upstream.auth import Credentials

__all__ = [
    "CREDENTIAL_FIELDS",
    "MalformedCredentialsError",
    "MissingCredentialsError",
    "caller_credentials",
    "check_header_safe",
    "resolve_credentials",
]

#: The request headers that carry a caller's credential.
CREDENTIAL_FIELDS = ("x-cdata-authtoken", "authorization")
# Visible ASCII, space and tab: what a header value may hold and what Sync tokens are made
# of. Anything else (CR/LF/NUL/other controls, DEL, non-ASCII) would either be refused by the
# HTTP client with an exception deep in the upstream call or smuggle a header upstream.
_HEADER_SAFE = re.compile(r"[\t\x20-\x7e]*")


def check_header_safe(
    headers: Mapping[str, str], fields: tuple[str, ...] = CREDENTIAL_FIELDS
) -> None:
    """Refuse credentials (``fields`` of ``headers``) that could not be sent as a header.

    Raises:
        MalformedCredentialsError: with a message that never repeats the value.
    """
    for name in fields:
        value = headers.get(name)
        if value is not None and not _HEADER_SAFE.fullmatch(value):
            raise MalformedCredentialsError(
                f"{name} holds characters a header cannot carry (control or non-ASCII)."
            )


def caller_credentials(headers: Mapping[str, str]) -> Credentials | None:
    """Read the caller's Sync credentials from request headers (or a WS init payload).

    Raises:
        MissingCredentialsError: an ``Authorization`` header is present but is not valid
            Basic; refusing beats silently falling back to the service credentials.
        MalformedCredentialsError: a credential holds characters a header cannot carry.
    """
    check_header_safe(headers)
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
