"""Secrets at rest: the database holds a webhook's secret and URL as Fernet tokens, never the text.

Fernet (the ``cryptography`` package's authenticated encryption: AES-128-CBC with an
HMAC-SHA256 over it, a random IV per token) is a recipe that cannot be assembled wrongly, and
``MultiFernet`` is its key rotation: the first key encrypts, every key decrypts. A stored value
is ``fernet:`` followed by the token; anything else is a row written before encryption (or by
an older replica during a rolling upgrade), which :func:`seal_stored_secrets` encrypts.

Rotation: put the new key first in ``--secret-key`` and keep the old ones after it. Each start
(and each hourly housekeeping) re-encrypts the webhook rows an older key sealed; stored
idempotent answers are not re-encrypted but expire, so the old key can be dropped once a start
has run and ``--idempotency-ttl`` has passed (a replay it can no longer open answers
``INTERNAL`` and asks for a new idempotency key; nothing runs twice). A row no key opens is
logged by id (never by value) and left as it is: its deliveries fail with a clear reason
rather than go out unsigned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select, update

from syncgql.store.database import Database
from syncgql.store.tables import webhooks

__all__ = ["PREFIX", "SealError", "SealReport", "SecretBox", "seal_stored_secrets"]

logger = logging.getLogger("syncgql.store")

PREFIX = "fernet:"
"""What starts every sealed value (so that a plaintext row of an older version is told apart)."""


class SealError(Exception):
    """A sealed value no configured key opens (its key was removed from ``--secret-key``)."""


class SecretBox:
    """Seals and opens secrets with the configured keys (the first one seals).

    Args:
        keys: Fernet keys (url-safe base64 of 32 bytes), newest first.

    Raises:
        ValueError: no key, or one that is not a Fernet key (the message never shows it).
    """

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        parsed: list[Fernet] = []
        digest_keys: list[bytes] = []
        for number, key in enumerate(keys, start=1):
            try:
                parsed.append(Fernet(key.strip().encode()))
                # A key of its own for digests, derived so that it never equals Fernet's.
                raw = base64.urlsafe_b64decode(key.strip().encode())
                digest_keys.append(hmac.digest(raw, b"syncgql request digest v1", "sha256"))
            except (ValueError, TypeError):
                raise ValueError(
                    f"key {number} is not a Fernet key (44 characters of url-safe base64; "
                    "make one with `syncgql generate-secret-key`)"
                ) from None
        self._primary = parsed[0]
        self._all = MultiFernet(parsed)
        self._digest_keys = tuple(digest_keys)

    @staticmethod
    def generate_key() -> str:
        """A new random key."""
        return Fernet.generate_key().decode()

    def seal(self, secret: str) -> str:
        """The stored form of ``secret``."""
        return PREFIX + self._all.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret of a stored value (a legacy plaintext row is its own secret).

        Raises:
            SealError: sealed with a key that is no longer configured, or tampered with.
        """
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._all.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SealError("no configured --secret-key opens this secret") from None

    def reseal(self, stored: str) -> str | None:
        """The value as the first key would store it, or None when it already is.

        Raises:
            SealError: as :meth:`open`.
        """
        if not stored.startswith(PREFIX):
            return self.seal(stored)
        token = stored[len(PREFIX) :].encode()
        try:
            self._primary.decrypt(token)
        except InvalidToken:
            pass
        else:
            return None
        try:
            return PREFIX + self._all.rotate(token).decode()
        except InvalidToken:
            raise SealError("no configured --secret-key opens this secret") from None

    def digests(self, data: bytes) -> tuple[str, ...]:
        """Keyed digests (HMAC-SHA256) of ``data``, one per key, the first key's first.

        For what must be compared but not read back (the arguments an idempotency key was
        used with, secrets among them): unlike a plain hash, a copy of the database gives no
        way to test guesses of the secrets inside.
        """
        return tuple(hmac.new(key, data, hashlib.sha256).hexdigest() for key in self._digest_keys)

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"


@dataclass(frozen=True, slots=True)
class SealReport:
    """What :func:`seal_stored_secrets` did: rows encrypted, re-encrypted, left unreadable."""

    sealed: int = 0
    rotated: int = 0
    unreadable: int = 0


SEALED_COLUMNS = (webhooks.c.secret, webhooks.c.url)
"""What is sealed: the signing secret, and the URL (a Slack or Teams incoming-webhook URL is
itself the credential: whoever has it may post to the channel)."""


async def seal_stored_secrets(database: Database, box: SecretBox) -> SealReport:
    """Encrypt plaintext webhook secrets and URLs, re-encrypt those of older keys.

    The data migration. Idempotent and safe while other replicas run it or write: each value
    is updated only if it still holds what was read (compare and set), in one short
    transaction per value. Counts are of values (a row has up to two).
    """
    sealed = rotated = unreadable = 0
    for column in SEALED_COLUMNS:
        async with database.engine.connect() as conn:
            rows = (
                await conn.execute(select(webhooks.c.id, column).where(column.is_not(None)))
            ).all()
        for row_id, stored in rows:
            try:
                new = box.reseal(stored)
            except SealError:
                unreadable += 1
                logger.error(
                    "a webhook's %s cannot be decrypted with any --secret-key; its deliveries "
                    "fail until its key is configured again (or the webhook is set anew)",
                    column.name,
                    extra={"webhook_id": row_id},
                )
                continue
            if new is None:
                continue
            async with database.begin() as write:
                done = await write.execute(
                    update(webhooks)
                    .where(webhooks.c.id == row_id, column == stored)
                    .values({column.name: new})
                )
            if done.rowcount:
                if stored.startswith(PREFIX):
                    rotated += 1
                else:
                    sealed += 1
    report = SealReport(sealed, rotated, unreadable)
    if sealed or rotated:
        logger.info(
            "webhook secrets encrypted at rest",
            extra={"encrypted": sealed, "re_encrypted": rotated},
        )
    return report
