"""OData query options compiled to SQL and run against a real SQLite table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from syncgql.emulator import odata
from syncgql.emulator.odata import Column, ODataError, ResourcePath, parse_resource_path

COLUMNS = {
    "Name": Column("Name", '"name"', "string"),
    "Runs": Column("Runs", '"runs"', "int"),
    "Active": Column("Active", '"active"', "bool"),
    "Started": Column("Started", '"started"', "datetime"),
    "Score": Column("Score", '"score"', "float"),
    "Id": Column("Id", '"id"', "int"),
}

ROWS = [
    # id, name, runs, active, started, score
    (1, "Daily", 3, 1, "2026-11-27T10:15:00.000+00:00", 1.5),
    (2, "daily_backup", 0, 0, "2026-11-26T08:00:00.000+00:00", 2.0),
    (3, "O'Brien%", 10, 1, None, None),
    (4, "Weekly*", 3, 0, "2026-11-28T00:00:00.000+00:00", 0.5),
    (5, None, None, None, None, None),
    (6, "big", 9_223_372_036_854_775_000, 1, "2026-11-27T10:15:00.500+00:00", 3.25),
]


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, runs INTEGER, active INTEGER,"
        " started TEXT, score REAL)"
    )
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    yield conn
    conn.close()


def ids(conn: sqlite3.Connection, text: str) -> list[int]:
    sql, params = odata.parse_filter(text, COLUMNS)
    assert "?" in sql or not params
    return [r[0] for r in conn.execute(f"SELECT id FROM t WHERE {sql} ORDER BY id", params)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name eq 'Daily'", [1]),
        ("name EQ 'Daily'", [1]),
        ("Name ne 'Daily'", [2, 3, 4, 5, 6]),  # null ne 'x' is true in OData
        ("Name eq null", [5]),
        ("null ne Name", [1, 2, 3, 4, 6]),
        ("Name eq 'O''Brien%'", [3]),
        ("Runs gt 3", [3, 6]),
        ("Runs ge 3 and Runs le 10", [1, 3, 4]),
        ("Runs lt 3", [2]),
        ("3 lt Runs", [3, 6]),
        ("Runs eq '3'", [1, 4]),  # clients quote every literal
        ("Runs eq 9223372036854775000", [6]),
        ("Score gt 1", [1, 2, 6]),
        ("Score eq 3.25", [6]),
        ("Active", [1, 3, 6]),
        ("Active eq true", [1, 3, 6]),
        ("Active eq 'False'", [2, 4]),
        ("not Active", [2, 4, 5]),
        ("not (Runs gt 3)", [1, 2, 4, 5]),
        ("Runs gt 3 or Name eq 'Daily' and Runs eq 0", [3, 6]),  # and binds tighter than or
        ("(Runs gt 3 or Name eq 'Daily') and Active", [1, 3, 6]),
        ("contains(Name, 'aily')", [1, 2]),
        ("contains(Name, 'AILY')", []),  # case-sensitive, as OData defines it
        ("contains(tolower(Name), 'daily')", [1, 2]),
        ("contains(Name, '%')", [3]),
        ("contains(Name, '_')", [2]),
        ("contains(Name, '*')", [4]),
        ("contains(Name, '[')", []),
        ("startswith(Name, 'dai')", [2]),
        ("endswith(Name, 'y')", [1]),
        ("endswith(Name, '%')", [3]),
        ("not contains(Name, 'a')", [3, 4, 5, 6]),
        ("toupper(Name) eq 'DAILY'", [1]),
        ("tolower(Name) eq tolower('DAILY')", [1]),
        ("startswith(Name, Name)", [1, 2, 3, 4, 6]),
        ("contains(Name, 'x') eq false", [1, 2, 3, 4, 6]),
        ("Runs in (0, 10)", [2, 3]),
        ("Name in ('Daily', null)", [1, 5]),
        ("Runs in ('3')", [1, 4]),
        ("Started gt 2026-11-27T00:00:00Z", [1, 4, 6]),
        ("Started eq 2026-11-27T10:15:00Z", [1]),
        ("Started eq 2026-11-27T12:15:00+02:00", [1]),
        ("Started eq 2026-11-27T12:15:00 02:00", [1]),  # '+' form-decoded to a space
        ("Started eq '2026-11-27T10:15:00.000+00:00'", [1]),
        ("Started lt 2026-11-27", [2]),
        ("Started gt 2026-11-27T10:15:00.499Z", [4, 6]),
        ("Started eq null", [3, 5]),
        ("true", [1, 2, 3, 4, 5, 6]),
        ("Id eq 1 or Id eq 2 or Id eq 3", [1, 2, 3]),
        ("Name eq 3f0c2a9e-7b61-4b7e-9c3a-5d1e2f4a6b70", []),  # unquoted GUID literal
        ("Name ne 3F0C2A9E-7B61-4B7E-9C3A-5D1E2F4A6B70", [1, 2, 3, 4, 5, 6]),
    ],
)
def test_filter_selects_rows(db: sqlite3.Connection, text: str, expected: list[int]) -> None:
    assert ids(db, text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Nope eq 1", "unknown property 'Nope'"),
        ("Nope eq 1", "Valid properties: Active, Id, Name, Runs, Score, Started"),
        ("Name eq", "its end"),
        ("Name eq 'x", "not closed"),
        ("Name eq 'x' xor 1", "position 13 near 'xor'"),
        ("Runs add 1", "near 'add'"),
        ("length(Name) eq 1", "function 'length' is not supported"),
        ("contains(Name)", "takes 2 argument(s)"),
        ("contains(Runs, '1')", "strings only"),
        ("Runs eq 'abc'", "number property"),
        ("Active eq 'maybe'", "boolean property"),
        ("Started gt 'yesterday'", "date/time property"),
        ("Started gt 2026-13-45T00:00:00Z", "not a valid date/time"),
        ("Name eq true", "string property"),
        ("Runs gt null", "null can only be compared with eq or ne"),
        ("1 eq 1", "compare a property"),
        ("Name", "expected a condition"),
        ("Name eq 'a' and", "its end"),
        ("(Name eq 'a'", "')' to close"),
        ("Name in ('a', Runs)", "only literal values"),
        ("Name in 'a'", "'(' to open"),
        ("Runs eq 99999999999999999999", "64-bit"),
        ("Name eq 'a' ; DROP TABLE t", "unexpected character ';'"),
        ("Name eq Runs", "cannot compare a string with a int"),
        ("eq eq 1", "expected a property name"),
        ("(" * 60 + "Active" + ")" * 60, "nested too deeply"),
        ("not " * 60 + "Active", "nested too deeply"),
    ],
)
def test_filter_errors_are_actionable(text: str, fragment: str) -> None:
    with pytest.raises(ODataError) as info:
        odata.parse_filter(text, COLUMNS)
    assert fragment in str(info.value)


def test_filter_values_are_bound_never_interpolated(db: sqlite3.Connection) -> None:
    evil = "x' OR 1=1 --"
    sql, params = odata.parse_filter(f"Name eq '{evil.replace(chr(39), chr(39) * 2)}'", COLUMNS)
    assert evil not in sql
    assert params == (evil,)
    assert ids(db, f"Name eq '{evil.replace(chr(39), chr(39) * 2)}'") == []


def test_guid_literal_is_a_string() -> None:
    sql, params = odata.parse_filter("Name eq 3f0c2a9e-7b61-4b7e-9c3a-5d1e2f4a6b70", COLUMNS)
    assert params == ("3f0c2a9e-7b61-4b7e-9c3a-5d1e2f4a6b70",)
    assert sql == '("name" IS ?)'


def test_filter_length_is_bounded() -> None:
    with pytest.raises(ODataError, match="too long"):
        odata.parse_filter("Name eq '" + "a" * 70_000 + "'", COLUMNS)


def test_awkward_literals_round_trip(db: sqlite3.Connection) -> None:
    awkward = "it's 100% a/b) [x]*? é" + "z" * 10_000
    db.execute("INSERT INTO t (id, name) VALUES (7, ?)", (awkward,))
    quoted = awkward.replace("'", "''")
    assert ids(db, f"Name eq '{quoted}'") == [7]
    assert ids(db, f"contains(Name, '{quoted[:30]}')") == [7]
    assert ids(db, f"startswith(Name, '{quoted[:12]}')") == [7]


def test_query_options_full(db: sqlite3.Connection) -> None:
    opts = odata.parse_query_options(
        {
            "$select": "name, RUNS,Name",
            "$filter": "Runs ge 0",
            "$orderby": "Runs desc,name",
            "$top": "2",
            "$skip": "1",
            "$count": "True",
            "workspaceId": "default",
            "@authtoken": "secret",
        },
        COLUMNS,
        tie_breaker_sql='"id" ASC',
    )
    assert opts.select == ("Name", "Runs")
    assert opts.order_sql == '"runs" DESC, "name" ASC, "id" ASC'
    assert (opts.top, opts.skip, opts.count) == (2, 1, True)
    sql = f"SELECT id FROM t WHERE {opts.where_sql} ORDER BY {opts.order_sql} LIMIT ? OFFSET ?"
    rows = db.execute(sql, (*opts.where_params, opts.top, opts.skip)).fetchall()
    # 6 (largest) is skipped; 1 and 4 tie on Runs=3 and 'Daily' < 'Weekly*'.
    assert [r[0] for r in rows] == [3, 1]


def test_query_options_defaults_and_empty_values() -> None:
    opts = odata.parse_query_options({"$filter": " ", "$select": "", "$orderby": ""}, COLUMNS)
    assert opts == odata.QueryOptions(None, None, (), None, None, 0, False)
    assert odata.parse_query_options({"$select": "*"}, COLUMNS).select is None


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"$expand": "x"}, "$expand is not supported"),
        ({"$format": "json"}, "not supported"),
        ({"$search": "x"}, "not supported"),
        ({"$apply": "x"}, "not supported"),
        ({"$levels": "2"}, "Unknown query option $levels"),
        ({"$top": "-1"}, "non-negative integer"),
        ({"$top": "1.5"}, "non-negative integer"),
        ({"$skip": "abc"}, "non-negative integer"),
        ({"$top": "99999999999999999999"}, "too large"),
        ({"$count": "yes"}, "true or false"),
        ({"$select": "Name,Nope"}, "unknown property 'Nope'"),
        ({"$select": "Name,,Runs"}, "empty item"),
        ({"$orderby": "Nope"}, "unknown property 'Nope'"),
        ({"$orderby": "Name sideways"}, "asc or desc"),
        ({"$orderby": "Name asc extra"}, "Property [asc|desc]"),
        ({"$orderby": "Name,"}, "empty item"),
    ],
)
def test_query_option_errors(params: dict[str, str], fragment: str) -> None:
    with pytest.raises(ODataError) as info:
        odata.parse_query_options(params, COLUMNS)
    assert fragment in str(info.value)


def test_orderby_without_tie_breaker() -> None:
    assert odata.parse_orderby("Started", COLUMNS, "") == '"started" ASC'


def test_columns_for_schema_sets() -> None:
    from syncgql.emulator import schema

    cols = odata.columns_for(schema.ENTITY_SETS["history"], table="h")
    assert cols["Id"] == Column("Id", '"h"."Id"', "int")
    assert cols["RunStartDate"].kind == "datetime"
    users = odata.columns_for(schema.ENTITY_SETS["users"])
    assert "Password" not in users
    assert "AuthToken" not in users
    assert odata.quote_identifier('a"b') == '"a""b"'


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", ResourcePath(name="", service_document=True)),
        ("/", ResourcePath(name="", service_document=True)),
        ("$metadata", ResourcePath(name="", metadata=True)),
        ("jobs", ResourcePath(name="jobs")),
        ("Jobs/", ResourcePath(name="Jobs")),
        ("executeJob", ResourcePath(name="executeJob")),
        ("jobs/$count", ResourcePath(name="jobs", count=True)),
        ("jobs/$metadata", ResourcePath(name="jobs", metadata=True)),
        ("jobs('x')", ResourcePath(name="jobs", key="x")),
        ("jobs(x)", ResourcePath(name="jobs", key="x")),
        ("history(1868391712871301377)", ResourcePath(name="history", key="1868391712871301377")),
        ("jobs(JobName='x')", ResourcePath(name="jobs", key="x", named_key="JobName")),
        ("jobs(JobName = 'x')", ResourcePath(name="jobs", key="x", named_key="JobName")),
        ("jobs('it''s')", ResourcePath(name="jobs", key="it's")),
        ("jobs('a%2Fb')", ResourcePath(name="jobs", key="a/b")),
        ("jobs(%27My%20Job%27)", ResourcePath(name="jobs", key="My Job")),
        ("jobs('a=b,c')", ResourcePath(name="jobs", key="a=b,c")),
        ("jobs('(x)')", ResourcePath(name="jobs", key="(x)")),
        ("jobs('caf%C3%A9')", ResourcePath(name="jobs", key="café")),
        ("jobs('')", ResourcePath(name="jobs", key="")),
        ("tasks('J')/$count", ResourcePath(name="tasks", key="J", count=True)),
        ("jobs('x')/Status", ResourcePath(name="jobs", key="x", property="Status")),
        (
            "jobs('x')/Status/$value",
            ResourcePath(name="jobs", key="x", property="Status", raw_value=True),
        ),
    ],
)
def test_resource_paths(path: str, expected: ResourcePath) -> None:
    assert parse_resource_path(path) == expected


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("jobs('x", "Malformed resource"),
        ("jobs('x)", "unterminated quote"),
        ("jobs('a'b')", "lone quote"),
        ("jobs('a','b')", "Composite keys"),
        ("jobs(a,b)", "Malformed key"),
        ("jobs()", "Empty key"),
        ("jobs//x", "Empty segment"),
        ("jobs/Status", "address one entity first"),
        ("jobs('x')/Status/raw", "only /$value"),
        ("jobs('x')/Sta tus", "Malformed property"),
        ("$metadata/x", "Nothing may follow"),
        ("jobs('%zz')", "percent-encoding"),
        ("jobs('%ff')", "UTF-8"),
        ("1jobs", "Malformed resource"),
        ("jobs('x')/$metadata", "Malformed property segment"),
    ],
)
def test_bad_resource_paths(path: str, fragment: str) -> None:
    with pytest.raises(ODataError) as info:
        parse_resource_path(path)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T10:15:00Z", "2026-11-27T10:15:00.000+00:00"),
        ("2026-11-27T10:15:00.123456+00:00", "2026-11-27T10:15:00.123+00:00"),
        ("2026-11-27T10:15:00-05:00", "2026-11-27T15:15:00.000+00:00"),
        ("2026-11-27", "2026-11-27T00:00:00.000+00:00"),
        ("2026-11-27T10:15", "2026-11-27T10:15:00.000+00:00"),
        ("yesterday", None),
        ("2026-02-30", None),
    ],
)
def test_normalize_datetime(text: str, expected: str | None) -> None:
    assert odata.normalize_datetime(text) == expected
