"""Pure tests of the OData builder: literals, filters, query options, keys, chunks, envelopes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest

from syncgql.errors import InputTooLongError, UpstreamBadResponseError, UpstreamNotFoundError
from syncgql.upstream.filtering import evaluate, filter_fields
from syncgql.upstream.odata import (
    And,
    Contains,
    Eq,
    FilterNode,
    Ge,
    Gt,
    In,
    Le,
    Lt,
    Ne,
    Not,
    ODataQuery,
    Or,
    StartsWith,
    any_equals,
    check_name,
    chunk_keys,
    chunk_terms,
    entity_path,
    read_count,
    render_literal,
    unwrap_collection,
    unwrap_entity,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "'plain'"),
        ("O'Brien", "'O''Brien'"),
        ("''", "''''''"),
        ("a%b/c)d&e#f?g", "'a%b/c)d&e#f?g'"),
        ("x' or 1 eq 1 or 'y", "'x'' or 1 eq 1 or ''y'"),
        ("日本語 ü", "'日本語 ü'"),
        ("", "''"),
        (42, "'42'"),
        (-7, "'-7'"),
        (1868391712871301377, "'1868391712871301377'"),
        (1.5, "'1.5'"),
        (Decimal("12.50"), "'12.50'"),
        (True, "'true'"),
        (False, "'false'"),
        (None, "null"),
        (datetime(2026, 11, 27, 10, 15, tzinfo=UTC), "'2026-11-27T10:15:00+00:00'"),
        (datetime(2026, 11, 27, 10, 15), "'2026-11-27T10:15:00+00:00'"),  # noqa: DTZ001 - naive on purpose
        (
            datetime(2026, 11, 27, 10, 15, tzinfo=timezone(timedelta(hours=-5))),
            "'2026-11-27T10:15:00-05:00'",
        ),
        (date(2026, 1, 2), "'2026-01-02'"),
    ],
)
def test_render_literal(value, expected):
    assert render_literal(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN")])
def test_render_literal_rejects_non_finite(bad):
    with pytest.raises(ValueError):
        render_literal(bad)


def test_render_literal_rejects_other_types():
    with pytest.raises(TypeError):
        render_literal(object())  # type: ignore[arg-type]


def test_ten_kilobyte_string_is_escaped_whole():
    text = ("ab'c" * 2500)[:10_000]
    rendered = render_literal(text)
    assert rendered == "'" + text.replace("'", "''") + "'"
    assert rendered.count("'") == 2 + 2 * text.count("'")


@pytest.mark.parametrize("name", ["JobName", "_x", "a1_b2", "Status"])
def test_check_name_accepts_identifiers(name):
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "1abc", "Job Name", "a,b", "x)", "a'b", "Name eq 'x'", "ä", "a-b", "a/b"]
)
def test_check_name_rejects_syntax(name):
    with pytest.raises(ValueError):
        check_name(name)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Eq("JobName", "x"), "JobName eq 'x'"),
        (Ne("Status", "FAILED"), "Status ne 'FAILED'"),
        (Gt("RecordsAffected", 10), "RecordsAffected gt '10'"),
        (Ge("Runtime", 0), "Runtime ge '0'"),
        (Lt("Verbosity", 3), "Verbosity lt '3'"),
        (Le("Index", 2), "Index le '2'"),
        (Eq("LastTested", None), "LastTested eq null"),
        (Eq("Scheduled", True), "Scheduled eq 'true'"),
        (Contains("JobName", "Sales"), "contains(JobName,'Sales')"),
        (StartsWith("JobName", "O'"), "startswith(JobName,'O''')"),
        (And(Eq("A", "1"), Eq("B", "2")), "A eq '1' and B eq '2'"),
        (Or(Eq("A", "1"), Eq("B", "2")), "A eq '1' or B eq '2'"),
        (
            And(Or(Eq("A", "1"), Eq("A", "2")), Not(Eq("B", "x"))),
            "(A eq '1' or A eq '2') and not (B eq 'x')",
        ),
        (Or(And(Eq("A", 1), Eq("B", 2)), Eq("C", 3)), "(A eq '1' and B eq '2') or C eq '3'"),
        (In("JobName", ["a", "b", "a"]), "JobName eq 'a' or JobName eq 'b'"),
        (Not(Or(Eq("A", 1), Eq("B", 2))), "not (A eq '1' or B eq '2')"),
    ],
)
def test_filter_rendering(node, expected):
    assert node.render() == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: Eq("bad name", "x"),
        lambda: Contains("x)", "y"),
        lambda: Contains("A", 5),  # type: ignore[arg-type]  # the wrong type is the point
        lambda: And(),
        lambda: Or(),
        lambda: In("A", []),
        lambda: Eq("A", float("nan")),
    ],
)
def test_filter_nodes_validate_at_construction(make):
    with pytest.raises((ValueError, TypeError)):
        make()


def test_injection_attempt_stays_inside_its_literal():
    node = Eq("JobName", "x' or 1 eq 1 or JobName eq 'y")
    text = node.render()
    # Undo the escaping: what the server sees as the literal is exactly the caller's text.
    assert text.startswith("JobName eq '")
    assert text.endswith("'")
    assert text[len("JobName eq '") : -1].replace("''", "'") == "x' or 1 eq 1 or JobName eq 'y"


def test_odata_query_params():
    query = ODataQuery(
        select=("JobName", "Status"),
        filter=Eq("Status", "FAILED"),
        orderby=(("RunStartDate", True), ("JobName", False)),
        top=11,
        skip=20,
        count=True,
    )
    assert query.to_params() == {
        "$select": "JobName,Status",
        "$filter": "Status eq 'FAILED'",
        "$orderby": "RunStartDate desc,JobName",
        "$top": "11",
        "$skip": "20",
        "$count": "true",
    }
    assert ODataQuery().to_params() == {}
    assert ODataQuery(top=0).to_params() == {"$top": "0"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"select": ("a b",)},
        {"orderby": (("x desc", True),)},
        {"top": -1},
        {"skip": -5},
    ],
)
def test_odata_query_validates(kwargs):
    with pytest.raises(ValueError):
        ODataQuery(**kwargs)


def test_query_params_survive_url_encoding():
    text = "a&b=c#d%e+f g"
    query = ODataQuery(filter=Eq("JobName", text))
    url = httpx.URL("http://h/api.rsc/jobs", params=query.to_params())
    # The & and # cannot cut the query string: one parameter comes back intact.
    assert dict(url.params) == {"$filter": f"JobName eq '{text}'"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("My Job", "jobs('My%20Job')"),
        ("O'Brien", "jobs('O''Brien')"),
        ("a/b?c#d%e", "jobs('a%2Fb%3Fc%23d%25e')"),
        ("x)&y", "jobs('x%29%26y')"),
        ("日本", "jobs('%E6%97%A5%E6%9C%AC')"),
    ],
)
def test_entity_path(key, expected):
    path = entity_path("jobs", key)
    assert path == expected
    inner = unquote(path[len("jobs('") : -2]).replace("''", "'")
    assert inner == key


def test_entity_path_survives_httpx_untouched():
    path = entity_path("jobs", "a/b c'd")
    url = httpx.URL("http://h/api.rsc/").join(path)
    assert url.raw_path.decode().endswith(path)


def test_entity_path_rejects_bad_set():
    with pytest.raises(ValueError):
        entity_path("jobs/../users", "x")


def chunk_or_filters(field: str, values: list[Any], max_chars: int = 1500) -> list[FilterNode]:
    """The filters of the one chunker's groups, as batched reads send them."""
    return [any_equals(field, group) for group in chunk_keys(field, values, max_chars)]


def test_chunks_fit_and_cover_every_value_once():
    values = [f"Job-{i:04d}-{'x' * (i % 40)}" for i in range(600)] + ["Job-0001-x"]
    chunks = chunk_or_filters("JobName", values, max_chars=1500)
    assert len(chunks) > 1
    seen: list[str] = []
    for chunk in chunks:
        assert len(quote(chunk.render(), safe="")) <= 1500
        assert isinstance(chunk, Or)
        seen.extend(str(op.value) for op in chunk.operands)  # type: ignore[attr-defined]
    assert seen == list(dict.fromkeys(values))


def test_chunks_with_non_ascii_and_reserved_text_fit_once_encoded():
    # The chunker measures ASCII without encoding it: reserved characters, quotes and
    # non-ASCII text must still come out under the budget once really encoded.
    values = [f"Jöb {i} & 'x'/?#%(日)" for i in range(300)] + [f"ascii-{i}" for i in range(300)]
    chunks = chunk_or_filters("JobName", values, max_chars=700)
    assert len(chunks) > 5
    for chunk in chunks:
        assert len(quote(chunk.render(), safe="")) <= 700


def test_max_groups_stops_chunking_once_there_are_more():
    values = [f"Job{i:04d}" for i in range(1000)]
    full = chunk_keys("JobName", values)
    assert len(full) > 3
    cut = chunk_keys("JobName", values, max_groups=2)
    assert len(cut) == 3
    assert cut[:2] == full[:2]
    assert chunk_keys("JobName", values[:5], max_groups=1) == [values[:5]]


def test_chunk_full_url_stays_short():
    values = [f"name with spaces & 'quotes' {i}" for i in range(300)]
    for chunk in chunk_or_filters("JobName", values):
        url = httpx.URL(
            "http://127.0.0.1:8181/api.rsc/jobs",
            params={"$filter": chunk.render(), "workspaceId": "default"},
        )
        assert len(str(url)) < 1700


def test_oversized_single_value_gets_own_chunk():
    big = "y" * 1900  # over the chunk size, under the key cap
    chunks = chunk_or_filters("JobName", ["a", big, "b"], max_chars=200)
    rendered = [c.render() for c in chunks]
    assert rendered == ["JobName eq 'a'", f"JobName eq '{big}'", "JobName eq 'b'"]


def test_value_over_the_key_cap_is_refused_not_chunked():
    with pytest.raises(InputTooLongError):
        chunk_or_filters("JobName", ["a", "y" * 5000], max_chars=200)


def test_no_values_no_chunks():
    assert chunk_or_filters("JobName", []) == []


def test_unwrap_collection_variants():
    assert unwrap_collection({"@odata.context": "x", "value": [{"a": 1}]}) == [{"a": 1}]
    assert unwrap_collection([{"a": 1}, {"a": 2}]) == [{"a": 1}, {"a": 2}]
    assert unwrap_collection({"@odata.context": "x", "a": 1}) == [{"a": 1}]
    assert unwrap_collection({"value": None}) == []
    assert unwrap_collection(None) == []
    for bad in ("text", 5, [1, 2], {"value": [1]}):
        with pytest.raises(UpstreamBadResponseError):
            unwrap_collection(bad)


def test_unwrap_entity_variants():
    assert unwrap_entity({"@odata.context": "x/$entity", "JobName": "a"}) == {"JobName": "a"}
    assert unwrap_entity({"value": [{"JobName": "a"}]}) == {"JobName": "a"}
    assert unwrap_entity([{"JobName": "a"}]) == {"JobName": "a"}
    with pytest.raises(UpstreamNotFoundError):
        unwrap_entity({"value": []})
    with pytest.raises(UpstreamBadResponseError):
        unwrap_entity({"value": [{"a": 1}, {"a": 2}]})


def test_read_count():
    assert read_count({"@odata.count": 3, "value": []}) == 3
    assert read_count({"@odata.count": "12", "value": []}) == 12
    assert read_count({"value": []}) is None
    assert read_count({"@odata.count": True}) is None
    assert read_count([1]) is None


ROW = {
    "JobName": "DemoToWarehouse",
    "Status": "SUCCESS",
    "RecordsAffected": "1200",
    "Id": 1868391712871301377,
    "RunStartDate": "2026-11-27T10:15:00.000+00:00",
    "Detail": None,
}


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Eq("jobname", "DemoToWarehouse"), True),
        (Eq("JobName", "Other"), False),
        (Ne("JobName", "Other"), True),
        (Gt("RecordsAffected", 1000), True),
        (Lt("RecordsAffected", 1000), False),
        (Eq("Id", "1868391712871301377"), True),  # quoted literal coerced to the row type
        (Eq("Id", "1868391712871301378"), False),
        (Eq("Id", 1868391712871301377), True),
        (Ge("RunStartDate", datetime(2026, 11, 27, tzinfo=UTC)), True),
        (Lt("RunStartDate", datetime(2026, 11, 27, tzinfo=UTC)), False),
        (Eq("Detail", None), True),
        (Ne("Detail", None), False),
        (Gt("Detail", 1), False),
        (Eq("Missing", None), True),
        (Contains("JobName", "ToWare"), True),
        (StartsWith("JobName", "Nope"), False),
        (And(Eq("Status", "SUCCESS"), Not(Eq("JobName", "x"))), True),
        (Or(Eq("Status", "FAILED"), Eq("JobName", "x")), False),
        (In("Id", [1, 1868391712871301377]), True),
    ],
)
def test_evaluate(node, expected):
    assert evaluate(node, ROW) is expected


def test_filter_fields():
    node = And(Or(Eq("A", 1), Contains("B", "x")), Not(Le("C", 2)))
    assert filter_fields(node) == {"A", "B", "C"}


def test_key_groups_over_several_fields_fit_and_keep_the_keys():
    values = [f"Connection {i:03d} {'z' * (i % 30)}" for i in range(200)]
    groups = chunk_keys(("Source", "Destination"), values, max_chars=1500)
    assert len(groups) > 2
    assert [v for group in groups for v in group] == values  # the groups are the keys
    for group in groups:
        rendered = any_equals(("Source", "Destination"), group).render()
        assert len(quote(rendered, safe="")) <= 1500
        assert rendered.startswith(f"Source eq '{group[0]}'")
        assert f"Destination eq '{group[-1]}'" in rendered


def test_compound_terms_are_chunked_by_the_same_budget():
    items = [(f"Job {i}", i) for i in range(200)]
    groups = chunk_terms(items, lambda item: And(Eq("JobName", item[0]), Eq("Id", item[1])), 400)
    assert [item for group in groups for item in group] == items
    for group in groups:
        rendered = Or(*(And(Eq("JobName", n), Eq("Id", i)) for n, i in group)).render()
        assert len(quote(rendered, safe="")) <= 400
