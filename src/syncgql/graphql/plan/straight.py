"""Straight-line completion: one generated Python function per compiled object selection.

The completers of :mod:`.nodes` decide nothing at run time that the compiler knew, but they
still walk the plan: per returned field a method call per type wrapper, a ``Path`` node, an
awaitable check and a try block, so that an error can be placed where graphql-core places it.
On a page of 1,000 rows that walk is most of the gateway's CPU (profiled on the bench's list
and dashboard workloads), and almost every row has nothing unusual in it.

So for each object selection that only reads plain attributes, direct resolvers
(:mod:`.direct`) and leaves, the compiler also generates a function that builds the row's
result in straight-line code: attribute reads inlined, the leaf checks inlined, nested
objects and lists as calls to their own generated functions, no paths. It takes the happy
path only. Whatever is unusual (a ``None`` under a non-null type, a value a leaf check does
not pass, an awaitable, a failed type check, any exception) makes it give up on the row with
:class:`Bail`, and the caller completes that row again through the exact completers, which
produce the error, its path and the null bubbling as graphql-core would. Reading a row twice
is safe: attribute reads are pure and direct resolvers return values their loaders cache.

Two rules keep the two paths equal:

- A direct resolver gets one resolve info per field and operation (built at its first row),
  so it must not read ``info.path`` (the documented contract of :func:`.direct.direct`).
- Client text (response keys, aliases) is never written into generated source: every value
  the code uses reaches it as a named constant.
"""

# Resolved values are whatever resolvers return: Any.
# ruff: noqa: ANN401

from __future__ import annotations

import keyword
import logging
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql.pyutils import Path, Undefined, is_awaitable

if TYPE_CHECKING:
    from graphql.execution.executor import Executor

    from syncgql.graphql.plan.nodes import Completer, FieldPlan, Leaf, ObjectOf

__all__ = ["STRAIGHT_BAILS_MAX", "Bail", "Straight", "generate"]

logger = logging.getLogger("syncgql.graphql.plan")

Straight = Callable[[Any, Any, Any], Any]
"""``(executor, value, path) -> completed dict``; raises (:class:`Bail` or anything) to give up.

``value`` is a non-null value of the object type; ``path`` is where the enclosing field is,
used only to build a direct resolver's shared info at its first row."""


#: Rows a selection's straight function may give up on before it is switched off: data that
#: is unusual on every row (a non-null field that is always null) would cost each row twice.
STRAIGHT_BAILS_MAX = 1000


class Bail(Exception):  # noqa: N818 - a signal, not a failure
    """The row has something unusual: complete it through the exact completers."""


def _drop(value: Any) -> None:
    # A coroutine given up on must be closed, or Python warns that it was never awaited;
    # a loader's future belongs to the loader, which settles it.
    close = getattr(value, "close", None)
    if close is not None and hasattr(value, "cr_frame"):
        close()


def _shared_info(ex: Executor[Any], field: FieldPlan, path: Any, infos: dict[Any, Any]) -> Any:
    info = ex.build_resolve_info(
        field.field_def, field.nodes, field.parent_type, Path(path, field.response_name, None)
    )
    infos[field] = info
    return info


#: Classes whose values a scalar serializer may be given directly: none is awaitable or an
#: exception, which the leaf completer must see first.
_PLAIN_CLASSES = frozenset({str, int, float, bool, datetime, date, time, Decimal})

#: Inline spellings of the pass-through checks of :mod:`.compile` (by the check's name).
_INLINE_CHECKS = {
    "is_string": "{x}.__class__ is str",
    "is_boolean": "{x}.__class__ is bool",
    "is_int32": "({x}.__class__ is int and -2147483648 <= {x} <= 2147483647)",
}


class _Generator:
    """Writes the source of one object's function; every outside value is a named constant."""

    def __init__(self) -> None:
        self.env: dict[str, Any] = {
            "Bail": Bail,
            "Undefined": Undefined,
            "_drop": _drop,
            "_shared_info": _shared_info,
            "plain_classes": _PLAIN_CLASSES,
        }
        self.lines: list[str] = []
        self.uses_infos = False
        self.uses_awaitable = False

    def const(self, value: Any) -> str:
        name = f"k{len(self.env)}"
        self.env[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def check(self, leaf: Leaf, x: str) -> str | None:
        """The inline test that ``x`` passes through ``leaf`` unchanged, if it has one."""
        check = leaf.check
        if check is None:
            return None
        inline = _INLINE_CHECKS.get(getattr(check, "__name__", ""))
        if inline is not None and check.__module__ == "syncgql.graphql.plan.nodes":
            return inline.format(x=x)
        return f"{self.const(check)}({x})"

    def leaf(self, depth: int, leaf: Leaf, x: str, target: str, *, non_null: bool) -> None:
        """``target = x`` completed as ``leaf``: the check inline, else the leaf's own code."""
        self.uses_awaitable = True
        check = self.check(leaf, x)
        complete = self.const(leaf.complete_value)
        inner = depth
        if check is not None:
            self.emit(depth, f"if {check}: {target} = {x}")
            self.emit(depth, "else:")
            inner = depth + 1
        if leaf.members is not None:
            # An enum member seen before is in the leaf's cache, by identity.
            members = self.const(leaf.members)
            self.emit(inner, f"m = {members}.get(id({x}))")
            self.emit(inner, "if m is None:")
            self.exact_leaf(inner + 1, complete, x, non_null=non_null)
            self.emit(inner, f"{target} = m")
            return
        # A value of a plain class (never awaitable, never an exception) goes to the
        # scalar's serializer itself; its refusal (or a null) bails.
        self.emit(inner, f"if {x}.__class__ in plain_classes:")
        self.emit(inner + 1, f"m = {self.const(leaf.coerce)}({x})")
        self.emit(inner + 1, "if m is None or m is Undefined: raise Bail")
        self.emit(inner, "else:")
        self.exact_leaf(inner + 1, complete, x, non_null=non_null)
        self.emit(inner, f"{target} = m")

    def exact_leaf(self, depth: int, complete: str, x: str, *, non_null: bool) -> None:
        """``m`` = the leaf completer's own answer for ``x`` (an awaitable or a null bails)."""
        self.emit(depth, f"if is_awaitable({x}): raise Bail")
        self.emit(depth, f"m = {complete}({x})")
        if non_null:
            self.emit(depth, "if m is None: raise Bail")

    def value(self, depth: int, completer: Completer, x: str, target: str) -> bool:
        """Lines completing ``x`` into ``target``; False when the type is not handled."""
        from syncgql.graphql.plan.nodes import Leaf, ListOf, NonNull, ObjectOf

        non_null = isinstance(completer, NonNull)
        inner = completer.inner if isinstance(completer, NonNull) else completer
        if isinstance(inner, Leaf):
            self.leaf(depth, inner, x, target, non_null=non_null)
            return True
        if isinstance(inner, ObjectOf):
            if inner.straight is None:
                return False
            fn = self.const(inner.straight)
            if non_null:
                self.emit(depth, f"if {x} is None: raise Bail")
                self.emit(depth, f"{target} = {fn}(ex, {x}, path)")
            else:
                self.emit(depth, f"{target} = None if {x} is None else {fn}(ex, {x}, path)")
            return True
        if isinstance(inner, ListOf):
            return self.list_of(depth, inner, x, target, non_null=non_null)
        return False  # an interface or union: its runtime type needs a resolve info

    def list_of(self, depth: int, list_of: Any, x: str, target: str, *, non_null: bool) -> bool:
        from syncgql.graphql.plan.nodes import Leaf, NonNull, ObjectOf

        if list_of.items_plan is not None:
            return False  # its items' preloads run first, in the list completer
        item = list_of.inner
        item_non_null = isinstance(item, NonNull)
        item = item.inner if isinstance(item, NonNull) else item
        if isinstance(item, ObjectOf) and item.straight is not None:
            fn = self.const(item.straight)
            # None, an awaitable or a wrong type fails the item function's own checks.
            each = f"{fn}(ex, y, path)"
            if not item_non_null:
                each = f"None if y is None else {each}"
        elif isinstance(item, Leaf):
            fn = self.const(_leaf_item(item, non_null=item_non_null))
            check = self.check(item, "y")
            each = f"y if {check} else {fn}(y)" if check else f"{fn}(y)"
        else:
            return False
        if non_null:
            self.emit(depth, f"if {x} is None: raise Bail")
        else:
            self.emit(depth, f"if {x} is None: {target} = None")
        keyword_ = "if" if non_null else "elif"
        self.emit(depth, f"{keyword_} {x}.__class__ is list or {x}.__class__ is tuple:")
        self.emit(depth + 1, f"{target} = [{each} for y in {x}]")
        self.emit(depth, "else: raise Bail")
        return True

    def field(self, field: FieldPlan) -> bool:
        """The lines of one response key; False when the field is not handled."""
        key = self.const(field.response_name)
        target = f"r[{key}]"
        if field.typename is not None:
            self.emit(1, f"{target} = {self.const(field.typename)}")
            return True
        attribute = field.attribute
        if attribute is not None:
            if not attribute.isidentifier() or keyword.iskeyword(attribute):
                return False
            self.emit(1, f"x = v.{attribute}")
        elif field.direct and field.args == {} and field.resolve is not None:
            self.uses_infos = self.uses_awaitable = True
            plan_field = self.const(field)
            self.emit(1, f"i = infos.get({plan_field})")
            self.emit(1, f"if i is None: i = _shared_info(ex, {plan_field}, path, infos)")
            self.emit(1, f"x = {self.const(field.resolve)}(v, i)")
            self.emit(1, "if is_awaitable(x):")
            self.emit(2, "_drop(x)")
            self.emit(2, "raise Bail")
        else:
            return False  # a strawberry resolver: its wrapper (extensions, info) must run
        return self.value(1, field.completer, "x", target)


def _leaf_item(leaf: Leaf, *, non_null: bool) -> Callable[[Any], Any]:
    """One list item completed as ``leaf`` (for items the inline check does not pass)."""
    complete = leaf.complete_value

    def item(value: Any) -> Any:
        if is_awaitable(value):
            raise Bail
        completed = complete(value)
        if non_null and completed is None:
            raise Bail
        return completed

    return item


def generate(object_of: ObjectOf) -> Straight | None:
    """The straight-line function of ``object_of``'s selection, or None when not handled.

    Not handled: a selection with a strawberry resolver (its wrapper must run), an abstract
    type, a list whose items preload, a type check that reads its info, or preloads of its own.
    """
    if object_of.preloads or object_of.info_for_check:
        return None
    gen = _Generator()
    if object_of.is_type_of is not None:
        gen.emit(1, f"if {gen.const(object_of.is_type_of)}(v, None) is not True: raise Bail")
    else:
        gen.emit(1, "if isinstance(v, Exception): raise Bail")
    gen.emit(1, "r = {}")
    for field in object_of.plan.fields:
        if not gen.field(field):
            return None
    gen.emit(1, "return r")
    head = ["def straight(ex, v, path):"]
    if gen.uses_infos:
        head.append("    infos = ex.straight_infos")
    if gen.uses_awaitable:
        head.append("    is_awaitable = ex.is_awaitable")
    source = "\n".join(head + gen.lines) + "\n"
    namespace = dict(gen.env)
    exec(compile(source, f"<plan {object_of.plan.type_name}>", "exec"), namespace)  # noqa: S102
    function: Straight = namespace["straight"]
    return function
