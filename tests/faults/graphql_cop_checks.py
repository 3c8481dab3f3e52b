"""The checks of graphql-cop (a GraphQL security auditor), run against a live endpoint.

graphql-cop itself is not installable from the package registries this project reaches (the
PyPI name holds an empty placeholder), so this module sends the same probes and applies the same
pass/fail rules and severities, as published in its README and checks:

============================================  ========  =======================================
check                                         severity  finding when
============================================  ========  =======================================
Introspection                                 HIGH      ``__schema`` query returns data
Introspection-based circular query            HIGH      a 9-deep ``__schema`` query returns data
Alias overloading                             HIGH      101 aliased ``__typename`` all answered
Batch queries                                 HIGH      an array of 11 operations answered
Directive overloading                         HIGH      10 repeated directives → 10 errors
Field duplication                             HIGH      500 repeated ``__typename`` answered
Circular fragments                            HIGH      a fragment cycle answered with data
GET method query support                      MEDIUM    ``GET ?query={__typename}`` answered
Mutation over GET                             MEDIUM    ``GET ?query=mutation{__typename}`` ran
POST url-encoded query                        MEDIUM    a non-JSON POST (form / query string)
GraphQL IDE exposed                           LOW       an IDE page served on a usual path
Field suggestions                             LOW       "Did you mean" in an error
Trace mode                                    INFO      ``extensions.tracing`` in a response
Unhandled errors                              INFO      ``extensions.exception`` in an error
============================================  ========  =======================================

Run it as a script (``python -m tests.faults.graphql_cop_checks -t http://127.0.0.1:8000/graphql``)
or call :func:`run_checks` from a test. Probes go only to the URL given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

__all__ = ["SEVERITY_ORDER", "Finding", "format_report", "main", "run_checks"]

SEVERITY_ORDER = {"INFO": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}

_IDE_PATHS = ("", "/graphiql", "/playground", "/console", "/altair", "/explorer", "/voyager")
_IDE_MARKERS = ("graphiql", "graphql-playground", "graphql playground", "altair", "voyager")


@dataclass(frozen=True)
class Finding:
    """The outcome of one check; ``result`` is True when the weakness is present."""

    title: str
    severity: str
    impact: str
    description: str
    result: bool
    detail: str = ""


Check = Callable[[httpx.AsyncClient, str], Awaitable[Finding]]


async def _post_json(client: httpx.AsyncClient, url: str, payload: object) -> Any:
    try:
        response = await client.post(url, json=payload)
        return response.json()
    except (httpx.HTTPError, ValueError):
        return {}


def _data(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return body["data"]  # type: ignore[no-any-return]
    return {}


def _errors(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [e for e in body["errors"] if isinstance(e, dict)]
    return []


async def introspection(client: httpx.AsyncClient, url: str) -> Finding:
    body = await _post_json(
        client, url, {"query": "query cop { __schema { types { name fields { name } } } }"}
    )
    return Finding(
        "Introspection",
        "HIGH",
        "Information Leakage",
        "Introspection Query Enabled",
        "__schema" in _data(body),
    )


async def circular_introspection(client: httpx.AsyncClient, url: str) -> Finding:
    query = (
        "query cop { __schema { types { fields { type { fields { type { fields "
        "{ type { fields { type { name } } } } } } } } } } }"
    )
    body = await _post_json(client, url, {"query": query})
    types = (_data(body).get("__schema") or {}).get("types") or []
    return Finding(
        "Introspection-based Circular Query",
        "HIGH",
        "Denial of Service",
        "Circular-query using Introspection",
        len(types) > 25,
    )


async def alias_overloading(client: httpx.AsyncClient, url: str) -> Finding:
    aliases = " ".join(f"alias{i}:__typename" for i in range(101))
    body = await _post_json(client, url, {"query": "query cop { " + aliases + " }"})
    return Finding(
        "Alias Overloading",
        "HIGH",
        "Denial of Service",
        "Alias Overloading with 100+ aliases is allowed",
        bool(_data(body).get("alias100")),
    )


async def batch_queries(client: httpx.AsyncClient, url: str) -> Finding:
    body = await _post_json(client, url, [{"query": "query cop { __typename }"}] * 11)
    answered = isinstance(body, list) and sum(1 for item in body if _data(item)) >= 10
    return Finding(
        "Array-based Query Batching",
        "HIGH",
        "Denial of Service",
        "Batch queries allowed with 10+ simultaneous queries",
        answered,
    )


async def directive_overloading(client: httpx.AsyncClient, url: str) -> Finding:
    body = await _post_json(client, url, {"query": "query cop { __typename" + " @aa" * 10 + " }"})
    return Finding(
        "Directive Overloading",
        "HIGH",
        "Denial of Service",
        "Multiple duplicated directives allowed in a query",
        len(_errors(body)) == 10,
    )


async def field_duplication(client: httpx.AsyncClient, url: str) -> Finding:
    body = await _post_json(client, url, {"query": "query cop { " + "__typename " * 500 + "}"})
    return Finding(
        "Field Duplication",
        "HIGH",
        "Denial of Service",
        "Queries are allowed with 500 of the same repeated field",
        "__typename" in _data(body),
    )


async def circular_fragments(client: httpx.AsyncClient, url: str) -> Finding:
    query = "query cop { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    body = await _post_json(client, url, {"query": query})
    return Finding(
        "Circular Fragment",
        "HIGH",
        "Denial of Service",
        "Circular fragments are allowed",
        bool(_data(body)),
    )


async def get_method_support(client: httpx.AsyncClient, url: str) -> Finding:
    try:
        response = await client.get(url, params={"query": "{__typename}"})
        answered = bool(_data(response.json()).get("__typename"))
    except (httpx.HTTPError, ValueError):
        answered = False
    return Finding(
        "GET Method Query Support",
        "MEDIUM",
        "Possible Cross Site Request Forgery (CSRF)",
        "GraphQL queries allowed using the GET method",
        answered,
    )


async def get_based_mutation(client: httpx.AsyncClient, url: str) -> Finding:
    try:
        response = await client.get(url, params={"query": "mutation cop {__typename}"})
        answered = bool(_data(response.json()).get("__typename"))
    except (httpx.HTTPError, ValueError):
        answered = False
    return Finding(
        "Mutation is allowed over GET (possible CSRF)",
        "MEDIUM",
        "Possible Cross Site Request Forgery (CSRF)",
        "GraphQL mutations allowed using the GET method",
        answered,
    )


async def post_based_csrf(client: httpx.AsyncClient, url: str) -> Finding:
    answered = False
    attempts: list[dict[str, Any]] = [
        {"params": {"query": "query cop {__typename}"}},  # graphql-cop's own probe
        {"data": {"query": "query cop {__typename}"}},  # an HTML form's url-encoded body
        {
            "content": json.dumps({"query": "query cop {__typename}"}),
            "headers": {"content-type": "text/plain"},
        },
    ]
    for kwargs in attempts:
        try:
            response = await client.post(url, **kwargs)
            answered = answered or bool(_data(response.json()).get("__typename"))
        except (httpx.HTTPError, ValueError):
            pass
    return Finding(
        "POST based url-encoded query (possible CSRF)",
        "MEDIUM",
        "Possible Cross Site Request Forgery",
        "GraphQL accepts non-JSON queries over POST",
        answered,
    )


async def graphiql(client: httpx.AsyncClient, url: str) -> Finding:
    found = ""
    base = url.rstrip("/")
    root = base.rsplit("/", 1)[0]
    candidates = [base + path for path in _IDE_PATHS] + [root + path for path in _IDE_PATHS[1:]]
    for candidate in candidates:
        try:
            response = await client.get(
                candidate, headers={"accept": "text/html"}, follow_redirects=True
            )
        except httpx.HTTPError:
            continue
        text = response.text.lower()
        if response.status_code == 200 and any(marker in text for marker in _IDE_MARKERS):
            found = candidate
            break
    return Finding(
        "GraphQL IDE",
        "LOW",
        "Information Leakage",
        "GraphiQL Explorer/Playground Enabled",
        bool(found),
        found,
    )


async def field_suggestions(client: httpx.AsyncClient, url: str) -> Finding:
    body = await _post_json(client, url, {"query": "query cop { __schema { directive } }"})
    hint = any("did you mean" in str(e.get("message", "")).lower() for e in _errors(body))
    return Finding(
        "Field Suggestions",
        "LOW",
        "Information Leakage",
        "Field Suggestions are Enabled",
        hint,
    )


async def trace_mode(client: httpx.AsyncClient, url: str) -> Finding:
    body = await _post_json(client, url, {"query": "query cop { __typename }"})
    extensions = body.get("extensions") if isinstance(body, dict) else None
    traced = isinstance(extensions, dict) and "tracing" in extensions
    traced = traced or any("tracing" in (e.get("extensions") or {}) for e in _errors(body))
    return Finding("Trace Mode", "INFO", "Information Leakage", "Tracing is Enabled", traced)


async def unhandled_errors(client: httpx.AsyncClient, url: str) -> Finding:
    body = await _post_json(client, url, {"query": "qwerty cop { abc }"})
    leaked = any("exception" in (e.get("extensions") or {}) for e in _errors(body))
    leaked = leaked or "traceback" in json.dumps(body).lower()
    return Finding(
        "Unhandled Errors Detection",
        "INFO",
        "Information Leakage",
        "Exception errors are not handled",
        leaked,
    )


CHECKS: tuple[Check, ...] = (
    field_suggestions,
    introspection,
    graphiql,
    trace_mode,
    unhandled_errors,
    get_method_support,
    get_based_mutation,
    post_based_csrf,
    alias_overloading,
    batch_queries,
    directive_overloading,
    field_duplication,
    circular_introspection,
    circular_fragments,
)


async def run_checks(url: str, headers: dict[str, str] | None = None) -> list[Finding]:
    """Run every check against the GraphQL endpoint ``url`` (one after another)."""
    base_headers = {"user-agent": "syncgql-graphql-cop-checks/1"}
    async with httpx.AsyncClient(
        headers={**base_headers, **(headers or {})}, timeout=30, trust_env=False
    ) as client:
        return [await check(client, url) for check in CHECKS]


def format_report(findings: list[Finding]) -> str:
    """graphql-cop's text output: one ``[SEVERITY] title (impact)`` line per finding."""
    lines = [
        f"[{f.severity}] {f.title} - {f.description} ({f.impact})" for f in findings if f.result
    ]
    passed = [f"[OK] {f.title}" for f in findings if not f.result]
    return "\n".join(lines + passed)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``-t URL [-H JSON-headers] [-o json]``; exit 1 on a finding above LOW."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-t", "--target", required=True, help="the GraphQL URL, with its path")
    parser.add_argument("-H", "--header", default="{}", help='extra headers as JSON: {"k": "v"}')
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    findings = asyncio.run(run_checks(args.target, json.loads(args.header)))
    if args.output == "json":
        print(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        print(format_report(findings))
    worst = max((SEVERITY_ORDER[f.severity] for f in findings if f.result), default=0)
    return 1 if worst > SEVERITY_ORDER["LOW"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
