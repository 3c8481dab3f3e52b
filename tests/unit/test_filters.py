"""Typed filter inputs → ``$filter`` text, and the same tree evaluated client-side.

``compile_filter`` reads any object's fields (``vars``), so a small strawberry input stands in
for the real ``<Type>Filter`` inputs (which live with their noun and may move).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
import strawberry

from syncgql.errors import InputTooLongError
from syncgql.graphql.errors import BadInputError
from syncgql.graphql.filters import (
    MAX_IN_VALUES,
    BooleanFilter,
    DateTimeFilter,
    IntFilter,
    StringFilter,
    combine,
    compile_conditions,
    compile_filter,
)
from syncgql.upstream.filtering import evaluate, filter_fields
from syncgql.upstream.odata import Eq, FilterNode, Or, any_equals, chunk_keys


@strawberry.input
class ThingFilter:
    name: StringFilter | None = None
    rows: IntFilter | None = None
    ran_at: DateTimeFilter | None = None
    enabled: BooleanFilter | None = None
    and_: list[ThingFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ThingFilter] | None = strawberry.field(default=None, name="or")
    not_: ThingFilter | None = strawberry.field(default=None, name="not")


PROPS = {"name": "JobName", "rows": "Rows", "ran_at": "RunStartDate", "enabled": "Enabled"}


def text(filter_input: ThingFilter | None) -> str | None:
    node = compile_filter(filter_input, PROPS)
    return None if node is None else node.render()


def bad_input(filter_input: ThingFilter) -> BadInputError:
    with pytest.raises(BadInputError) as caught:
        compile_filter(filter_input, PROPS)
    assert caught.value.extensions == {"code": "BAD_USER_INPUT"}
    return caught.value


def test_no_filter_and_empty_filter_compile_to_nothing() -> None:
    assert compile_filter(None, PROPS) is None
    assert text(ThingFilter()) is None
    assert text(ThingFilter(name=StringFilter())) is None


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (StringFilter(eq="Nightly"), "JobName eq 'Nightly'"),
        (StringFilter(ne="Nightly"), "JobName ne 'Nightly'"),
        (StringFilter(contains="ght"), "contains(JobName,'ght')"),
        (StringFilter(starts_with="Ni"), "startswith(JobName,'Ni')"),
        (StringFilter(in_=["A", "B"]), "JobName eq 'A' or JobName eq 'B'"),
    ],
)
def test_each_string_operator_has_its_odata_form(conditions: StringFilter, expected: str) -> None:
    assert text(ThingFilter(name=conditions)) == expected


def test_numbers_booleans_and_times_are_quoted_literals() -> None:
    assert text(ThingFilter(rows=IntFilter(gt=1, le=9_007_199_254_740_993))) == (
        "Rows gt '1' and Rows le '9007199254740993'"  # no float round trip for big ids
    )
    assert text(ThingFilter(enabled=BooleanFilter(eq=False))) == "Enabled eq 'false'"
    moment = datetime(2026, 11, 27, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert text(ThingFilter(ran_at=DateTimeFilter(ge=moment))) == (
        "RunStartDate ge '2026-11-27T10:00:00+02:00'"
    )
    naive = datetime(2026, 11, 27, 10, 0)  # noqa: DTZ001 - naive on purpose: read as UTC
    assert text(ThingFilter(ran_at=DateTimeFilter(lt=naive))) == (
        "RunStartDate lt '2026-11-27T10:00:00+00:00'"
    )


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("O'Brien", "JobName eq 'O''Brien'"),
        ("x' or 1 eq 1 or JobName eq '", "JobName eq 'x'' or 1 eq 1 or JobName eq '''"),
        ("''", "JobName eq ''''''"),
        ("a) or (b", "JobName eq 'a) or (b'"),
    ],
)
def test_client_text_cannot_leave_its_literal(hostile: str, expected: str) -> None:
    assert text(ThingFilter(name=StringFilter(eq=hostile))) == expected
    # contains/startswith quote the same way.
    assert text(ThingFilter(name=StringFilter(contains=hostile))) == (
        f"contains(JobName,{expected.removeprefix('JobName eq ')})"
    )


def test_fields_of_one_input_and_and_lists_are_anded() -> None:
    both = ThingFilter(name=StringFilter(eq="A"), rows=IntFilter(ge=2))
    assert text(both) == "JobName eq 'A' and Rows ge '2'"
    listed = ThingFilter(and_=[ThingFilter(name=StringFilter(eq="A")), ThingFilter()])
    assert text(listed) == "JobName eq 'A'"  # an empty branch of `and` adds no condition


def test_or_groups_in_parentheses_inside_and() -> None:
    either = ThingFilter(
        rows=IntFilter(lt=5),
        or_=[ThingFilter(name=StringFilter(eq="A")), ThingFilter(rows=IntFilter(gt=9))],
    )
    assert text(either) == "Rows lt '5' and (JobName eq 'A' or Rows gt '9')"
    nested_in = ThingFilter(or_=[ThingFilter(name=StringFilter(in_=["B", "C"])), either])
    assert text(nested_in) == (
        "(JobName eq 'B' or JobName eq 'C') or (Rows lt '5' and (JobName eq 'A' or Rows gt '9'))"
    )


def test_an_empty_or_branch_makes_or_always_true() -> None:
    assert text(ThingFilter(or_=[ThingFilter(name=StringFilter(eq="A")), ThingFilter()])) is None


def test_not_wraps_its_condition() -> None:
    negated = ThingFilter(not_=ThingFilter(name=StringFilter(eq="A"), rows=IntFilter(eq=1)))
    assert text(negated) == "not (JobName eq 'A' and Rows eq '1')"


def test_in_deduplicates_and_keeps_order() -> None:
    assert text(ThingFilter(name=StringFilter(in_=["B", "A", "B"]))) == (
        "JobName eq 'B' or JobName eq 'A'"
    )


@pytest.mark.parametrize(
    ("filter_input", "message"),
    [
        (ThingFilter(or_=[]), "`or` needs at least one condition"),
        (ThingFilter(not_=ThingFilter()), "`not` needs at least one condition"),
        (ThingFilter(name=StringFilter(in_=[])), "`in` on JobName needs at least one value"),
        (
            ThingFilter(name=StringFilter(in_=[str(i) for i in range(MAX_IN_VALUES + 1)])),
            f"at most {MAX_IN_VALUES} values, got {MAX_IN_VALUES + 1}",
        ),
    ],
)
def test_conditions_that_cannot_work_are_typed_errors(
    filter_input: ThingFilter, message: str
) -> None:
    assert message in bad_input(filter_input).message


def test_in_at_the_limit_is_accepted() -> None:
    values = [str(i) for i in range(MAX_IN_VALUES)]
    node = compile_conditions("JobName", StringFilter(in_=values))
    assert len(node) == 1
    assert isinstance(node[0], Or)
    assert len(node[0].operands) == MAX_IN_VALUES


def test_combine_ignores_missing_parts() -> None:
    a, b = Eq("A", 1), Eq("B", 2)
    assert combine() is None
    assert combine(None, a, None) is a
    combined = combine(a, None, b)
    assert combined is not None
    assert combined.render() == "A eq '1' and B eq '2'"


# ---------------------------------------------------------------- key chunking


def encoded_len(node: FilterNode) -> int:
    return len(quote(node.render(), safe=""))


def chunks_of(field: str, keys: list[str], max_chars: int = 1500) -> list[FilterNode]:
    """The filters one batched read sends: one ``any_equals`` per key group."""
    return [any_equals(field, group) for group in chunk_keys(field, keys, max_chars=max_chars)]


def test_chunks_fit_the_limit_and_keep_every_key_once_in_order() -> None:
    keys = [f"Job-{i:03d}'s" for i in range(200)] + ["Job-000's"]
    groups = chunk_keys("JobName", keys, max_chars=500)
    assert len(groups) > 1
    assert all(encoded_len(any_equals("JobName", group)) <= 500 for group in groups)
    assert [key for group in groups for key in group] == list(dict.fromkeys(keys))


def test_a_key_longer_than_the_limit_gets_a_chunk_of_its_own() -> None:
    chunks = chunks_of("JobName", ["a", "b" * 300, "c"], max_chars=100)
    assert [chunk.render() for chunk in chunks] == [
        "JobName eq 'a'",
        f"JobName eq '{'b' * 300}'",
        "JobName eq 'c'",
    ]


def test_a_key_too_long_for_any_url_is_refused() -> None:
    with pytest.raises(InputTooLongError):
        chunk_keys("JobName", ["x" * 100_000])


def test_no_keys_no_chunks() -> None:
    assert chunk_keys("JobName", []) == []


def test_field_names_are_checked() -> None:
    with pytest.raises(ValueError, match="not a valid OData name"):
        chunk_keys("JobName eq 'x' or Id", ["a"])


# ---------------------------------------------------------------- client-side evaluation


ROW = {"jobname": "Nightly", "Rows": 7, "RunStartDate": "2026-11-27T10:00:00Z", "Enabled": True}


@pytest.mark.parametrize(
    ("filter_input", "matches"),
    [
        (ThingFilter(name=StringFilter(eq="Nightly")), True),
        (ThingFilter(name=StringFilter(contains="ght")), True),
        (ThingFilter(name=StringFilter(starts_with="ght")), False),
        (ThingFilter(rows=IntFilter(gt=6, lt=8)), True),
        (ThingFilter(rows=IntFilter(ge=8)), False),
        (ThingFilter(enabled=BooleanFilter(eq=True)), True),
        (ThingFilter(ran_at=DateTimeFilter(lt=datetime(2026, 11, 27, 11, tzinfo=UTC))), True),
        (ThingFilter(not_=ThingFilter(name=StringFilter(in_=["Nightly", "Other"]))), False),
        (
            ThingFilter(or_=[ThingFilter(rows=IntFilter(eq=1)), ThingFilter(rows=IntFilter(eq=7))]),
            True,
        ),
    ],
)
def test_client_side_evaluation_agrees_with_the_compiled_filter(
    filter_input: ThingFilter, matches: bool
) -> None:
    node = compile_filter(filter_input, PROPS)
    assert node is not None
    assert evaluate(node, ROW) is matches


def test_null_only_equals_null() -> None:
    row = {"JobName": None}
    assert evaluate(Eq("JobName", None), row)
    assert not evaluate(Eq("JobName", "x"), row)
    node = compile_filter(ThingFilter(name=StringFilter(ne="x")), PROPS)
    assert node is not None
    assert evaluate(node, row)  # ne against null holds
    ordered = compile_filter(ThingFilter(rows=IntFilter(gt=0)), PROPS)
    assert ordered is not None
    assert not evaluate(ordered, {"Rows": None})


def test_filter_fields_lists_every_property_mentioned() -> None:
    node = compile_filter(
        ThingFilter(
            name=StringFilter(contains="a"),
            or_=[
                ThingFilter(rows=IntFilter(eq=1)),
                ThingFilter(not_=ThingFilter(name=StringFilter(eq="b"))),
            ],
            not_=ThingFilter(enabled=BooleanFilter(eq=True)),
        ),
        PROPS,
    )
    assert node is not None
    assert filter_fields(node) == {"JobName", "Rows", "Enabled"}
