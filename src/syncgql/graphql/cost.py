"""A single linear pass over a GraphQL operation: depth, aliases, directives, root fields, cost.

The pass runs *before* graphql-core's spec validation, so it must stay cheap on hostile input:

- fragments are expanded through a memo (one walk per fragment and inherited page size), so a
  fragment spread ten times inside a fragment spread ten times costs two walks, not a hundred,
  while the *counts* still reflect the expanded tree (they just become large numbers);
- a fragment that is being walked and is spread again (a cycle, direct or through inline
  fragments) contributes nothing, so cycles terminate; the spec rule reports them later;
- the structural nesting (fields, inline fragments, spreads) is capped, which bounds the
  recursion whatever the document looks like.

Cost model (what one unit means): every object materialised costs ``object_cost`` (default 1),
every field marked as an upstream call costs its weight, and both are multiplied by the size of
the lists around them. A list's size is its ``first``/``last`` argument, or, for the ``edges`` /
``nodes`` list of a connection, the page size of the connection field above it; a list whose
length is set by a list argument (``nodes(ids:)``, see ``length_arguments``) is as long as that
argument, literal or variable; any other list gets ``list_sizes["Type.field"]`` or
``default_list_size``.

Marking fields (for the schema owner): on the strawberry field itself, so a weight cannot name
a field that does not exist and moves with the field::

    @strawberry.field(metadata=upstream_call(list_size=10))     # batched call: weight 1
    @strawberry.field(metadata=per_row_call())                  # one call per row: ROW_CALL_COST
    @strawberry.mutation(metadata=ACTION)                       # counts against max actions
    strawberry.field(metadata=assumed_list(3))                  # a list's assumed length only

A ``CostModel`` mapping (``field_costs={"Query.jobs": 1}``) still exists for schemas that are
not syncgql's own (the test toys); it wins over the metadata. syncgql's schema uses none.

(Over 400 lines because the walk and the cost rules are one algorithm, best read in one place.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)

__all__ = [
    "ACTION",
    "ACTION_METADATA_KEY",
    "COST_METADATA_KEY",
    "LENGTH_ARGUMENT_METADATA_KEY",
    "LIST_SIZE_METADATA_KEY",
    "ROW_CALL_COST",
    "CostModel",
    "OperationStats",
    "analyze_document",
    "assumed_list",
    "estimate_cost",
    "per_row_call",
    "upstream_call",
]

COST_METADATA_KEY = "syncgql.cost"
ACTION_METADATA_KEY = "syncgql.action"
LIST_SIZE_METADATA_KEY = "syncgql.list_size"
LENGTH_ARGUMENT_METADATA_KEY = "syncgql.length_argument"

ROW_CALL_COST = 100
"""Weight of a field that makes one upstream call per row: the default maximum cost (10 000)
buys 100 of them statically, the run-time budget (``--max-upstream-calls``, 50) the rest.

With the weights on syncgql's fields the documented 100-job dashboard costs about 1 900, while
``jobs(first: 100000)`` is refused, and so is ``runs(first: 100) { edges { node { log { lines }
} } }`` (a hundred ``getJobLog`` calls)."""

ACTION: Mapping[str, Any] = {ACTION_METADATA_KEY: True}
"""Metadata of a mutation that triggers an action upstream (``executeJob``, ``cancelJob``)."""


def upstream_call(
    weight: int = 1, *, list_size: int | None = None, length_argument: str | None = None
) -> dict[str, Any]:
    """Field metadata of a field that makes (or joins) a batched upstream call.

    Args:
        weight: cost of one resolution; a DataLoader answers a whole level with one call, so 1.
        list_size: assumed length of the field's list when it has no page argument.
        length_argument: the list argument whose length is the list's (``nodes(ids:)``).
    """
    metadata: dict[str, Any] = {COST_METADATA_KEY: weight}
    if list_size is not None:
        metadata[LIST_SIZE_METADATA_KEY] = list_size
    if length_argument is not None:
        metadata[LENGTH_ARGUMENT_METADATA_KEY] = length_argument
    return metadata


def assumed_list(size: int) -> dict[str, Any]:
    """Field metadata of a list that makes no upstream call: its assumed length only.

    For lists without a page argument (``JobHealth.findings``), instead of ``default_list_size``.
    """
    return {LIST_SIZE_METADATA_KEY: size}


def per_row_call(*, list_size: int | None = None) -> dict[str, Any]:
    """Field metadata of a field that costs one upstream call per row (``JobRun.log``)."""
    return upstream_call(ROW_CALL_COST, list_size=list_size)


# strawberry stores its field definition under this key of graphql-core's field extensions.
_STRAWBERRY_BACKREF = "strawberry-definition"
_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# A literal like `first: 999…9` with thousands of digits must not reach int() (Python refuses
# more than 4 300 digits); anything this long is simply "huge".
_HUGE = 10**18


@dataclass(frozen=True, slots=True)
class CostModel:
    """Which fields cost an upstream call and how big lists are assumed to be.

    Attributes:
        field_costs: ``"Type.field"`` → weight of one resolution (an upstream call).
        list_sizes: ``"Type.field"`` → assumed size of a list that has no page argument.
        action_fields: ``"Type.field"`` of mutations that trigger an action upstream
            (``executeJob``, ``cancelJob``); counted against ``max_action_mutations``.
        length_arguments: ``"Type.field"`` → the list argument whose length is the length of
            the field's list (``{"Query.nodes": "ids"}``: one object per id).
        page_arguments: argument names that set a page size.
        default_page_size: page size assumed when a paginated field gets no page argument and
            the schema gives none by default.
        default_list_size: assumed size of any other list.
        object_cost: cost of each object (composite value) materialised.
        scalar_cost: cost of each scalar value.
    """

    field_costs: Mapping[str, int] = field(default_factory=dict)
    list_sizes: Mapping[str, int] = field(default_factory=dict)
    action_fields: frozenset[str] = frozenset()
    length_arguments: Mapping[str, str] = field(default_factory=dict)
    page_arguments: tuple[str, ...] = ("first", "last")
    default_page_size: int = 100
    default_list_size: int = 20
    object_cost: int = 1
    scalar_cost: int = 0


@dataclass(slots=True)
class OperationStats:
    """What the pass measured (for several operations: the maximum of each).

    Attributes:
        depth: deepest field nesting (introspection subtrees excluded).
        aliases: aliased fields, fragments expanded (aliased ``__typename`` included).
        directives: directives in the expanded operation.
        max_directives_on_node: most directives on a single field, spread or inline fragment.
        root_fields: top-level fields (``__typename`` excluded).
        actions: top-level action mutations.
        cost: estimated cost per the model.
        max_page_size: largest page size argument given by the caller.
        nesting_exceeded: the structure nests deeper than the analysis cap.
    """

    depth: int = 0
    aliases: int = 0
    directives: int = 0
    max_directives_on_node: int = 0
    root_fields: int = 0
    actions: int = 0
    cost: int = 0
    max_page_size: int = 0
    nesting_exceeded: bool = False

    def merge_max(self, other: OperationStats) -> None:
        """Keep the larger value of each measure (a document's operations are alternatives)."""
        self.depth = max(self.depth, other.depth)
        self.aliases = max(self.aliases, other.aliases)
        self.directives = max(self.directives, other.directives)
        self.max_directives_on_node = max(self.max_directives_on_node, other.max_directives_on_node)
        self.root_fields = max(self.root_fields, other.root_fields)
        self.actions = max(self.actions, other.actions)
        self.cost = max(self.cost, other.cost)
        self.max_page_size = max(self.max_page_size, other.max_page_size)
        self.nesting_exceeded = self.nesting_exceeded or other.nesting_exceeded


@dataclass(slots=True)
class _Summary:
    """Measures of one selection set; ``fields``/``actions`` count its top level only."""

    depth: int = 0
    aliases: int = 0
    directives: int = 0
    fields: int = 0
    actions: int = 0
    cost: int = 0

    def add_flat(self, other: _Summary) -> None:
        """Merge a fragment's selections, which sit at this same level."""
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.directives += other.directives
        self.fields += other.fields
        self.actions += other.actions
        self.cost += other.cost


class _Walker:
    """Walks one operation; state lives here so the memo is per operation and request."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        model: CostModel,
        max_nesting: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.model = model
        self.max_nesting = max_nesting
        self.memo: dict[tuple[str, int | None], _Summary] = {}
        self.in_progress: set[str] = set()
        self.max_page_size = 0
        self.max_directives_on_node = 0
        self.nesting_exceeded = False

    def selection_set(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        inherited_page: int | None,
        nesting: int,
    ) -> _Summary:
        summary = _Summary()
        if nesting > self.max_nesting:
            # Stop descending: the recursion stays bounded and the caller reports the depth.
            self.nesting_exceeded = True
            return summary
        for selection in selection_set.selections:
            n_directives = len(selection.directives or ())
            summary.directives += n_directives
            self.max_directives_on_node = max(self.max_directives_on_node, n_directives)
            if isinstance(selection, FieldNode):
                self._field(selection, parent, inherited_page, nesting, summary)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                type_ = self.schema.get_type(condition.name.value) if condition else parent
                inner = self.selection_set(
                    selection.selection_set, type_, inherited_page, nesting + 1
                )
                summary.add_flat(inner)
            elif isinstance(selection, FragmentSpreadNode):
                summary.add_flat(self._fragment(selection.name.value, inherited_page, nesting))
        return summary

    def _fragment(self, name: str, inherited_page: int | None, nesting: int) -> _Summary:
        key = (name, inherited_page)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            # Unknown fragment or a cycle: contributes nothing; spec validation reports it.
            return _Summary()
        self.in_progress.add(name)
        try:
            type_ = self.schema.get_type(definition.type_condition.name.value)
            result = self.selection_set(
                definition.selection_set, type_, inherited_page, nesting + 1
            )
            result.directives += len(definition.directives or ())
        finally:
            self.in_progress.discard(name)
        self.memo[key] = result
        return result

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType | None,
        inherited_page: int | None,
        nesting: int,
        summary: _Summary,
    ) -> None:
        name = node.name.value
        if name == "__typename":
            summary.cost += self.model.scalar_cost
            summary.depth = max(summary.depth, 1)
            # An aliased ``__typename`` is free to resolve but is still alias overloading
            # (graphql-cop rates 100+ aliases HIGH): count the alias, not the field.
            if node.alias is not None:
                summary.aliases += 1
            return
        summary.fields += 1
        if node.alias is not None:
            summary.aliases += 1
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        coordinate = f"{parent.name}.{name}" if parent is not None else name
        if definition is not None and self._is_action(coordinate, definition):
            summary.actions += 1

        introspection = name in _INTROSPECTION_FIELDS
        page = self._page_size(node, definition, coordinate)
        field_type = get_nullable_type(definition.type) if definition is not None else None
        is_list = is_list_type(field_type)
        child_type = get_named_type(field_type) if field_type is not None else None
        if is_list:
            size = page if page is not None else inherited_page
            if size is None:
                size = self._argument_length(node, coordinate, definition)
            if size is None:
                size = self._list_size(coordinate, definition)
            child_page = None
        else:
            size, child_page = 1, page

        child = _Summary()
        if node.selection_set is not None:
            child = self.selection_set(node.selection_set, child_type, child_page, nesting + 1)
        summary.aliases += child.aliases
        summary.directives += child.directives
        if introspection:
            # Introspection is answered locally and is exempt from depth and cost.
            summary.depth = max(summary.depth, 1)
            return
        summary.depth = max(summary.depth, 1 + child.depth)
        unit = self.model.object_cost if is_composite_type(child_type) else self.model.scalar_cost
        weight = self._weight(coordinate, definition)
        summary.cost += weight + size * (unit + child.cost)

    def _weight(self, coordinate: str, definition: GraphQLField | None) -> int:
        weight = self.model.field_costs.get(coordinate)
        if weight is None:
            weight = _metadata_int(definition, COST_METADATA_KEY)
        return weight or 0

    def _list_size(self, coordinate: str, definition: GraphQLField | None) -> int:
        size = self.model.list_sizes.get(coordinate)
        if size is None:
            size = _metadata_int(definition, LIST_SIZE_METADATA_KEY)
        return self.model.default_list_size if size is None else size

    def _is_action(self, coordinate: str, definition: GraphQLField) -> bool:
        if coordinate in self.model.action_fields:
            return True
        metadata = _strawberry_metadata(definition)
        return bool(metadata.get(ACTION_METADATA_KEY, False))

    def _page_size(
        self, node: FieldNode, definition: GraphQLField | None, coordinate: str
    ) -> int | None:
        """The page size a paginated field asks for, or None when it takes no page argument."""
        if definition is None:
            return None
        paginated = False
        given: list[int] = []
        defaults: list[int] = []
        for arg_name in self.model.page_arguments:
            argument = definition.args.get(arg_name)
            if argument is None:
                continue
            paginated = True
            value = self._argument_value(node, arg_name)
            if value is not None:
                given.append(value)
                continue
            default = argument.default_value
            if isinstance(default, int) and not isinstance(default, bool):
                defaults.append(max(default, 0))
        if not paginated:
            return None
        if given:
            # Only what the caller asked for counts against the page-size limit.
            size = max(given)
            self.max_page_size = max(self.max_page_size, size)
            return size
        if defaults:
            return max(defaults)
        override = self.model.list_sizes.get(coordinate)
        if override is None:
            override = _metadata_int(definition, LIST_SIZE_METADATA_KEY)
        return self.model.default_page_size if override is None else override

    def _argument_length(
        self, node: FieldNode, coordinate: str, definition: GraphQLField | None
    ) -> int | None:
        """Length of the list argument that sizes this field's list, when one is named."""
        arg_name = self.model.length_arguments.get(coordinate)
        if arg_name is None:
            named = _strawberry_metadata(definition).get(LENGTH_ARGUMENT_METADATA_KEY)
            arg_name = named if isinstance(named, str) else None
        if arg_name is None:
            return None
        for argument in node.arguments or ():
            if argument.name.value != arg_name:
                continue
            value_node = argument.value
            if isinstance(value_node, ListValueNode):
                return len(value_node.values)
            if isinstance(value_node, VariableNode):
                value = self.variables.get(value_node.name.value)
                # A single value is coerced to a list of one by GraphQL's input coercion.
                return len(value) if isinstance(value, list) else 1
            return 1
        return None

    def _argument_value(self, node: FieldNode, arg_name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != arg_name:
                continue
            value_node = argument.value
            if isinstance(value_node, IntValueNode):
                return _int_literal(value_node.value)
            if isinstance(value_node, VariableNode):
                return _int_variable(self.variables.get(value_node.name.value))
            return None
        return None


def _int_literal(text: str) -> int:
    if len(text.lstrip("-")) > len(str(_HUGE)):
        return 0 if text.startswith("-") else _HUGE
    return max(int(text), 0)


def _int_variable(value: object) -> int | None:
    """A variable's value as GraphQL ``Int`` coercion will see it, or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(value, 0)
    # graphql-core coerces integral floats (JSON `1e5`) to Int, so they must count too.
    if isinstance(value, float) and value.is_integer():
        return max(int(value), 0)
    return None


def _strawberry_metadata(definition: GraphQLField | None) -> Mapping[str, Any]:
    if definition is None or not definition.extensions:
        return {}
    strawberry_field = definition.extensions.get(_STRAWBERRY_BACKREF)
    metadata = getattr(strawberry_field, "metadata", None)
    return metadata if isinstance(metadata, Mapping) else {}


def _metadata_int(definition: GraphQLField | None, key: str) -> int | None:
    value = _strawberry_metadata(definition).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _operation_variables(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Request variables, completed with the operation's literal integer defaults."""
    values: dict[str, Any] = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and isinstance(definition.default_value, IntValueNode):
            values[name] = _int_literal(definition.default_value.value)
    return values


def analyze_document(
    document: DocumentNode,
    schema: GraphQLSchema,
    variables: Mapping[str, Any] | None = None,
    model: CostModel | None = None,
    *,
    operation_name: str | None = None,
    max_nesting: int = 64,
) -> OperationStats:
    """Measure the operation(s) of a parsed document in one linear pass.

    Args:
        document: the parsed document.
        schema: the graphql-core schema (``strawberry.Schema._schema``).
        variables: the request's variables, used for page-size arguments.
        model: the cost model; the default charges objects only.
        operation_name: the operation that will run; when None or not found every operation
            in the document is measured and the maximum of each measure is returned.
        max_nesting: structural nesting at which the walk stops and ``nesting_exceeded`` is set.

    Returns:
        The measures; nothing is raised for invalid documents (the spec rules judge those).
    """
    model = model or CostModel()
    fragments: dict[str, FragmentDefinitionNode] = {}
    operations: list[OperationDefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    chosen = [op for op in operations if op.name and op.name.value == operation_name]
    stats = OperationStats()
    for operation in chosen or operations:
        walker = _Walker(
            schema, fragments, _operation_variables(operation, variables), model, max_nesting
        )
        root = schema.get_root_type(operation.operation)
        summary = walker.selection_set(operation.selection_set, root, None, 1)
        n_directives = len(operation.directives or ())
        stats.merge_max(
            OperationStats(
                depth=summary.depth,
                aliases=summary.aliases,
                directives=summary.directives + n_directives,
                max_directives_on_node=max(walker.max_directives_on_node, n_directives),
                root_fields=summary.fields,
                actions=summary.actions,
                cost=summary.cost,
                max_page_size=walker.max_page_size,
                nesting_exceeded=walker.nesting_exceeded,
            )
        )
    return stats


def estimate_cost(
    document: DocumentNode,
    schema: GraphQLSchema,
    variables: Mapping[str, Any] | None = None,
    model: CostModel | None = None,
    *,
    operation_name: str | None = None,
) -> int:
    """Estimated cost of the operation (for ``extensions.cost`` and metrics).

    Args:
        document: the parsed document.
        schema: the graphql-core schema (``strawberry.Schema._schema``).
        variables: the request's variables.
        model: the cost model.
        operation_name: the operation that will run.

    Returns:
        The cost in model units (see the module docstring).
    """
    return analyze_document(document, schema, variables, model, operation_name=operation_name).cost
