"""Build the persisted-operations machinery (issue 15) from the settings.

Kept out of ``app.py`` so the app only wires it: APQ with an in-process LRU (plus Redis when
``--redis-url`` is set, so a document registered on one replica is known to all), or, with
``--trusted-documents``, only the manifest's documents.
"""

from __future__ import annotations

from pathlib import Path

from syncgql.config import Settings
from syncgql.errors import ConfigError
from syncgql.graphql.persisted import (
    DocumentStore,
    LocalDocumentStore,
    PersistedQueries,
    RedisDocumentStore,
    load_trusted_documents,
)

__all__ = ["build_persisted", "close_persisted"]


def build_persisted(settings: Settings) -> PersistedQueries | None:
    """The persisted-operations resolver of the view, or None when both modes are off.

    Raises:
        ConfigError: the trusted documents manifest cannot be read or is malformed.
    """
    if settings.trusted_documents:
        try:
            trusted = load_trusted_documents(Path(settings.trusted_documents))
        except ValueError as exc:
            raise ConfigError(f"--trusted-documents: {exc}") from exc
        return PersistedQueries(LocalDocumentStore(max_entries=1), trusted)
    if not settings.persisted_queries:
        return None
    local = LocalDocumentStore(max_entries=settings.persisted_query_cache)
    store: DocumentStore = (
        RedisDocumentStore(settings.redis_url, local) if settings.redis_url else local
    )
    return PersistedQueries(store)


async def close_persisted(persisted: PersistedQueries) -> None:
    """Release the store's Redis connections, if it has any."""
    if isinstance(persisted.store, RedisDocumentStore):
        await persisted.store.aclose()
