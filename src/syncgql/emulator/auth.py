"""Authentication and role checks of the emulator (sync-api.md §2, §11).

Credentials: the ``x-cdata-authtoken`` header, HTTP Basic ``user:token`` (the user's auth token is
the password; login passwords are not accepted, because real Sync does not document that they
are), and ``@authtoken=`` in the query string only when the server allows it. Tokens are stored as
SHA-256 digests and compared with :func:`hmac.compare_digest`; no token or password is ever logged
or echoed.

Roles (what each may do; sync-api.md names the roles, the split is ours):

=====================  ====  ===  =========  ===========  =====
role                   read  run  edit jobs  connections  admin
=====================  ====  ===  =========  ===========  =====
``cdata_admin``        yes   yes  yes        yes          yes
``cdata_standard``     yes   yes  yes        yes          no
``cdata_job_creator``  yes   yes  yes        no           no
``cdata_support``      yes   yes  no         no           no
=====================  ====  ===  =========  ===========  =====

"edit jobs" covers jobs, tasks and transformations; "admin" covers users, workspaces and the
request log (reading it and deleting from it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from syncgql.emulator.envelope import ApiError
from syncgql.emulator.store import Store

READ: Final = "read"
RUN: Final = "run"
EDIT_JOBS: Final = "edit_jobs"
EDIT_CONNECTIONS: Final = "edit_connections"
ADMIN: Final = "admin"

ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "cdata_admin": frozenset({READ, RUN, EDIT_JOBS, EDIT_CONNECTIONS, ADMIN}),
    "cdata_standard": frozenset({READ, RUN, EDIT_JOBS, EDIT_CONNECTIONS}),
    "cdata_job_creator": frozenset({READ, RUN, EDIT_JOBS}),
    "cdata_support": frozenset({READ, RUN}),
}

_WHAT: Final = {
    READ: "read",
    RUN: "run or cancel jobs",
    EDIT_JOBS: "create, change or delete jobs, tasks and transformations",
    EDIT_CONNECTIONS: "create, change or delete connections",
    ADMIN: "manage users, workspaces and the request log",
}

UNAUTHORIZED_MESSAGE: Final = (
    "Authentication required: send the x-cdata-authtoken header or HTTP Basic credentials."
)


@dataclass(frozen=True)
class Caller:
    """The authenticated user of one request."""

    user: str
    roles: frozenset[str]

    @property
    def permissions(self) -> frozenset[str]:
        """Union of the permissions of every role the user holds."""
        out: frozenset[str] = frozenset()
        for role in self.roles:
            out |= ROLE_PERMISSIONS.get(role, frozenset())
        return out

    def require(self, permission: str) -> None:
        """Raise 403 unless the caller holds ``permission``."""
        if permission not in self.permissions:
            roles = ", ".join(sorted(self.roles)) or "no role"
            raise ApiError(
                "FORBIDDEN",
                f"User [{self.user}] ({roles}) may not {_WHAT[permission]}; "
                "ask an administrator for a role that allows it.",
            )


def new_token() -> str:
    """A fresh random auth token (URL-safe)."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    """The stored form of a login password: salted PBKDF2 (never used to authenticate the API)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10_000)
    return f"pbkdf2$10000${salt.hex()}${digest.hex()}"


def parse_roles(text: str) -> frozenset[str]:
    """Split a comma-separated role list; raise 400 naming any unknown role."""
    roles = frozenset(r.strip() for r in text.split(",") if r.strip())
    unknown = sorted(r for r in roles if r not in ROLE_PERMISSIONS)
    if unknown or not roles:
        raise ApiError(
            "BAD_REQUEST",
            f"Unknown role(s) {unknown or [text]}; valid roles: {', '.join(ROLE_PERMISSIONS)}.",
        )
    return roles


def _credentials(
    headers: dict[str, str], query_token: str | None, allow_url: bool
) -> tuple[str | None, str]:
    """Return ``(user or None, token)`` from the request, or raise 401."""
    token = headers.get("x-cdata-authtoken")
    if token:
        return None, token
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError("UNAUTHORIZED", "Malformed HTTP Basic credentials.") from None
        user, sep, password = decoded.partition(":")
        if not sep or not password:
            raise ApiError("UNAUTHORIZED", "HTTP Basic credentials must be user:authtoken.")
        return user, password
    if query_token is not None:
        if not allow_url:
            raise ApiError(
                "UNAUTHORIZED",
                "@authtoken in the URL is disabled on this server; send the x-cdata-authtoken "
                "header instead (or start the emulator with --allow-authtoken-in-url).",
            )
        return None, query_token
    raise ApiError("UNAUTHORIZED", UNAUTHORIZED_MESSAGE)


def authenticate(
    store: Store,
    headers: dict[str, str],
    query_token: str | None,
    *,
    allow_url: bool,
    now: datetime | None = None,
) -> Caller:
    """Identify the caller of a request or raise 401.

    Args:
        store: The open store (users table).
        headers: Request headers with lower-case names.
        query_token: The ``@authtoken`` query parameter, if present.
        allow_url: Whether ``@authtoken`` is accepted.
        now: The current time (token expiry); defaults to the wall clock.
    """
    user, token = _credentials(headers, query_token, allow_url)
    digest = hash_token(token)
    row = store.query_one(
        'SELECT "User", Roles, Active, ExpiredIn, TokenIssued, TokenHash FROM users '
        "WHERE TokenHash = ?",
        (digest,),
    )
    # The lookup is by digest; compare_digest re-checks it in constant time, and a Basic user
    # name must match the token's owner.
    if row is None or not hmac.compare_digest(str(row[5]), digest):
        raise ApiError("UNAUTHORIZED", "Invalid credentials: the auth token is not valid.")
    name, roles, active, expired_in, issued = row[0], row[1], row[2], row[3], row[4]
    if user is not None and user.lower() != str(name).lower():
        raise ApiError("UNAUTHORIZED", "Invalid credentials: the auth token is not valid.")
    if not active:
        raise ApiError("UNAUTHORIZED", f"User [{name}] is inactive.")
    if expired_in and issued:
        current = now or datetime.now(UTC)
        if current > datetime.fromisoformat(str(issued)) + timedelta(days=int(expired_in)):
            raise ApiError(
                "UNAUTHORIZED", f"The auth token of user [{name}] has expired; renew it."
            )
    return Caller(str(name), frozenset(r.strip() for r in str(roles).split(",") if r.strip()))
