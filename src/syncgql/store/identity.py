"""Who a caller is, as the store records it: a hash of the credential, never the credential."""

from __future__ import annotations

import hashlib

# A fixed prefix keeps these hashes apart from any other SHA-256 of the same secret.
_DOMAIN = b"syncgql-caller\x00"


def caller_id(kind: str, user: str | None, secret: str) -> str:
    """A stable, one-way id of a credential (``kind`` token/basic, Basic ``user``, ``secret``).

    The same credential gives the same id on every replica and after restarts (audit filters
    and idempotency keys depend on it); Sync tokens are long random strings, so the hash cannot
    be turned back into one.
    """
    digest = hashlib.sha256(_DOMAIN + f"{kind}\x00{user or ''}\x00{secret}".encode())
    return "u:" + digest.hexdigest()[:32]
