"""Every error body syncgql sends carries ``errors[0].extensions.code`` from one vocabulary.

Table-driven over real HTTP: each HTTP-level refusal is provoked against ``syncgql serve`` (a
real uvicorn process with the embedded emulator) and its body checked. Then the vocabulary
itself: every code is emitted somewhere in src, the README table can be generated, and the
GraphQL ``ErrorCode`` enum has exactly the Python members with their descriptions.
"""

from __future__ import annotations

import ast
import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.errorcodes import ErrorCode, markdown_table
from tests.hostile.serve_process import serve_process

SRC = Path(__file__).resolve().parents[2] / "src" / "syncgql"
JSON = {"content-type": "application/json"}
GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}


@dataclass(frozen=True)
class Refusal:
    """One way to be refused, what status it must answer and with which code."""

    name: str
    send: Callable[[httpx.Client], httpx.Response]
    status: int
    code: ErrorCode


def _post(body: bytes, **headers: str) -> Callable[[httpx.Client], httpx.Response]:
    return lambda c: c.post("/graphql", content=body, headers={**JSON, **headers})


# Not here: a query string over the 414 limit, because uvicorn refuses a head that long first
# (a coded 400, below); tests/limits covers the 414 in-process.
DEVELOPMENT = [
    Refusal("PUT /graphql", lambda c: c.put("/graphql"), 405, ErrorCode.METHOD_NOT_ALLOWED),
    Refusal(
        "GET without a query",
        lambda c: c.get("/graphql", headers={"accept": "application/json"}),
        400,
        ErrorCode.BAD_USER_INPUT,
    ),
    Refusal(
        "mutation over GET",
        lambda c: c.get("/graphql", params={"query": "mutation { __typename }"}),
        405,
        ErrorCode.METHOD_NOT_ALLOWED,
    ),
    Refusal(
        "text/plain body",
        lambda c: c.post("/graphql", content=b"{}", headers={"content-type": "text/plain"}),
        415,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ),
    Refusal(
        "latin-1 charset",
        lambda c: c.post(
            "/graphql",
            content=b"{}",
            headers={"content-type": "application/json; charset=latin-1"},
        ),
        415,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ),
    Refusal("empty body", _post(b""), 400, ErrorCode.BAD_USER_INPUT),
    Refusal("body that is not JSON", _post(b"{nope"), 400, ErrorCode.BAD_USER_INPUT),
    Refusal("JSON that is not an object", _post(b"[1]"), 400, ErrorCode.BAD_USER_INPUT),
    Refusal("query that is not a string", _post(b'{"query": 1}'), 400, ErrorCode.BAD_USER_INPUT),
    Refusal(
        "unknown operationName",
        _post(b'{"query": "query A { __typename }", "operationName": "B"}'),
        400,
        ErrorCode.BAD_USER_INPUT,
    ),
    Refusal(
        "subscription over plain HTTP",
        _post(b'{"query": "subscription { jobStatusChanged { jobName } }"}'),
        400,
        ErrorCode.BAD_USER_INPUT,
    ),
    Refusal(
        "document that does not parse",
        _post(b'{"query": "{"}', **GRAPHQL_RESPONSE),
        400,
        ErrorCode.GRAPHQL_PARSE_FAILED,
    ),
    Refusal(
        "body over the size limit",
        _post(b'{"query": "' + b" " * 2_000_000 + b'{ __typename }"}'),
        413,
        ErrorCode.DOCUMENT_TOO_LARGE,
    ),
    Refusal("unknown path", lambda c: c.get("/nope"), 404, ErrorCode.NOT_FOUND),
    Refusal("POST /metrics", lambda c: c.post("/metrics"), 405, ErrorCode.METHOD_NOT_ALLOWED),
    Refusal("POST /healthz", lambda c: c.post("/healthz"), 405, ErrorCode.METHOD_NOT_ALLOWED),
]

# --profile production --auth forward --metrics off --rate-limit with a small burst; the
# rate-limit refusal is provoked last (the bucket is the caller's address for all of them).
PRODUCTION = [
    Refusal(
        "GET without a CSRF-safe header",
        lambda c: c.get("/graphql", params={"query": "{ __typename }"}),
        400,
        ErrorCode.CSRF_HEADER_REQUIRED,
    ),
    Refusal(
        "no caller credentials under --auth forward",
        _post(b'{"query": "{ __typename }"}'),
        401,
        ErrorCode.UNAUTHENTICATED,
    ),
    Refusal("GraphiQL off in production", lambda c: c.get("/graphiql"), 404, ErrorCode.NOT_FOUND),
    Refusal("/metrics off", lambda c: c.get("/metrics"), 404, ErrorCode.NOT_FOUND),
]
BURST = len(PRODUCTION) + 1


def _code_of(response: httpx.Response) -> Any:
    body = response.json()
    return body["errors"][0]["extensions"]["code"]


@pytest.fixture(scope="module")
def development(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with (
        serve_process(tmp_path_factory.mktemp("dev"), "--header-timeout", "1") as (url, _),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client


@pytest.mark.parametrize("refusal", DEVELOPMENT, ids=[r.name for r in DEVELOPMENT])
def test_http_refusal_carries_a_code(development: httpx.Client, refusal: Refusal) -> None:
    response = refusal.send(development)
    assert response.status_code == refusal.status, response.text
    assert response.headers["content-type"].startswith("application/")
    code = _code_of(response)
    assert code in set(ErrorCode), response.text
    assert code == refusal.code, response.text


def test_slow_request_head_gets_a_coded_408(development: httpx.Client) -> None:
    """The 408 is written by the HTTP protocol itself (no ASGI app ran): coded all the same."""
    head, body = _raw(development, b"GET /graphql HTTP/1.1\r\nHost: x\r\n")  # never ends
    assert head.startswith(b"HTTP/1.1 408"), head
    assert json.loads(body)["errors"][0]["extensions"]["code"] == ErrorCode.REQUEST_TIMEOUT


def _raw(client: httpx.Client, request: bytes) -> tuple[bytes, bytes]:
    """Send raw bytes; return the answer's head and body (the server closes after it)."""
    url = httpx.URL(str(client.base_url))
    with socket.create_connection((url.host, url.port or 80), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /graphql?query=" + b"%20" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
    ids=["request line over uvicorn's limit", "unreadable Content-Length", "not HTTP"],
)
def test_unparseable_request_gets_a_coded_400(
    development: httpx.Client, request_bytes: bytes
) -> None:
    """uvicorn's own refusals, before any ASGI app runs, carry a code too."""
    head, body = _raw(development, request_bytes)
    assert head.startswith(b"HTTP/1.1 400"), head
    assert json.loads(body)["errors"][0]["extensions"]["code"] == ErrorCode.BAD_USER_INPUT


def test_production_refusals_carry_codes(tmp_path: Path) -> None:
    flags = ("--profile", "production", "--auth", "forward", "--metrics", "off")
    limit = ("--rate-limit", "0.01", "--rate-burst", str(BURST))
    with (
        serve_process(tmp_path, *flags, *limit) as (url, _),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        for refusal in PRODUCTION:
            response = refusal.send(client)
            assert response.status_code == refusal.status, (refusal.name, response.text)
            assert _code_of(response) == refusal.code, (refusal.name, response.text)
        # The bucket held BURST tokens (the GraphiQL and metrics requests are free); spend
        # them, then the next request is refused. Bounded: at most BURST + 1 requests.
        statuses = []
        for _ in range(BURST + 1):
            response = client.post("/graphql", json={"query": "{ __typename }"})
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[-1] == 429, statuses
        assert _code_of(response) == ErrorCode.RATE_LIMITED
        assert int(response.headers["retry-after"]) >= 1


# --- the vocabulary itself


def _emitted_codes() -> set[str]:
    """Every ``ErrorCode.X`` named in src outside the vocabulary module (and the emulator)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name == "errorcodes.py" or "emulator" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "ErrorCode"
            ):
                found.add(node.attr)
    return found


def test_every_code_is_emitted_somewhere() -> None:
    assert _emitted_codes() == {code.name for code in ErrorCode}


def test_no_code_is_spelled_as_a_string_literal_in_src() -> None:
    names = {code.value for code in ErrorCode} | {"BAD_REQUEST"}
    literal = re.compile(r"""["']([A-Z][A-Z_]+)["']""")
    offenders = []
    for path in SRC.rglob("*.py"):
        # errormap.py lists CData Sync's own OData codes (data, not ours), like the emulator.
        if path.name in {"errorcodes.py", "errormap.py"} or "emulator" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # Docstrings and comments may name codes; code may not spell them.
            stripped = line.strip()
            if stripped.startswith("#") or "``" in line:
                continue
            offenders += [f"{path.name}:{number}" for m in literal.finditer(line) if m[1] in names]
    assert offenders == [], offenders


def test_every_code_has_a_one_line_description() -> None:
    for code in ErrorCode:
        assert code.value == code.name
        assert code.description and "\n" not in code.description, code
        assert code.description.endswith("."), code


def test_readme_table_is_generated_by_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syncgql", "error-codes"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout == markdown_table()
    rows = result.stdout.splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == [code.value for code in ErrorCode]


def test_graphql_enum_mirrors_the_python_enum() -> None:
    from syncgql.graphql.schema import build_schema

    enum = build_schema()._schema.type_map["ErrorCode"]
    values = getattr(enum, "values", {})
    assert {name: value.description for name, value in values.items()} == {
        code.name: code.description for code in ErrorCode
    }


def test_the_readme_shows_the_current_vocabulary() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert markdown_table() in readme, (
        "README's error-code table drifted: paste `syncgql error-codes`"
    )
