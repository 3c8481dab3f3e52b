"""Compile one operation of a validated document into a plan (:mod:`.nodes`).

Fields are collected with graphql-core's own ``collect_fields``/``collect_subfields`` (so
fragments, inline fragments, type conditions, aliases, field merging and ``@skip``/``@include``
are decided exactly as the reference executor decides them), once per object type a selection
can meet at run time. Only ``@skip``/``@include`` make collection depend on variables: a plan
is valid for every execution whose condition variables have the same values, which is how
:mod:`.executor` keys its cache.

What the compiler refuses raises :class:`Unsupported` with a short, low-cardinality reason
(the label of ``syncgql_plan_fallbacks_total``); the whole operation then runs in graphql-core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    OperationType,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import get_argument_values
from graphql.language import (
    DirectiveNode,
    FieldNode,
    Node,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.types.field import StrawberryField

from syncgql.graphql.plan.direct import direct_resolver, preload_of
from syncgql.graphql.plan.nodes import (
    AbstractOf,
    Completer,
    FieldPlan,
    Leaf,
    ListOf,
    NonNull,
    ObjectOf,
    ObjectPlan,
    is_boolean,
    is_finite_float,
    is_int32,
    is_string,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphql.execution.executor import Executor

__all__ = ["Unsupported", "compile_operation", "condition_variables"]

_DEFINITION = "strawberry-definition"  # strawberry's back reference on graphql-core fields

#: Built-in scalars whose output coercion leaves values of one exact type unchanged.
_PASS_THROUGH: dict[object, Callable[[object], bool]] = {
    GraphQLString: is_string,
    GraphQLID: is_string,
    GraphQLBoolean: is_boolean,
    GraphQLInt: is_int32,
    GraphQLFloat: is_finite_float,
}


class Unsupported(Exception):  # noqa: N818 - a reason, not a failure
    """The compiler does not handle this operation; ``reason`` labels the fallback metric."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def condition_variables(ex: Executor[Any]) -> tuple[str, ...]:
    """The variables that ``@skip``/``@include`` read in the operation and its fragments."""
    names: set[str] = set()

    class Conditions(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: object) -> None:
            if node.name.value in ("skip", "include"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)

    visitor = Conditions()
    visit(ex.operation, visitor)
    for fragment in ex.fragment_definitions.values():
        visit(fragment, visitor)
    return tuple(sorted(names))


def compile_operation(ex: Executor[Any]) -> ObjectPlan:
    """The plan of ``ex``'s operation under its current condition variables.

    Raises:
        Unsupported: anything but a query, introspection, ``@defer``/``@stream``, fragment
            arguments, middleware, or a selection too deep to compile.
    """
    operation = ex.operation
    if operation.operation is not OperationType.QUERY:
        raise Unsupported(operation.operation.value)
    if not ex.error_propagation:
        raise Unsupported("error_propagation_off")
    if ex.middleware_manager is not None and ex.middleware_manager.middlewares:
        raise Unsupported("middleware")
    if ex.abort_signal is not None or ex.hooks is not None:
        raise Unsupported("abort_or_hooks")
    root_type = ex.schema.query_type
    assert root_type is not None  # a validated query has one
    try:
        grouped, defers, _forbidden = collect_fields(
            ex.schema,
            ex.fragments,
            ex.variable_values,
            root_type,
            operation,
            ex.hide_suggestions,
        )
        if defers:
            raise Unsupported("defer")
        return _Compiler(ex).object_plan(root_type, grouped, covered=False)
    except RecursionError:
        raise Unsupported("too_deep") from None


class _Compiler:
    def __init__(self, ex: Executor[Any]) -> None:
        self.ex = ex

    def object_plan(
        self, object_type: GraphQLObjectType, grouped: GroupedFieldSet, *, covered: bool
    ) -> ObjectPlan:
        """The plan of one selection on ``object_type``.

        ``covered``: the objects' preloads are run by an enclosing list for all its items
        (the objects are its items, or reached from them through plain attributes).
        """
        plan = ObjectPlan(object_type.name)
        schema = self.ex.schema
        for response_name, details in grouped.items():
            for detail in details:
                if detail.defer_usage is not None:
                    raise Unsupported("defer")
                if detail.fragment_variable_values is not None:
                    raise Unsupported("fragment_arguments")
            node = details[0].node
            name = node.name.value
            if name in ("__schema", "__type"):
                raise Unsupported("introspection")
            if any(d.name.value == "stream" for n in details for d in n.node.directives or ()):
                raise Unsupported("stream")
            field_def = schema.get_field(object_type, name)
            if field_def is None:
                continue  # graphql-core leaves the key out (validation prevents it)
            if name == "__typename":
                completer = self.completer(field_def.type, details, covered=False)
                plan.fields.append(
                    FieldPlan(
                        response_name=response_name,
                        parent_type=object_type,
                        field_def=field_def,
                        details=details,
                        completer=completer,
                        attribute=None,
                        resolve=None,
                        args=None,
                        typename=object_type.name,
                    )
                )
                continue
            attribute = _basic_attribute(field_def)
            definition = (field_def.extensions or {}).get(_DEFINITION)
            # A declared direct resolver replaces strawberry's wrapper (``direct``).
            declared = direct_resolver(definition)
            resolve = declared or field_def.resolve or self.ex.field_resolver
            completer = self.completer(
                field_def.type, details, covered=covered and attribute is not None
            )
            plan.fields.append(
                FieldPlan(
                    response_name=response_name,
                    parent_type=object_type,
                    field_def=field_def,
                    details=details,
                    completer=completer,
                    attribute=attribute,
                    resolve=None if attribute else resolve,
                    args=self.static_arguments(field_def, details),
                    preload=None if attribute else preload_of(definition),
                    direct=declared is not None and not attribute,
                )
            )
        plan.preloads = _preloads(plan)
        return plan

    def static_arguments(
        self, field_def: GraphQLField, details: FieldDetailsList
    ) -> dict[str, Any] | None:
        """The coerced arguments when they read no variable (None: coerce per execution)."""
        node = details[0].node
        if not (field_def.args or node.arguments):
            return {}
        if _uses_variables(node):
            return None
        try:
            return get_argument_values(
                field_def, node, self.ex.variable_values, None, self.ex.hide_suggestions
            )
        except GraphQLError:
            return None  # raised again per execution, where graphql-core raises it

    def completer(
        self, return_type: GraphQLOutputType, details: FieldDetailsList, *, covered: bool
    ) -> Completer:
        if isinstance(return_type, GraphQLNonNull):
            return NonNull(self.completer(return_type.of_type, details, covered=covered))
        if isinstance(return_type, GraphQLList):
            # The list runs its object items' preloads (``ListOf``); an abstract item type's
            # objects load per row (through their loaders, batched by level all the same).
            inner = self.completer(return_type.of_type, details, covered=True)
            return ListOf(inner, return_type.of_type)
        if is_leaf_type(return_type):
            return Leaf(return_type, _PASS_THROUGH.get(return_type))
        if is_object_type(return_type):
            return self.object_completer(return_type, details, covered=covered)
        if is_abstract_type(return_type):
            schema = self.ex.schema
            possible = schema.get_possible_types(return_type)
            return AbstractOf(
                return_type,
                {
                    kind.name: self.object_completer(kind, details, covered=covered)
                    for kind in possible
                },
            )
        raise Unsupported("output_type")  # pragma: no cover - every output type is above

    def object_completer(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, *, covered: bool
    ) -> ObjectOf:
        ex = self.ex
        grouped, defers, _forbidden = collect_subfields(
            ex.schema,
            ex.fragments,
            ex.variable_values,
            ex.operation,
            object_type,
            details,
            ex.hide_suggestions,
        )
        if defers:
            raise Unsupported("defer")
        plan = self.object_plan(object_type, grouped, covered=covered)
        return ObjectOf(object_type, plan, preload_self=not covered)


def _preloads(plan: ObjectPlan) -> list[tuple[tuple[str, ...], FieldPlan]]:
    """The preloads of ``plan``'s fields and of the objects its plain attributes lead to."""
    found: list[tuple[tuple[str, ...], FieldPlan]] = []
    seen: set[tuple[tuple[str, ...], object]] = set()

    def add(chain: tuple[str, ...], field: FieldPlan) -> None:
        key = (chain, field.preload)
        if key not in seen:  # source and destination share one preload
            seen.add(key)
            found.append((chain, field))

    for field in plan.fields:
        if field.preload is not None:
            add((), field)
        elif field.attribute is not None:
            completer = field.completer
            inner = completer.inner if isinstance(completer, NonNull) else completer
            if isinstance(inner, ObjectOf):
                for chain, sub in inner.plan.preloads:
                    add((field.attribute, *chain), sub)
    return found


def _basic_attribute(field_def: GraphQLField) -> str | None:
    """The attribute a strawberry basic field reads, when nothing else runs around it.

    strawberry resolves a field without a resolver with ``_get_basic_result`` (marked
    ``_is_default``), which calls ``field.get_result`` → ``getattr(source, python_name)``;
    anything else (a resolver, a field extension, a permission, an exception handler, a
    custom ``get_result`` or default resolver) keeps the field's own resolver.
    """
    resolve = field_def.resolve
    if resolve is None or not getattr(resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get(_DEFINITION)
    if not isinstance(definition, StrawberryField):
        return None
    if (
        definition.base_resolver is not None
        or type(definition).get_result is not StrawberryField.get_result
        or definition.default_resolver is not getattr
    ):
        return None
    return definition.python_name


def _uses_variables(node: Node) -> bool:
    found = False

    class Variables(Visitor):
        def enter_variable(self, *_args: object) -> None:
            nonlocal found
            found = True

    for argument in (node.arguments or ()) if isinstance(node, FieldNode) else ():
        visit(argument, Variables())
    return found
