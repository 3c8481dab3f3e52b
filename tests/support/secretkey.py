"""The --secret-key of test gateways in the production profile (which refuses to start without one).

A fixed, published key: it seals nothing but test data. The helpers that build settings or
command lines add it only in production, so development starts keep exercising the generated
key file.
"""

from __future__ import annotations

from typing import Any

from syncgql.config import Profile, Secret

TEST_SECRET_KEY = "fCun8baCUDl5RTU0cf5NgmUEwGC-Z5PoX0c43qUmoS0="
"""A valid Fernet key (not a secret: tests only)."""


def with_test_key(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` (Settings keyword arguments) with the test key where a start needs one.

    That is the production profile, and a PostgreSQL ``database_url`` (replicas share it, so
    they must share the key) in any profile.
    """
    production = options.get("profile") in (Profile.PRODUCTION, "production")
    shared = str(options.get("database_url") or "").startswith(("postgres://", "postgresql"))
    if production or shared:
        options.setdefault("secret_key", Secret(TEST_SECRET_KEY))
    return options


def production_key_env(flags: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The environment a ``syncgql serve`` subprocess with these flags needs for its key."""
    joined = " ".join(flags)
    return {"SYNCGQL_SECRET_KEY": TEST_SECRET_KEY} if "--profile production" in joined else {}
