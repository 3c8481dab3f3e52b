"""Where the key that seals secrets at rest comes from: ``--secret-key``, or a development file.

The key must be given (``--secret-key`` / ``SYNCGQL_SECRET_KEY``) in production, and with a
PostgreSQL database in any profile: a key that lives next to the database it protects protects
nothing from whoever copies the directory, and replicas sharing a database must share the key
(one that a replica generated for itself could not open what another sealed: its webhooks
would stop being delivered, its idempotency keys would not match). In development on the
default SQLite file, so that ``syncgql serve`` still needs nothing, a key is generated once
into ``secret.key`` in the data directory (which every worker process of the host shares),
created owner-only (0600) and refused if anyone else may read it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from syncgql.store.sealing import SecretBox

__all__ = ["KEY_FILE", "SecretKeyError", "check_keys", "secret_box"]

KEY_FILE = "secret.key"


class SecretKeyError(Exception):
    """No usable key: the message says which flag or file to fix (and never shows a key)."""


def secret_box(
    keys: Sequence[str] | None, *, production: bool, shared: bool, data_dir: Path
) -> SecretBox:
    """The box of ``--secret-key`` (comma-separated, first seals), else the development key.

    ``shared``: the database is one that replicas share (PostgreSQL).

    Raises:
        SecretKeyError: no key in production or on a shared database, a malformed key, or an
            unsafe key file.
    """
    given = check_keys(keys, production=production, shared=shared)
    if given is not None:
        return given
    return SecretBox([_development_key(data_dir / KEY_FILE)])


def check_keys(keys: Sequence[str] | None, *, production: bool, shared: bool) -> SecretBox | None:
    """The box of the given keys, or None when the development file is to be used.

    Touches no file (``serve`` calls it before it binds, when nothing may be written yet).

    Raises:
        SecretKeyError: as :func:`secret_box`, but for the key file.
    """
    if keys:
        try:
            return SecretBox(keys)
        except ValueError as exc:
            raise SecretKeyError(f"--secret-key (SYNCGQL_SECRET_KEY): {exc}.") from None
    if production:
        raise SecretKeyError(
            "--secret-key (SYNCGQL_SECRET_KEY) is required in production: it encrypts the "
            "secrets the database holds (webhook secrets and URLs, stored idempotent answers). "
            "Make one with `syncgql generate-secret-key` and give every replica the same value."
        )
    if shared:
        raise SecretKeyError(
            "--secret-key (SYNCGQL_SECRET_KEY) is required with a PostgreSQL --database-url: "
            "replicas that share the database must share the key that encrypts the secrets "
            "in it. Make one with `syncgql generate-secret-key`."
        )
    return None


def _development_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole to a private temporary file (0600 from its creation, never widened),
        # then linked into place: link fails if the name exists, so two processes starting
        # together agree on one key, and nobody ever reads a half-written file.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(SecretBox.generate_key() + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink()
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretKeyError(
            f"{path} may be read by other users (mode {stat.S_IMODE(mode):o}); "
            f"run `chmod 600 {path}` or give --secret-key."
        )
    key = path.read_text().strip()
    try:
        SecretBox([key])
    except ValueError:
        raise SecretKeyError(
            f"{path} does not hold a Fernet key; delete it to generate a new one (webhook "
            "secrets sealed with the old key must then be set again) or give --secret-key."
        ) from None
    return key
