"""``idempotencyKey`` on the runs and the create mutations (issue 14).

:class:`Idempotent` adds the argument and, when it is given, makes the mutation run at most once
per caller, mutation and key within ``--idempotency-ttl``, across replicas and restarts: the
key is claimed in the shared database (:mod:`syncgql.store.idempotency`), the first request
runs the resolver and stores its typed answer (:mod:`syncgql.graphql.replay`), and every
duplicate gets that answer without calling Sync. The same key with other arguments (the
workspace included) is a ``ConflictError`` with ``IDEMPOTENCY_KEY_REUSED``; a duplicate that
waited ``max_wait`` for a first request still running gets ``IDEMPOTENCY_KEY_IN_PROGRESS``.

Decisions: a ``dryRun`` bypasses the key (it changes nothing, and its answer must stay fresh);
a resolver that *raises* (Sync unreachable, timeout, shutdown) gives the key up, so a retry with
the same key runs: only typed answers, expected failures included, are replayed. A caller that
*leaves* (a WebSocket closed mid-mutation) does not stop the first run: it goes on in the
background (bounded at shutdown) and stores its answer, which the caller's retry gets; freeing
the key there would have let the retry launch a job that was already running. A database
that cannot be reached refuses the mutation (``DATABASE_UNAVAILABLE``) rather than running it
unguarded: the caller asked not to run it twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
from typing import Any

import orjson
from graphql import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from syncgql.errorcodes import ErrorCode
from syncgql.graphql.durable import caller_of, plain_arguments, request_context
from syncgql.graphql.errors import ConflictError, ValidationError
from syncgql.graphql.replay import ReplayError, decode, encode
from syncgql.store.idempotency import Claim, IdempotencyKeys, Scope
from syncgql.store.sealing import SealError, SecretBox

__all__ = ["ARGUMENT", "Idempotent"]

logger = logging.getLogger("syncgql.graphql.idempotency")

ARGUMENT = "idempotency_key"
MAX_KEY_LENGTH = 255


def _argument() -> StrawberryArgument:
    return StrawberryArgument(
        python_name=ARGUMENT,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(StrawberryOptional(str)),
        description=(
            "Run at most once: a retry with the same key (and the same arguments) within the "
            "gateway's idempotency TTL gets the first answer, from any replica, without calling "
            "CData Sync again. 1-255 printable characters; a UUID is a good key."
        ),
        default=None,
    )


def _unavailable() -> GraphQLError:
    return GraphQLError(
        "The gateway's database cannot be reached, so a mutation with an idempotencyKey was "
        "not run; retry shortly.",
        extensions={"code": ErrorCode.DATABASE_UNAVAILABLE},
    )


class Idempotent(FieldExtension):
    """Adds ``idempotencyKey`` to a mutation and answers duplicates (see the module doc)."""

    def apply(self, field: StrawberryField) -> None:
        """Declare the argument (the resolver never sees it: the extension takes it)."""
        field.arguments = [*field.arguments, _argument()]

    async def resolve_async(
        self,
        next_: Any,  # noqa: ANN401 - strawberry's resolver chain
        source: Any,  # noqa: ANN401
        info: Info,
        **kwargs: Any,  # noqa: ANN401
    ) -> Any:  # noqa: ANN401
        """Run once per key; replay the stored answer to duplicates."""
        key = kwargs.pop(ARGUMENT, None)
        context = request_context(info)
        durable = context.durable
        if key is None or durable is None or kwargs.get("dry_run"):
            return await _resolve(next_, source, info, kwargs)
        if not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
            return ValidationError(
                message=f"`idempotencyKey` must be 1-{MAX_KEY_LENGTH} printable characters.",
                field="idempotencyKey",
            )
        caller, _user = caller_of(context)
        scope = Scope(caller, info.field_name, key)
        # The ``workspace`` argument is among kwargs (this runs outside WorkspaceScoped).
        box = durable.secrets
        shape = _request_shape(kwargs, context.default_workspace)
        # Stored: the first key's digest. Matched: any key's (a rotation within the TTL), and
        # the plain hash that versions before keyed digests stored (until their TTL passes).
        request_hashes = (*box.digests(shape), hashlib.sha256(shape).hexdigest())
        keys = durable.keys
        try:
            claimed = await keys.claim(scope, request_hashes)
        except (SQLAlchemyError, OSError) as exc:
            logger.error("idempotency key not claimed: %s", type(exc).__name__)
            raise _unavailable() from None
        if claimed.claim is Claim.MISMATCH:
            return ConflictError(
                message="This idempotencyKey was used with other arguments; use a new key.",
                error_code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
            )
        if claimed.claim is Claim.BUSY:
            return ConflictError(
                message="A request with this idempotencyKey is still running; retry later.",
                error_code=ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
            )
        if claimed.claim is Claim.REPLAY:
            try:
                return decode(box.open(claimed.response or ""))
            except (ReplayError, SealError) as exc:
                logger.error("idempotent answer not replayed: %s", exc)
                raise GraphQLError(
                    "The stored answer of this idempotencyKey cannot be read; use a new key.",
                    extensions={"code": ErrorCode.INTERNAL},
                ) from None
        # The first request runs to its end even if its caller leaves (a WebSocket closed
        # mid-mutation cancels the operation): the mutation may already have reached Sync, and
        # the caller's retry with this key must get its answer rather than run it again.
        # Shutdown bounds how long such a run may go on (IdempotencyKeys.drain).
        run = _FirstRun(keys, scope, claimed.owner, box)
        return await asyncio.shield(keys.keep(run(next_, source, info, kwargs)))


class _FirstRun:
    """The request that holds a key: runs the mutation, stores its answer or frees the key."""

    def __init__(self, keys: IdempotencyKeys, scope: Scope, owner: str, box: SecretBox) -> None:
        self.keys, self.scope, self.owner, self.box = keys, scope, owner, box

    async def __call__(
        self,
        next_: Any,  # noqa: ANN401 - strawberry's resolver chain
        source: Any,  # noqa: ANN401
        info: Info,
        kwargs: dict[str, Any],
    ) -> Any:  # noqa: ANN401 - whatever the mutation returns
        keys, scope, owner = self.keys, self.scope, self.owner
        async with keys.hold(scope, owner):
            try:
                result = await _resolve(next_, source, info, kwargs)
            except BaseException:
                # No typed answer (Sync unreachable, shutdown): the key is freed for the retry.
                await asyncio.shield(_release(keys, scope, owner))
                raise
        try:
            # Sealed: a stored answer may hold what the mutation returned of a secret (a new
            # webhook's URL, a created connection), and outlives the request by the TTL.
            await asyncio.shield(keys.complete(scope, owner, self.box.seal(encode(result))))
        except ReplayError as exc:
            logger.error("idempotent answer not stored: %s", exc)
            await _release(keys, scope, owner)
        except (SQLAlchemyError, OSError) as exc:
            # The answer stands; the claim runs out after its lease and a retry runs again.
            logger.error("idempotent answer not stored: %s", type(exc).__name__)
        return result


async def _resolve(
    next_: Any,  # noqa: ANN401 - strawberry's resolver chain
    source: Any,  # noqa: ANN401
    info: Info,
    kwargs: dict[str, Any],
) -> Any:  # noqa: ANN401
    result = next_(source, info, **kwargs)
    return await result if inspect.isawaitable(result) else result


async def _release(keys: IdempotencyKeys, scope: Scope, owner: str) -> None:
    try:
        await keys.release(scope, owner)
    except (SQLAlchemyError, OSError) as exc:
        logger.error("idempotency key not released: %s", type(exc).__name__)


def _request_shape(kwargs: dict[str, Any], workspace: str | None) -> bytes:
    """What the request asks, canonical: its arguments (by GraphQL name) and workspace.

    Stored only as keyed digests (:meth:`~syncgql.store.sealing.SecretBox.digests`): the
    arguments may hold secrets (a webhook's, a user's password), and a plain hash of them
    would let a copy of the database test guesses.
    """
    shape = {"arguments": plain_arguments(kwargs), "workspace": workspace}
    return orjson.dumps(shape, option=orjson.OPT_SORT_KEYS)
