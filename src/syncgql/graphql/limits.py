"""Operation limits that reject abusive GraphQL before any resolver (or upstream call) runs.

Order of the checks, cheapest first, so a hostile document is turned away before the
expensive spec rules (graphql-core's overlapping-fields rule is quadratic):

1. document size (``len`` of the text, before parsing);
2. token count, enforced by the parser itself (``parse(max_tokens=)``), which also bounds
   comments;
3. one linear pass over the AST (:mod:`syncgql.graphql.cost`): depth, aliases, directives and
   root fields are enforced here, because they bound the work of the validator;
4. then the spec rules, with the overlapping-fields rule given a lower complexity budget
   through a subclass, so graphql-core's module-level default is never changed;
5. only for a valid document, the limits that measure what it would *do* (action mutations,
   page sizes, cost; measured in step 3): a cost is meaningless for a document that cannot
   run, and its validation errors are what the author needs to see (issue 15).

Install (the extension is a *factory*: strawberry builds one instance per request; a shared
instance leaked state between requests in strawberry 0.316)::

    limits = OperationLimits()
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[OperationLimitsExtension.factory(limits, cost_model, cache=DocumentCache())],
        config=StrawberryConfig(batching_config=limits.batching_config()),
    )
    GraphQL(schema, max_subscriptions_per_connection=limits.max_subscriptions_per_connection)

The extension parses and validates itself (with its own optional cache), so do not combine it
with strawberry's ``ParserCache``, ``ValidationCache``, ``MaxTokensLimiter``,
``QueryDepthLimiter`` or ``MaxAliasesLimiter``. Rejections are validation-phase errors
(``PreExecutionError``) whose ``extensions.code`` names the limit.

The parse/validate cache the extension takes lives in :mod:`syncgql.graphql.document_cache`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    NameNode,
    OperationDefinitionNode,
    OverlappingFieldsCanBeMergedRule,
    SelectionSetNode,
    ValidationContext,
    parse,
)
from graphql import OperationType as AstOperationType
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import BatchingConfig
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from syncgql.config import Settings
from syncgql.errorcodes import ErrorCode
from syncgql.graphql.cost import CostModel, OperationStats, analyze_document
from syncgql.graphql.document_cache import DocumentCache
from syncgql.graphql.input_limits import (
    INPUT_LIMIT_CODES,
    InputLimits,
    check_inputs,
)
from syncgql.graphql.schema_hiding import hide_schema_names

__all__ = [
    "LIMIT_CODES",
    "OperationLimits",
    "OperationLimitsExtension",
    "budgeted_overlap_rule",
    "check_document_size",
    "check_operation",
    "limit_error",
    "parse_with_limits",
]


LIMIT_CODES = frozenset(
    {
        ErrorCode.DOCUMENT_TOO_LARGE,
        ErrorCode.TOO_MANY_TOKENS,
        ErrorCode.QUERY_TOO_DEEP,
        ErrorCode.TOO_MANY_ALIASES,
        ErrorCode.TOO_MANY_DIRECTIVES,
        ErrorCode.TOO_MANY_ROOT_FIELDS,
        ErrorCode.TOO_MANY_ACTIONS,
        ErrorCode.PAGE_SIZE_TOO_LARGE,
        ErrorCode.QUERY_TOO_COSTLY,
        *INPUT_LIMIT_CODES,
    }
)
"""Every ``extensions.code`` produced here: safe to show (never mask); one metric label each."""

# Counts above this are shown as "over N": a hostile document can make expanded counts
# astronomically large, and such numbers do not belong in messages or JSON.
_SHOWN_MAX = 10**12


@dataclass(frozen=True, slots=True)
class OperationLimits:
    """All operation limits; the defaults (those of issue 5) are declared on ``Settings``.

    Attributes:
        max_depth: deepest field nesting; introspection subtrees are exempt.
        max_aliases: aliased fields in the operation, fragments expanded.
        max_tokens: lexical tokens (comments included), enforced while parsing.
        max_directives_per_field: directives on one field, spread or inline fragment.
        max_directives: directives in the whole expanded operation.
        max_root_fields: top-level fields of the operation.
        max_document_bytes: UTF-8 size of the document text.
        max_cost: estimated cost (see :mod:`syncgql.graphql.cost`). The tests' 100-job dashboard
            (tasks, source, destination, lastRun each an upstream call) costs 1 903, or about
            2 900 with unsized task lists; ``first: 100000`` costs about 1.9 million.
        max_first: largest ``first``/``last`` page size.
        max_batch_operations: operations per array-batched HTTP request; 1 turns batching off.
        max_action_mutations: action mutations (``executeJob``…) per operation.
        max_subscriptions_per_connection: for the WebSocket view.
        max_nesting: structural nesting (fields, inline fragments, spreads; introspection not
            exempt) beyond which the analysis stops; bounds its recursion.
        overlap_complexity_budget: complexity budget of graphql-core's overlapping-fields rule
            (library default 500 000, about a second of CPU here).
        inputs: sizes of variables and literal input values (:mod:`syncgql.graphql.input_limits`),
            checked before any of them is coerced.
    """

    max_depth: int = Settings.max_depth
    max_aliases: int = Settings.max_aliases
    max_tokens: int = Settings.max_tokens
    max_directives_per_field: int = Settings.max_directives_per_field
    max_directives: int = Settings.max_directives
    max_root_fields: int = Settings.max_root_fields
    max_document_bytes: int = Settings.max_document_bytes
    max_cost: int = Settings.max_cost
    max_first: int = Settings.max_first
    max_batch_operations: int = Settings.max_batch_operations
    max_action_mutations: int = Settings.max_action_mutations
    max_subscriptions_per_connection: int = Settings.max_subscriptions_per_connection
    max_nesting: int = Settings.max_nesting
    overlap_complexity_budget: int = Settings.overlap_complexity_budget
    inputs: InputLimits = field(default_factory=InputLimits)

    def batching_config(self) -> BatchingConfig | None:
        """The value for ``StrawberryConfig(batching_config=…)``: None (off) for one operation."""
        if self.max_batch_operations <= 1:
            return None
        return BatchingConfig(max_operations=self.max_batch_operations)


def limit_error(
    code: ErrorCode, message: str, *, limit: int, actual: int | None = None
) -> GraphQLError:
    """A GraphQL error for a broken limit, with ``extensions.code`` and the limit."""
    extensions: dict[str, Any] = {"code": code, "limit": limit}
    if actual is not None:
        extensions["actual"] = min(actual, _SHOWN_MAX)
    return GraphQLError(message, extensions=extensions)


def _shown(actual: int) -> str:
    return f"over {_SHOWN_MAX}" if actual > _SHOWN_MAX else str(actual)


def check_document_size(query: str, limits: OperationLimits) -> GraphQLError | None:
    """Reject a document whose UTF-8 size exceeds the limit, without encoding large texts."""
    limit = limits.max_document_bytes
    # UTF-8 needs 1 to 4 bytes per code point, so len() brackets the size cheaply.
    if len(query) > limit:
        size = len(query)
    elif len(query) * 4 <= limit:
        return None
    else:
        size = len(query.encode("utf-8", "surrogatepass"))
        if size <= limit:
            return None
    return limit_error(
        ErrorCode.DOCUMENT_TOO_LARGE,
        f"The document is at least {size} bytes; the limit is {limit} bytes.",
        limit=limit,
        actual=size,
    )


def parse_with_limits(
    query: str, limits: OperationLimits, cache: DocumentCache | None = None
) -> DocumentNode:
    """Parse under the size and token limits.

    Raises:
        GraphQLError: ``DOCUMENT_TOO_LARGE``, ``TOO_MANY_TOKENS``, ``QUERY_TOO_DEEP`` (nesting the
            parser cannot follow) or the parser's own syntax error.
    """
    if (too_large := check_document_size(query, limits)) is not None:
        raise too_large
    try:
        if cache is not None:
            return cache.parse(query, limits.max_tokens)
        return parse(query, max_tokens=limits.max_tokens)
    except GraphQLSyntaxError as error:
        # graphql-core reports its limits as syntax errors; give them our codes.
        if "Parsing aborted" in error.message and "nested too deeply" in error.message:
            raise limit_error(
                ErrorCode.QUERY_TOO_DEEP,
                "The document nests too deeply to be parsed.",
                limit=limits.max_depth,
            ) from error
        if "Parsing aborted" in error.message:
            raise limit_error(
                ErrorCode.TOO_MANY_TOKENS,
                f"The document has more than {limits.max_tokens} tokens; "
                f"the limit is {limits.max_tokens}.",
                limit=limits.max_tokens,
            ) from error
        raise


def _over(errors: list[GraphQLError], code: ErrorCode, actual: int, limit: int, what: str) -> None:
    if actual > limit:
        text = f"The operation {what.format(_shown(actual))}; the limit is {limit}."
        errors.append(limit_error(code, text, limit=limit, actual=actual))


def _shape_errors(stats: OperationStats, limits: OperationLimits) -> list[GraphQLError]:
    """The limits on the document's shape, which protect the validator: checked before it."""
    errors: list[GraphQLError] = []

    def over(code: ErrorCode, actual: int, limit: int, what: str) -> None:
        _over(errors, code, actual, limit, what)

    if stats.nesting_exceeded:
        errors.append(
            limit_error(
                ErrorCode.QUERY_TOO_DEEP,
                f"The operation nests more than {limits.max_nesting} levels of selections.",
                limit=limits.max_depth,
            )
        )
    else:
        over(ErrorCode.QUERY_TOO_DEEP, stats.depth, limits.max_depth, "is {} levels deep")
    over(ErrorCode.TOO_MANY_ALIASES, stats.aliases, limits.max_aliases, "uses {} aliases")
    over(
        ErrorCode.TOO_MANY_DIRECTIVES,
        stats.max_directives_on_node,
        limits.max_directives_per_field,
        "puts {} directives on one field",
    )
    over(
        ErrorCode.TOO_MANY_DIRECTIVES, stats.directives, limits.max_directives, "uses {} directives"
    )
    over(
        ErrorCode.TOO_MANY_ROOT_FIELDS,
        stats.root_fields,
        limits.max_root_fields,
        "has {} root fields",
    )
    return errors


def _effect_errors(stats: OperationStats, limits: OperationLimits) -> list[GraphQLError]:
    """The limits on what a valid operation would do: checked only once it validated."""
    errors: list[GraphQLError] = []

    def over(code: ErrorCode, actual: int, limit: int, what: str) -> None:
        _over(errors, code, actual, limit, what)

    over(
        ErrorCode.TOO_MANY_ACTIONS,
        stats.actions,
        limits.max_action_mutations,
        "runs {} action mutations (such as executeJob)",
    )
    over(
        ErrorCode.PAGE_SIZE_TOO_LARGE,
        stats.max_page_size,
        limits.max_first,
        "asks for a page of {} items (first/last); paginate instead",
    )
    over(ErrorCode.QUERY_TOO_COSTLY, stats.cost, limits.max_cost, "has an estimated cost of {}")
    return errors


def check_operation(
    document: DocumentNode,
    schema: GraphQLSchema,
    limits: OperationLimits,
    model: CostModel | None = None,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> tuple[list[GraphQLError], OperationStats]:
    """Run the linear pre-pass and return the broken limits (empty when all hold) and stats.

    The list holds the shape limits first, then the effect limits (see the module docstring
    for why the extension checks the two on either side of validation).
    """
    stats = analyze_document(
        document,
        schema,
        variables,
        model,
        operation_name=operation_name,
        max_nesting=limits.max_nesting,
    )
    return [*_shape_errors(stats, limits), *_effect_errors(stats, limits)], stats


@functools.cache
def budgeted_overlap_rule(budget: int) -> type[ASTValidationRule]:
    """graphql-core's overlapping-fields rule with its own complexity budget.

    graphql-core reads ``MAX_COMPLEXITY_BUDGET`` from its module when the rule starts; setting
    the budget on the rule's context instead keeps other users of graphql-core in the process
    unaffected. Cached per budget so the class is stable (validation cache keys use it).
    """

    class BudgetedOverlappingFieldsRule(OverlappingFieldsCanBeMergedRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.rule_context.remaining_complexity_budget = budget

    BudgetedOverlappingFieldsRule.__name__ = f"OverlappingFieldsCanBeMergedRule{budget}"
    return BudgetedOverlappingFieldsRule


def _placeholder_document(context: ExecutionContext) -> DocumentNode:
    """An empty operation that lets strawberry reach the validation phase without parsing.

    strawberry reads the operation type from the document between parsing and validation;
    this one has an allowed type and the requested name, so a rejected document ends as a
    validation error (``PreExecutionError``) on every transport, WebSockets included.
    """
    allowed = list(context.allowed_operations)
    kind = OperationType.QUERY if OperationType.QUERY in allowed or not allowed else allowed[0]
    name = context.operation_name
    operation = OperationDefinitionNode(
        operation=AstOperationType(kind.value),
        name=NameNode(value=name) if name else None,
        variable_definitions=(),
        directives=(),
        selection_set=SelectionSetNode(selections=()),
    )
    return DocumentNode(definitions=(operation,))


def _hidden(error: GraphQLError, schema: GraphQLSchema) -> GraphQLError:
    return GraphQLError(
        hide_schema_names(error.message, schema),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions=error.extensions,
    )


class OperationLimitsExtension(SchemaExtension):
    """Enforces :class:`OperationLimits` during parsing and before the spec rules.

    Args:
        limits: the limits.
        cost_model: which fields cost what (default: objects cost 1, nothing is an upstream call).
        cache: a shared :class:`DocumentCache`, or None to parse and validate every time.
        expose_cost: add ``extensions.cost`` (the estimated cost) to responses.
    """

    def __init__(
        self,
        limits: OperationLimits | None = None,
        cost_model: CostModel | None = None,
        *,
        cache: DocumentCache | None = None,
        expose_cost: bool = False,
    ) -> None:
        super().__init__()
        self.limits = limits or OperationLimits()
        self.cost_model = cost_model or CostModel()
        self.cache = cache
        self.expose_cost = expose_cost
        self._rejection: GraphQLError | None = None
        self._parsed_here = False
        self._cost: int | None = None

    @classmethod
    def factory(
        cls,
        limits: OperationLimits | None = None,
        cost_model: CostModel | None = None,
        *,
        cache: DocumentCache | None = None,
        expose_cost: bool = False,
    ) -> Callable[[], OperationLimitsExtension]:
        """A zero-argument factory for ``strawberry.Schema(extensions=[…])``."""
        return functools.partial(cls, limits, cost_model, cache=cache, expose_cost=expose_cost)

    def on_operation(self) -> Iterator[None]:
        """Set the parser's token limit in case something else parses the document."""
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        """Check the size and parse under the token limit (cached when a cache is given)."""
        context = self.execution_context
        if context.graphql_document is None and context.query is not None:
            try:
                context.graphql_document = parse_with_limits(context.query, self.limits, self.cache)
                self._parsed_here = True
            except GraphQLError as error:
                self._rejection = error
                context.graphql_document = _placeholder_document(context)
        yield

    def on_validate(self) -> Iterator[None]:
        """Reject broken limits; otherwise run the spec rules with a bounded overlap budget."""
        context = self.execution_context
        shape_errors, effect_errors = self._check_limits(context)
        if shape_errors:
            # Even if an earlier extension already validated: a broken limit always rejects.
            context.pre_execution_errors = shape_errors
        else:
            if context.pre_execution_errors is None and context.validation_rules:
                errors = self._spec_validate(context)
                if errors and context.schema.config.disable_field_suggestions:
                    # Suggestions off means a caller who must not learn the schema: hide its
                    # type names here, where HTTP and WebSocket validation errors both pass.
                    errors = [_hidden(error, context.schema._schema) for error in errors]
                context.pre_execution_errors = errors
            if effect_errors and not context.pre_execution_errors:
                context.pre_execution_errors = effect_errors
        yield

    def _check_limits(
        self, context: ExecutionContext
    ) -> tuple[list[GraphQLError], list[GraphQLError]]:
        """The broken shape limits (checked before validation) and effect limits (after)."""
        if self._rejection is not None:
            return [self._rejection], []
        if context.graphql_document is None:  # pragma: no cover - strawberry parsed already
            return [], []
        document = context.graphql_document
        # The memo is keyed by text, so only documents parsed here from that text may use it.
        memo = self.cache if self._parsed_here and context.query is not None else None
        literals = memo.literals(context.query, document) if memo and context.query else None
        # Before the pre-pass, which reads variables too, and long before execute coerces them.
        too_large = check_inputs(document, context.variables, self.limits.inputs, literals)
        if too_large is not None:
            return [too_large], []

        def measure() -> OperationStats:
            return analyze_document(
                document,
                context.schema._schema,
                context.variables,
                self.cost_model,
                operation_name=context.operation_name,
                max_nesting=self.limits.max_nesting,
            )

        if memo is not None and context.query is not None:
            key = (context.operation_name, context.schema._schema, self.limits.max_nesting)
            stats = memo.measure(context.query, context.variables, key, self.cost_model, measure)
        else:
            stats = measure()
        self._cost = stats.cost
        return _shape_errors(stats, self.limits), _effect_errors(stats, self.limits)

    def _spec_validate(self, context: ExecutionContext) -> list[GraphQLError]:
        schema = context.schema._schema
        document = context.graphql_document
        assert document is not None
        budgeted = budgeted_overlap_rule(self.limits.overlap_complexity_budget)
        rules = tuple(
            budgeted if rule is OverlappingFieldsCanBeMergedRule else rule
            for rule in context.validation_rules
        )
        # The cache is keyed by text, so only documents parsed here from that text may use it.
        if self.cache is not None and self._parsed_here and context.query is not None:
            return self.cache.validate(schema, context.query, document, rules)
        return validate_document(schema, document, rules)

    def get_results(self) -> dict[str, Any]:
        """``{"cost": n}`` when ``expose_cost`` is on and the operation was measured."""
        if self.expose_cost and self._cost is not None:
            return {"cost": min(self._cost, _SHOWN_MAX)}
        return {}
