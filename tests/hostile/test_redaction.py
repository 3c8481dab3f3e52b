"""One redaction: the same rules mask secrets in responses, errors and log lines.

The table holds real connection-string and credential shapes. Each row names the fragments of
its secrets (all must be gone) and non-secret parts (all must survive), and runs through both
users of the rule set: the log/error scrubber (``redact_text``) and, for connection strings,
the response masking (``mask_connection_string``). End to end, a support-role user reads
connections through a real gateway, and a coercion error that echoes a connection string is
checked in the response and in the INFO log stream.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from syncgql.emulator.app import load_credentials
from syncgql.observability.logs import configure_logging
from syncgql.observability.redact import Redactor, redact_text
from syncgql.redaction import mask_connection_string
from tests.faults.upstream import Fault, only
from tests.hostile.conftest import Stack
from tests.support.clocks import cpu_time


class Shape(NamedTuple):
    text: str
    gone: tuple[str, ...]
    kept: tuple[str, ...]
    conn: bool  # a connection string: the response masking must hold too


def cs(text: str, gone: tuple[str, ...], kept: tuple[str, ...] = ()) -> Shape:
    return Shape(text, gone, kept, conn=True)


def tx(text: str, gone: tuple[str, ...], kept: tuple[str, ...] = ()) -> Shape:
    return Shape(text, gone, kept, conn=False)


A, B, C = "Alpha1x", "Bravo2y", "Charlie3z"
SHAPES: dict[str, Shape] = {
    "ado": cs(
        f"Server=db01;Database=Sales;User Id=sa;Password={A};Port=1433",
        (A,),
        ("db01", "Sales", "User Id", "1433"),
    ),
    "odd-spacing": cs(f"Server = db01 ; PASSWORD  =  {A} ; Port=1", (A,), ("db01", "Port")),
    "lower-pwd": cs(f"server=h1;uid=u1;pwd={A};", (A,), ("server=h1", "uid=u1")),
    "odbc-braces": cs(
        f"Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:db,1433;UID=sa;"
        f"PWD={{{A};{B}}}}}{C}}};Encrypt=yes",
        (A, B, C),
        ("ODBC Driver 18 for SQL Server", "Encrypt=yes", "UID=sa"),
    ),
    "single-quoted": cs(f"User=x;Password='{A};{B}={C}';Port=5", (A, B, C), ("User=x", "Port=5")),
    "doubled-single": cs(f"User=x;Password='{A}''{B};{C}';Port=5", (A, B, C), ("Port=5",)),
    "doubled-double": cs(f'User=x;Password="{A}"";{B}";Port=5', (A, B), ("Port=5",)),
    "nested-other": cs(
        f'Server=s1;Other="ProxyPassword={A};ProxyUser=puser;ProxyServer=px1";Port=5',
        (A,),
        ("ProxyUser=puser", "ProxyServer=px1", "Port=5"),
    ),
    "nested-token": cs(
        f"Server=s1;Other='OAuthAccessToken={A};UseSSL=true'", (A,), ("UseSSL=true", "s1")
    ),
    "url-slash": cs(
        f"URL=https://svc:{A}/{B}@sync.example.com/api.rsc;Timeout=30",
        (A, B),
        ("svc", "sync.example.com/api.rsc", "Timeout=30"),
    ),
    "url-at": cs(f"URI=https://svc:{A}@{B}@host.example:8443/x", (A, B), ("host.example:8443/x",)),
    "url-colon": tx(f"GET https://svc:{A}:{B}@host1/ failed", (A, B), ("host1/ failed",)),
    "redis-url": tx(f"redis://default:{A}@127.0.0.1:6379/0", (A,), ("127.0.0.1:6379/0",)),
    "postgres-url": tx(
        f"postgresql://app:{A}%2F{B}@db:5432/sales?sslmode=require",
        (A, B),
        ("db:5432/sales", "sslmode=require"),
    ),
    "mongo-srv": tx(
        f"mongodb+srv://app:{A}%40{B}@cluster0.mongodb.net/db?retryWrites=true",
        (A, B),
        ("cluster0.mongodb.net/db?retryWrites=true",),
    ),
    "jdbc-sqlserver": tx(
        f"jdbc:sqlserver://db:1433;databaseName=sales;user=sa;password={A};encrypt=true",
        (A,),
        ("databaseName=sales", "encrypt=true", "user=sa"),
    ),
    "jdbc-mysql-userinfo": tx(
        f"jdbc:mysql://app:{A}@db:3306/sales?useSSL=true", (A,), ("db:3306/sales?useSSL=true",)
    ),
    "jdbc-mysql-query": tx(
        f"jdbc:mysql://db:3306/sales?user=app&password={A}&useSSL=true",
        (A,),
        ("user=app", "useSSL=true"),
    ),
    "jdbc-oracle-thin": tx(
        f"jdbc:oracle:thin:scott/{A}@//db:1521/ORCL", (A,), ("scott", "db:1521/ORCL")
    ),
    "azure-account-key": cs(
        f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={A}+{B}/{C}==;"
        "EndpointSuffix=core.windows.net",
        (A, B, C),
        ("AccountName=acct", "EndpointSuffix=core.windows.net"),
    ),
    "azure-sas-connstr": cs(
        "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02"
        f"&ss=b&srt=sco&sp=rl&se=2030-01-01&sig={A}%2B{B}%3D",
        (A, B),
        ("BlobEndpoint=https://acct.blob.core.windows.net/",),
    ),
    "azure-sas-url": tx(
        "https://acct.blob.core.windows.net/c/f.csv?sv=2022-11-02&sp=r&se=2030-01-01"
        f"&sig={A}%2F{B}%3D",
        (A, B),
        ("sv=2022-11-02", "sp=r", "f.csv"),
    ),
    "service-bus": cs(
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
        f"SharedAccessKey={A}=",
        (A,),
        ("sb://ns.servicebus.windows.net/", "RootManageSharedAccessKey"),
    ),
    "sas-property": cs(f"SAS={A}{B};Container=c1", (A, B), ("Container=c1",)),
    "cookie-property": cs(f'Cookie="sid={A}; csrftoken={B}";Server=s1', (A, B), ("Server=s1",)),
    "cookie-header": tx(f"Cookie: JSESSIONID={A}; theme=dark; XSRF-TOKEN={B}", (A, B)),
    "set-cookie": tx(f"Set-Cookie: session={A}; Path=/; HttpOnly", (A,), ("Set-Cookie",)),
    "session-id": cs(f"Server=s1;SessionId={A};Port=1", (A,), ("Server=s1", "Port=1")),
    "aspnet-session": tx(f"ASP.NET_SessionId={A}; path=/", (A,)),
    "oauth-connstr": cs(
        f"InitiateOAuth=GETANDREFRESH;OAuthAccessToken={A};OAuthRefreshToken={B}",
        (A, B),
        ("InitiateOAuth=GETANDREFRESH",),
    ),
    "oauth-json": tx(
        f'{{"access_token": "{A}", "refresh_token": "{B}", "token_type": "Bearer", '
        '"expires_in": 3600}',
        (A, B),
        ('"token_type": "Bearer"', '"expires_in": 3600'),
    ),
    "client-secret": cs(
        f"ClientId=abc;ClientSecret={A};TenantId=t1", (A,), ("ClientId=abc", "TenantId=t1")
    ),
    "client-secret-repr": tx(
        f"{{'client_secret': '{A}', 'client_id': 'app1'}}", (A,), ("'client_id': 'app1'",)
    ),
    "credentials-clientkey": cs(f"Credentials={A};ClientKey={B};Region=eu", (A, B), ("Region=eu",)),
    "pem-property": tx(
        f"PrivateKey=-----BEGIN PRIVATE KEY-----\n{A}\n{B}\n-----END PRIVATE KEY-----;User=u1",
        (A, B),
        ("User=u1",),
    ),
    "pem-text": tx(
        f"loaded key -----BEGIN RSA PRIVATE KEY-----\n{A}\n{B}\n-----END RSA PRIVATE KEY-----"
        " from vault",
        (A, B),
        ("loaded key", "from vault"),
    ),
    "pem-escaped": tx(
        f'"-----BEGIN OPENSSH PRIVATE KEY-----\\n{A}\\n{B}\\n-----END OPENSSH PRIVATE KEY-----"',
        (A, B),
    ),
    "pem-nested": cs(
        f"Server=s1;Other='SSLClientKey=-----BEGIN EC PRIVATE KEY-----\n{A}\n"
        "-----END EC PRIVATE KEY-----'",
        (A,),
        ("Server=s1",),
    ),
    "bearer": tx(f"Authorization: Bearer {A}{B}", (A, B), ("Authorization",)),
    "basic": tx("Authorization: Basic QWxwaGExeDpCcmF2bzJ5", ("QWxwaGExeDpCcmF2bzJ5",)),
    "jwt": tx(
        f"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{A}{B} in header",
        ("eyJzdWIiOiIxMjM0NTY3ODkwIn0", A),
        ("in header",),
    ),
    "authtoken-query": tx(
        f"GET /api.rsc/jobs?@authtoken={A}&$top=5 HTTP/1.1", (A,), ("$top=5", "HTTP/1.1")
    ),
    "cdata-header": tx(f"x-cdata-authtoken: {A}", (A,), ("x-cdata-authtoken",)),
    "api-key-cases": tx(f"APIKEY={A};api_key={B}&Api-Key: {C}", (A, B, C)),
    "keystore": cs(
        f"KeyStore=/etc/k.jks;KeyStorePassword={A};SSLMode=verify",
        (A,),
        ("KeyStore=/etc/k.jks", "SSLMode=verify"),
    ),
    "aws": cs(f"AccessKey=AKIA{A};SecretKey={B};Region=us-east-1", (A, B), ("Region=us-east-1",)),
    "password-spaces": cs(f"Password={A} {B};Server=s1", (A, B), ("Server=s1",)),
    "proxy": cs(
        f"ProxyServer=px1;ProxyPassword={A};ProxyAuthScheme=BASIC",
        (A,),
        ("ProxyServer=px1", "ProxyAuthScheme=BASIC"),
    ),
    "passphrase": cs(
        f"account=acme;user=u1;private_key_passphrase={A};warehouse=wh1",
        (A,),
        ("account=acme", "warehouse=wh1"),
    ),
    "coercion-echo": tx(
        f"Variable '$n' got invalid value 'Server=s1;AccountKey={A};Credentials={B};"
        f"ClientKey={C}'; Int cannot represent non-integer value: 'Server=s1;AccountKey={A}'",
        (A, B, C),
        ("Int cannot represent non-integer value", "Server=s1"),
    ),
    "graphql-literal": tx(
        f'got invalid value {{name: "a", clientSecret: {A}, other: 1}}; Field x is unknown',
        (A,),
        ('name: "a"', "other: 1}; Field x is unknown"),
    ),
    "json-in-json": tx(
        f'{{"msg": "body {{\\"password\\": \\"{A}\\", \\"user\\": \\"u1\\"}}"}}',
        (A,),
        ('\\"user\\": \\"u1\\"',),
    ),
}


def _assert_clean(out: str, shape: Shape) -> None:
    for secret in shape.gone:
        assert secret not in out, out
    for part in shape.kept:
        assert part in out, out


@pytest.mark.parametrize("name", list(SHAPES))
def test_logs_and_errors_lose_the_secret_keep_the_rest(name: str) -> None:
    shape = SHAPES[name]
    _assert_clean(redact_text(shape.text), shape)


@pytest.mark.parametrize("name", [n for n, s in SHAPES.items() if s.conn])
def test_responses_lose_the_secret_keep_the_rest(name: str) -> None:
    shape = SHAPES[name]
    masked = mask_connection_string(shape.text)
    assert masked is not None
    _assert_clean(masked, shape)


def test_the_table_is_large_enough() -> None:
    assert len(SHAPES) >= 40


def test_redaction_is_idempotent_and_stable_in_json_lines() -> None:
    # The log handler redacts the message and then the formatted line: twice must equal once,
    # and a JSON line must stay JSON.
    for shape in SHAPES.values():
        once = redact_text(shape.text)
        assert redact_text(once) == once
        line = json.dumps({"msg": shape.text})
        assert json.loads(redact_text(line))["msg"] == redact_text(json.loads(line)["msg"]) or (
            all(secret not in redact_text(line) for secret in shape.gone)
        )


@pytest.mark.timing
def test_rule_set_cost_per_log_line() -> None:
    """It runs on every log line: ordinary lines and secret-bearing ones stay cheap."""
    lines = [
        '127.0.0.1:50312 - "POST /graphql HTTP/1.1" 200',
        "upstream GET jobs/list -> 200 in 4.1 ms (retried 0)",
        "request error BAD_USER_INPUT: Variable '$n' got invalid value 'x'",
        *(shape.text for shape in SHAPES.values()),
    ]
    redactor = Redactor([f"known-secret-{i:04d}" for i in range(16)])
    rounds = 200
    # CPU time, not wall time: other processes on the machine do not stretch it.
    with cpu_time() as cpu:
        for _ in range(rounds):
            for line in lines:
                redactor(line)
    per_line = cpu.seconds / (rounds * len(lines))
    print(f"redaction cost: {per_line * 1e6:.1f} µs per line over {len(lines)} shapes")
    assert per_line < 200e-6


# --- end to end --------------------------------------------------------------------------------

E2E = (
    SHAPES["odbc-braces"],
    SHAPES["nested-other"],
    SHAPES["url-slash"],
    SHAPES["azure-sas-connstr"],
)
E2E_STRINGS = (
    f"Rows=5;SessionId={A};Cookie='sid={B}';Other=\"ProxyPassword={C};ProxyUser=puser\"",
    f"Rows=5;URL=https://svc:{A}/{B}@sync.example.com/;SAS={C}",
)
CREATE = """
mutation($s: String!, $n: String!) {
  createConnection(input: {name: $n, providerName: "Demo", connectionString: $s}) {
    __typename ... on UserError { message code }
  }
}"""
READ = """{ connections(first: 50) { nodes { name connectionString
  properties { name value secret } } } }"""


@pytest.fixture
def info_logs() -> Iterator[io.StringIO]:
    """The gateway's real redacted log stream at INFO (as ``syncgql serve`` installs it)."""
    root = logging.getLogger()
    saved_level = root.level
    stream = io.StringIO()
    handler = configure_logging("info", "json", Redactor(), stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)


async def test_support_user_reads_connections_without_secrets(stack: Stack) -> None:
    operator = load_credentials(stack.data_dir / "emulator")["operator"]
    async with stack.gateway() as gw:
        for i, text in enumerate(E2E_STRINGS):
            made = await gw.gql(CREATE, {"s": text, "n": f"Leak{i}"})
            assert made["data"]["createConnection"]["__typename"] == "CreateConnectionSuccess"
        response = await gw.http.post(
            "/graphql", json={"query": READ}, headers={"x-cdata-authtoken": operator}
        )
        body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    nodes = {n["name"]: n for n in body["data"]["connections"]["nodes"]}
    shown = json.dumps([nodes["Leak0"], nodes["Leak1"]])
    for secret in (A, B, C):
        assert secret not in shown, shown
    assert "ProxyUser=puser" in nodes["Leak0"]["connectionString"]
    assert "sync.example.com" in nodes["Leak1"]["connectionString"]
    secret_flags = {p["name"]: p["secret"] for p in nodes["Leak0"]["properties"]}
    assert secret_flags == {"Rows": False, "SessionId": True, "Cookie": True, "Other": False}


async def test_coercion_error_echoing_a_connection_string(
    stack: Stack, info_logs: io.StringIO
) -> None:
    text = SHAPES["coercion-echo"].text.split("'")[3]  # Server=s1;AccountKey=…;ClientKey=…
    queries = (
        ("query($n: Int!) { jobs(first: $n) { totalCount } }", {"n": text}),
        ("query($n: Int) { jobs(first: $n) { totalCount } }", {"n": {"cs": text}}),
        (CREATE, {"s": {"connectionString": text}, "n": "x"}),
    )
    async with stack.gateway() as gw:
        bodies = [await gw.gql(q, v) for q, v in queries]
    for body in bodies:
        assert body["errors"], body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body
        dumped = json.dumps(body)
        for secret in (A, B, C):
            assert secret not in dumped, dumped
        assert "Server=s1" in dumped
    logged = info_logs.getvalue()
    assert "request error" in logged  # the INFO lines were written, and are clean
    for secret in (A, B, C):
        assert secret not in logged, logged


async def test_upstream_message_echoing_a_connection_string_is_masked(
    stack: Stack, info_logs: io.StringIO
) -> None:
    """A 4xx message reaches callers as ``UserError`` data (not an error) and the logs."""
    echoed = SHAPES["azure-account-key"].text + ";" + SHAPES["nested-other"].text
    body = json.dumps(
        {"error": {"code": "BadRequest", "message": f"Invalid connection string: {echoed}"}}
    ).encode()
    async with stack.gateway() as gw:
        gw.upstream.set(Fault("error", status=400, body=body, match=only("POST", "connections")))
        answer = await gw.gql(CREATE, {"s": echoed, "n": "Echo"})
    member = answer["data"]["createConnection"]
    assert member["__typename"] == "ValidationError", answer
    assert "Invalid connection string" in member["message"]
    assert "AccountName=acct" in member["message"]
    for secret in (A, B, C):
        assert secret not in json.dumps(answer), answer
        assert secret not in info_logs.getvalue()
