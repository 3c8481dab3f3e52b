"""The operations console, served by syncgql itself from an offline bundle.

``scripts/build-console.sh`` bundles the console (React, urql, graphql-ws; ``frontend/console``)
into ``static/console/assets/`` with content-hashed names and a ``manifest.json``, like GraphiQL.
This module serves:

* ``/`` and the console's client routes (``/jobs/<name>``, ``/runs``, ...) — one small HTML page
  linking the bundle, with the endpoint in an inert JSON block (no inline script, strict CSP);
* ``/console/assets/...`` — the files, cached for a year (their names change when they do).

When the bundle was never built, the page answers 503 (``CONSOLE_NOT_BUILT``) saying how to
build it (in a checkout) or which package carries it (in an installed package).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Final

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from syncgql.errorcodes import ErrorCode, error_body
from syncgql.graphiql import HashedAssets, read_manifest

__all__ = ["CLIENT_ROUTES", "DEFAULT_CONSOLE_DIR", "console_routes", "missing_console_hint"]

DEFAULT_CONSOLE_DIR: Final = Path(__file__).parent / "static" / "console" / "assets"

#: Paths the console routes in the browser; a reload or a shared link on one gets index.html.
CLIENT_ROUTES: Final = ("/jobs/{name:path}", "/runs", "/graph", "/connections")

_CHECKOUT_SCRIPT: Final = Path(__file__).resolve().parents[2] / "scripts" / "build-console.sh"
_CHECKOUT_HINT: Final = (
    "The operations console is not built yet: its assets are missing from {path}.\n"
    "Build them once with:\n\n"
    "    scripts/build-console.sh\n\n"
    "(it needs node and npm; it runs `npm ci` in frontend/console and writes the bundle).\n"
    "The GraphQL endpoint works meanwhile, at /graphql.\n"
)
_PACKAGE_HINT: Final = (
    "The operations console is not available: this syncgql package was built without it.\n"
    "The GraphQL endpoint works, at /graphql. To get the console, install a syncgql wheel or\n"
    "image of a release (they include it).\n"
)

# The console talks only to this origin: its own scripts and styles, POST requests and the
# graphql-ws socket to /graphql. React sets inline style attributes, hence 'unsafe-inline' for
# styles only; scripts are never inline.
_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def missing_console_hint(assets_dir: Path, *, build_script: Path | None = None) -> str:
    """The 503 text when the console's bundle is missing: what the reader can do about it."""
    script = _CHECKOUT_SCRIPT if build_script is None else build_script
    if script.is_file():
        return _CHECKOUT_HINT.format(path=assets_dir)
    return _PACKAGE_HINT


def console_routes(
    enabled: bool,
    *,
    endpoint: str = "/graphql",
    assets_dir: Path = DEFAULT_CONSOLE_DIR,
    graphiql: bool = False,
) -> list[BaseRoute]:
    """Build the routes of the console page, its client routes and its assets.

    Args:
        enabled: whether the console is served; when off no route is returned.
        endpoint: the GraphQL endpoint the console calls (same origin).
        assets_dir: the build output of ``scripts/build-console.sh``.
        graphiql: whether /graphiql is served (the console links to it only then).
    """
    if not enabled:
        return []

    def not_built() -> Response:
        return JSONResponse(
            error_body(missing_console_hint(assets_dir), ErrorCode.CONSOLE_NOT_BUILT),
            status_code=503,
            headers={"cache-control": "no-store", "retry-after": "60"},
        )

    async def page(request: Request) -> Response:
        manifest = read_manifest(assets_dir)
        if manifest is None:
            return not_built()
        root = request.scope.get("root_path", "")
        assets = f"{root}/console/assets/"
        config = orjson.dumps(
            {"endpoint": f"{root}{endpoint}", "base": f"{root}/", "graphiql": graphiql}
        )
        # "<" escaped so that no value can close the <script> block it sits in.
        config_json = config.decode().replace("<", "\\u003c")
        js, css = manifest
        css_link = f'<link rel="stylesheet" href="{html.escape(assets + css)}">' if css else ""
        body = _PAGE.format(css_link=css_link, script=html.escape(assets + js), config=config_json)
        return HTMLResponse(
            body,
            headers={
                "cache-control": "no-cache",
                "content-security-policy": _CSP,
                "x-content-type-options": "nosniff",
                "referrer-policy": "no-referrer",
            },
        )

    routes: list[BaseRoute] = [Route("/", page, methods=["GET", "HEAD"], name="console")]
    routes += [Route(path, page, methods=["GET", "HEAD"]) for path in CLIENT_ROUTES]
    routes.append(
        Mount("/console/assets", app=HashedAssets(assets_dir, not_built), name="console-assets")
    )
    return routes


_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>syncgql · console</title>
<link rel="icon" href="data:,">
{css_link}
</head>
<body>
<div id="console">Loading the console…</div>
<script type="application/json" id="syncgql-console-config">{config}</script>
<script type="module" src="{script}"></script>
</body>
</html>
"""
