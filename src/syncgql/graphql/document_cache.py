"""The parsed-document cache of the limit extension: parse and validate once per text.

Parsing, spec validation and the limit pre-pass's two walks of the document depend on the
text (and, for the walks, on little of the variables), not on the request: one instance per
schema remembers them across requests. :class:`~syncgql.graphql.limits.OperationLimitsExtension`
is its only user.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, ValueNode, parse
from strawberry.schema.schema import validate_document

from syncgql.graphql.cost import OperationStats
from syncgql.graphql.input_limits import document_literals

__all__ = ["DocumentCache"]

_K = TypeVar("_K")
_V = TypeVar("_V")


class DocumentCache:
    """A bounded LRU of parsed documents and successful validations, keyed by document text.

    Share one instance per schema across requests. Parsed documents are keyed by text and the
    token limit they were parsed under. Only successful validations are stored, so invalid
    documents cannot fill the cache.

    The limit pre-pass is re-run for every request, since it depends on the variables, but
    its two walks of the document are memoised (:meth:`measure`, :meth:`literals`): the
    measures by what of the variables they read (integers, list lengths), the literal values
    per text. On a two-field lookup those walks were a tenth of the gateway's CPU.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._documents: OrderedDict[tuple[str, int], DocumentNode] = OrderedDict()
        self._valid: OrderedDict[
            tuple[GraphQLSchema, str, tuple[type[ASTValidationRule], ...]], bool
        ] = OrderedDict()
        self._measures: OrderedDict[tuple[Hashable, ...], tuple[object, OperationStats]] = (
            OrderedDict()
        )
        self._literals: OrderedDict[str, tuple[ValueNode, ...]] = OrderedDict()
        # strawberry may run sync executions in threads; OrderedDict moves are not atomic.
        self._lock = threading.Lock()

    def parse(self, query: str, max_tokens: int) -> DocumentNode:
        """Parse ``query`` or return the cached document (parse errors are not cached)."""
        key = (query, max_tokens)
        with self._lock:
            document = self._documents.get(key)
            if document is not None:
                self._documents.move_to_end(key)
                return document
        document = parse(query, max_tokens=max_tokens)
        self._store(self._documents, key, document)
        return document

    def validate(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        """Spec-validate ``document`` (parsed from ``query``) unless it validated before."""
        key = (schema, query, rules)
        with self._lock:
            if key in self._valid:
                self._valid.move_to_end(key)
                return []
        errors = validate_document(schema, document, rules)
        if not errors:
            self._store(self._valid, key, True)
        return errors

    def measure(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        key: tuple[Hashable, ...],
        model: object,
        compute: Callable[[], OperationStats],
    ) -> OperationStats:
        """``compute()`` (``analyze_document``) for ``query``, remembered by what it reads.

        The walk reads of the variables only integers (page sizes) and list lengths, so the
        answer is kept per text, ``key`` (operation, schema, nesting bound), cost ``model``
        (by identity: it holds dicts) and those. Requests with many variables are measured
        every time. The stats returned are shared: callers only read them.
        """
        shape = _variable_shape(variables)
        if shape is None:
            return compute()
        full = (query, *key, id(model), shape)
        with self._lock:
            found = self._measures.get(full)
            if found is not None and found[0] is model:
                self._measures.move_to_end(full)
                return found[1]
        stats = compute()
        self._store(self._measures, full, (model, stats))
        return stats

    def literals(self, query: str, document: DocumentNode) -> tuple[ValueNode, ...]:
        """The literal values of ``document`` (parsed from ``query``), walked once per text."""
        with self._lock:
            found = self._literals.get(query)
            if found is not None:
                self._literals.move_to_end(query)
                return found
        values = tuple(document_literals(document))
        self._store(self._literals, query, values)
        return values

    def _store(self, table: OrderedDict[_K, _V], key: _K, value: _V) -> None:
        with self._lock:
            table[key] = value
            table.move_to_end(key)
            while len(table) > self.maxsize:
                table.popitem(last=False)


#: Requests with more variables than this are measured without the memo (keys stay small).
_MEMO_MAX_VARIABLES = 32


def _variable_shape(variables: Mapping[str, Any] | None) -> tuple[Hashable, ...] | None:
    """What the cost walk can read of ``variables``: each integer, each list's length.

    ``None`` when the variables are not a small mapping of string names (then no memo).
    """
    if variables is None:
        return ()
    if not isinstance(variables, Mapping) or len(variables) > _MEMO_MAX_VARIABLES:
        return None
    shape: list[tuple[str, Hashable]] = []
    for name, value in variables.items():
        if not isinstance(name, str):
            return None
        if type(value) is int:
            shape.append((name, value))
        elif isinstance(value, list):
            shape.append((name, ("list", len(value))))
        else:
            shape.append((name, None))
    return tuple(sorted(shape, key=lambda item: item[0]))
