"""Credentials sent to the Sync API: an auth token header or HTTP Basic.

A token is only ever sent in the ``x-cdata-authtoken`` header, never as ``@authtoken=`` in a URL
(URLs end up in access logs and error messages). ``repr`` never shows a secret.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Credentials"]


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who the upstream call runs as.

    Build with :meth:`token` or :meth:`basic`. ``user`` is visible; the secret never is.
    """

    kind: str
    user: str | None = None
    secret: str = field(default="", repr=False)

    @classmethod
    def token(cls, token: str) -> Credentials:
        """Credentials sent as ``x-cdata-authtoken: <token>``."""
        if not token:
            raise ValueError("an empty auth token is not a credential")
        return cls(kind="token", secret=token)

    @classmethod
    def basic(cls, user: str, password: str) -> Credentials:
        """Credentials sent as ``Authorization: Basic base64(user:password)``."""
        if ":" in user:
            raise ValueError("a Basic user name cannot contain ':'")
        return cls(kind="basic", user=user, secret=password)

    def headers(self) -> dict[str, str]:
        """The request headers that carry these credentials."""
        if self.kind == "token":
            return {"x-cdata-authtoken": self.secret}
        pair = f"{self.user}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Credentials | None:
        """The caller's own credentials from incoming HTTP headers (for forwarding), if any.

        ``x-cdata-authtoken`` wins over ``Authorization: Basic`` (the precedence Sync clients
        use). ``headers`` must be case-insensitive or use lower-case names (as Starlette's do).

        Raises:
            ValueError: an ``Authorization: Basic`` header is malformed (the message never
                repeats the header).
        """
        token = headers.get("x-cdata-authtoken")
        if token:
            return cls.token(token.strip())
        authorization = headers.get("authorization", "")
        scheme, _, encoded = authorization.strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("malformed Basic credentials") from None
        user, sep, password = decoded.partition(":")
        if not sep:
            raise ValueError("malformed Basic credentials")
        return cls.basic(user, password)
