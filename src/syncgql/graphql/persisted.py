"""Persisted operations: Apollo's automatic persisted queries (APQ) and trusted documents.

A request may name its document by hash instead of (or besides) sending it:

* ``extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}`` — Apollo's APQ
  protocol (``@apollo/client/link/persisted-queries``, urql's ``persistedExchange``);
* ``documentId`` (``"<hex>"`` or ``"sha256:<hex>"``) — the GraphQL-over-HTTP persisted
  documents proposal, which GraphQL Code Generator's client preset documents.

Two modes:

* **APQ** (default): a hash the store does not know answers ``PersistedQueryNotFound`` with
  ``extensions.code = PERSISTED_QUERY_NOT_FOUND``, exactly what Apollo's link looks for before
  it retries with the full document; that retry (hash and document) stores the document after
  checking its SHA-256 (a mismatch is ``PERSISTED_QUERY_HASH_MISMATCH``). The store is an
  in-process LRU, shared across replicas through Redis when one is configured.
* **Trusted documents** (``--trusted-documents FILE``): only the documents of the manifest run
  — by hash, or as full text whose hash is listed; anything else is ``OPERATION_NOT_TRUSTED``.
  Nothing is ever stored. The manifest is the JSON object the client preset writes with
  ``persistedDocuments: true`` (``persisted-documents.json``: ``{"<hash>": "<document>"}``),
  its hashes SHA-1 (the preset's default ``hashAlgorithm``) or SHA-256, hex, optionally
  prefixed ``sha1:`` / ``sha256:``; each is checked against its document at start.

Because a trusted-mode GET can only run a query the application itself ships (mutations are
never served over GET), such a GET is CSRF-safe by construction: :meth:`PersistedQueries.
csrf_exempt` tells the HTTP view to skip the production profile's CSRF-header rule for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from syncgql.errorcodes import ErrorCode

__all__ = [
    "DocumentStore",
    "LocalDocumentStore",
    "PersistedQueries",
    "PersistedQueryError",
    "RedisDocumentStore",
    "load_trusted_documents",
    "sha256_hex",
]

logger = logging.getLogger("syncgql.persisted")

#: What Apollo's link matches (message or code) to retry with the full document.
NOT_FOUND_MESSAGE: Final = "PersistedQueryNotFound"
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Document ids of a trusted manifest: SHA-1 (40 hex digits) or SHA-256 (64).
_DOCUMENT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: Seconds a persisted document lives in Redis after its last registration.
REDIS_TTL_SECONDS: Final = 7 * 24 * 3600
_REDIS_PREFIX: Final = "syncgql:apq:"


class PersistedQueryError(Exception):
    """A persisted-operation request the server refuses: an ``extensions.code`` and a status."""

    def __init__(self, code: ErrorCode, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def sha256_hex(document: str) -> str:
    """The lowercase hex SHA-256 of a document's UTF-8 text (what APQ and codegen hash)."""
    return hashlib.sha256(document.encode()).hexdigest()


def _digest_like(digest: str, document: str) -> str:
    """The hash of ``document`` by the algorithm ``digest`` was made with (by its length)."""
    if len(digest) == 40:
        return hashlib.sha1(document.encode(), usedforsecurity=False).hexdigest()
    return sha256_hex(document)


def _strip_algorithm(key: str) -> str:
    for prefix in ("sha256:", "sha1:"):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


class DocumentStore(Protocol):
    """Where APQ documents live between the registering request and later ones."""

    async def get(self, digest: str) -> str | None:
        """The document of ``digest``, or None."""

    async def put(self, digest: str, document: str) -> None:
        """Remember ``document`` under ``digest`` (already checked to match)."""


class LocalDocumentStore:
    """A bounded LRU in this process: an attacker registering documents only evicts old ones.

    Args:
        max_entries: documents kept.
        max_bytes: total text kept (documents are already capped by the body limit).
    """

    def __init__(self, max_entries: int = 1000, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._docs: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._docs)

    async def get(self, digest: str) -> str | None:
        """The document, marked as recently used."""
        document = self._docs.get(digest)
        if document is not None:
            self._docs.move_to_end(digest)
        return document

    async def put(self, digest: str, document: str) -> None:
        """Store; evict the least recently used documents beyond either bound."""
        if digest in self._docs:
            self._docs.move_to_end(digest)
            return
        self._docs[digest] = document
        self._bytes += len(document)
        while self._docs and (len(self._docs) > self.max_entries or self._bytes > self.max_bytes):
            _, evicted = self._docs.popitem(last=False)
            self._bytes -= len(evicted)


class RedisDocumentStore:
    """Redis shared by the replicas, behind the local LRU (a hit costs no round trip).

    A Redis failure degrades to the local store (logged once per failure streak): the worst
    case is one more ``PersistedQueryNotFound`` round trip for the client, never an error.
    """

    def __init__(self, url: str, local: LocalDocumentStore | None = None) -> None:
        self.local = local or LocalDocumentStore()
        self._url = url
        self._client: Redis | None = None
        self._failing = False

    @property
    def _redis(self) -> Redis:
        # Built on first use, inside the serving loop (no connection at import or app build).
        if self._client is None:
            self._client = Redis.from_url(self._url, socket_timeout=1.0, socket_connect_timeout=1.0)
        return self._client

    async def get(self, digest: str) -> str | None:
        """Local first, then Redis (and keep what Redis had locally)."""
        document = await self.local.get(digest)
        if document is not None:
            return document
        try:
            raw = await self._redis.get(_REDIS_PREFIX + digest)
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return None
        self._failing = False
        if raw is None:
            return None
        document = raw.decode() if isinstance(raw, bytes) else str(raw)
        await self.local.put(digest, document)
        return document

    async def put(self, digest: str, document: str) -> None:
        """Local and Redis (refreshing the TTL)."""
        await self.local.put(digest, document)
        try:
            await self._redis.set(_REDIS_PREFIX + digest, document, ex=REDIS_TTL_SECONDS)
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return
        self._failing = False

    def _failed(self, exc: Exception) -> None:
        if not self._failing:
            logger.warning("persisted queries: redis failed (%s); local store only", type(exc))
        self._failing = True

    async def aclose(self) -> None:
        """Close the Redis connection pool (if one was opened)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def load_trusted_documents(path: Path) -> dict[str, str]:
    """Read the client preset's manifest: a JSON object of SHA-256 hex → document text.

    Raises:
        ValueError: the file is not such an object, or a key is not the hash of its document
            (a stale or hand-edited manifest would otherwise refuse the app's own operations).
    """
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read the trusted documents manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: a trusted documents manifest is a JSON object hash → document")
    documents: dict[str, str] = {}
    for key, document in manifest.items():
        digest = _strip_algorithm(key.lower())
        if not isinstance(document, str) or not _DOCUMENT_ID.fullmatch(digest):
            raise ValueError(f"{path}: entry {key[:80]!r} is not a sha1/sha256 hash → document")
        if _digest_like(digest, document) != digest:
            raise ValueError(f"{path}: entry {key[:80]!r} is not the hash of its document")
        documents[digest] = document
    return documents


class PersistedQueries:
    """Turns a request's persisted-operation fields into the document to run.

    Args:
        store: the APQ store (ignored in trusted mode).
        trusted: the trusted documents (hash → document), or None for APQ mode.
    """

    def __init__(self, store: DocumentStore, trusted: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.trusted = trusted
        # Which hash lengths the manifest uses, so a full document is hashed only that way.
        self._trusted_lengths = sorted({len(key) for key in trusted or {}})

    def csrf_exempt(self, params: Mapping[str, Any]) -> bool:
        """True for a GET that names a trusted document by hash and sends no text of its own."""
        if self.trusted is None or params.get("query"):
            return False
        return "documentId" in params or "extensions" in params

    async def resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` (the request's parameters) with ``query`` set to the document to run.

        Raises:
            PersistedQueryError: unknown hash, hash mismatch, malformed fields, or (trusted
                mode) a document that is not listed.
        """
        digest = self._requested_hash(data)
        query = data.get("query")
        if query is not None and not isinstance(query, str):
            return data  # the view's own checks answer a non-string query
        if digest is None:
            if self.trusted is None or query is None:
                return data
            if not self._is_trusted(query):
                raise _not_trusted()
            return data
        if query is not None:
            if _digest_like(digest, query) != digest:
                raise PersistedQueryError(
                    ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
                    "The document's SHA-256 does not match the hash sent with it.",
                )
            if self.trusted is not None:
                if digest not in self.trusted:
                    raise _not_trusted()
            else:
                await self.store.put(digest, query)
            return data
        document = (
            self.trusted.get(digest) if self.trusted is not None else await self.store.get(digest)
        )
        if document is None:
            # Apollo's link retries with the full document on exactly this message and code.
            raise PersistedQueryError(
                ErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE, status=200
            )
        return {**data, "query": document}

    def _is_trusted(self, query: str) -> bool:
        trusted = self.trusted or {}
        return any(_digest_like("0" * length, query) in trusted for length in self._trusted_lengths)

    @staticmethod
    def _requested_hash(data: Mapping[str, Any]) -> str | None:
        document_id = data.get("documentId")
        extensions = data.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if document_id is None and persisted is None:
            return None
        if document_id is not None:
            if not isinstance(document_id, str):
                raise _invalid("`documentId` must be a string such as `sha256:<hex>`.")
            digest: object = _strip_algorithm(document_id.lower())
            if not isinstance(digest, str) or not _DOCUMENT_ID.fullmatch(digest):
                raise _invalid("`documentId` must be 40 (SHA-1) or 64 (SHA-256) hex digits.")
            return digest
        if not isinstance(persisted, dict):
            raise _invalid("`extensions.persistedQuery` must be an object.")
        if persisted.get("version") != 1:
            raise _invalid("Only version 1 of `extensions.persistedQuery` is supported.")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest.lower()):
            raise _invalid("The persisted query hash must be 64 hex digits of SHA-256.")
        return digest.lower()


def _invalid(message: str) -> PersistedQueryError:
    return PersistedQueryError(ErrorCode.PERSISTED_QUERY_INVALID, message)


def _not_trusted() -> PersistedQueryError:
    return PersistedQueryError(
        ErrorCode.OPERATION_NOT_TRUSTED,
        "This server runs only its trusted documents; this operation is not one of them.",
        status=403,
    )
