"""The GraphiQL IDE, served by syncgql itself so it works with no internet access.

``scripts/build-graphiql.sh`` bundles GraphiQL (and React, Monaco and its workers) from pinned npm
packages into ``static/graphiql/assets/`` with content-hashed file names and a ``manifest.json``
naming the entry script and stylesheet. This module serves:

* ``/graphiql`` — a small HTML page linking those files, with the endpoint and default query in an
  inert JSON block (no inline script, so a strict Content-Security-Policy applies);
* ``/graphiql/assets/...`` — the files, cached for a year (their names change when they do).

When the assets were never built the page answers 503 in a GraphQL-shaped error body
(``GRAPHIQL_NOT_BUILT``) that says what to do: in a source checkout the command that builds them,
in an installed package without them (no build script there) which package to install instead.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Final

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from syncgql.errorcodes import ErrorCode, error_body

__all__ = [
    "DEFAULT_ASSETS_DIR",
    "DEFAULT_QUERY",
    "HashedAssets",
    "graphiql_routes",
    "missing_assets_hint",
    "read_manifest",
]

DEFAULT_ASSETS_DIR: Final = Path(__file__).parent / "static" / "graphiql" / "assets"

DEFAULT_QUERY: Final = """\
# Welcome to syncgql: the CData Sync API as one typed graph.
#
# Run this query with Ctrl-Enter or the play button; open the documentation
# explorer (the book icon) to see every type and field.

query Jobs {
  jobs(first: 10) {
    edges {
      node {
        name
      }
    }
  }
}
"""

# A source checkout (an editable install) has the build script beside the package; a wheel or
# an image does not, and its users need to hear what they can do instead.
_CHECKOUT_SCRIPT: Final = Path(__file__).resolve().parents[2] / "scripts" / "build-graphiql.sh"

_CHECKOUT_HINT: Final = (
    "GraphiQL is not built yet: its assets are missing from {path}.\n"
    "Build them once with:\n\n"
    "    scripts/build-graphiql.sh\n\n"
    "(it needs node and npm; it runs `npm ci` in frontend/graphiql and writes the bundle).\n"
)
_PACKAGE_HINT: Final = (
    "GraphiQL is not available: this syncgql package was built without its GraphiQL assets.\n"
    "The GraphQL endpoint works; use any GraphQL client with it meanwhile.\n"
    "To get GraphiQL, install a syncgql wheel or image of a release (they include the assets),\n"
    "e.g. `pip install --force-reinstall syncgql-<version>-py3-none-any.whl`.\n"
)


def missing_assets_hint(assets_dir: Path, *, build_script: Path | None = None) -> str:
    """The 503 text when GraphiQL's assets are missing: what the reader can do about it.

    Args:
        assets_dir: where the assets were looked for.
        build_script: the repository's build script; by default the one beside this package,
            which only a source checkout has. Without it the text speaks to a package user
            and names no path of the installation.
    """
    script = _CHECKOUT_SCRIPT if build_script is None else build_script
    if script.is_file():
        return _CHECKOUT_HINT.format(path=assets_dir)
    return _PACKAGE_HINT


# The IDE only ever talks to this origin: scripts, styles and workers from /graphiql/assets,
# requests and the subscription WebSocket to the GraphQL endpoint. Monaco injects inline styles
# and fonts come inlined as data: URLs.
_CSP: Final = (
    "default-src 'self'; script-src 'self'; worker-src 'self'; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_IMMUTABLE: Final = "public, max-age=31536000, immutable"
_CONTENT_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
}


def graphiql_routes(
    enabled: bool,
    *,
    path: str = "/graphiql",
    endpoint: str = "/graphql",
    default_query: str = DEFAULT_QUERY,
    assets_dir: Path = DEFAULT_ASSETS_DIR,
) -> list[BaseRoute]:
    """Build the routes of the GraphiQL page and its assets.

    Args:
        enabled: whether GraphiQL is served at all (off in the production profile); when off,
            no route is returned and ``path`` answers 404.
        path: where the page is served; the assets live under ``{path}/assets/``.
        endpoint: the GraphQL endpoint the IDE calls, on the same origin (its WebSocket URL for
            subscriptions is derived from it in the browser).
        default_query: the query shown in a fresh editor.
        assets_dir: the build output of ``scripts/build-graphiql.sh``.

    Returns:
        Starlette routes to add to the app (an empty list when ``enabled`` is false).
    """
    if not enabled:
        return []

    async def page(request: Request) -> Response:
        manifest = read_manifest(assets_dir)
        if manifest is None:
            return JSONResponse(
                error_body(missing_assets_hint(assets_dir), ErrorCode.GRAPHIQL_NOT_BUILT),
                status_code=503,
                headers={"cache-control": "no-store", "retry-after": "60"},
            )
        root = request.scope.get("root_path", "")
        base = f"{root}{path}/assets/"
        config = orjson.dumps({"endpoint": f"{root}{endpoint}", "defaultQuery": default_query})
        # "<" escaped so that no value can close the <script> block it sits in.
        config_json = config.decode().replace("<", "\\u003c")
        js, css = manifest
        css_link = f'<link rel="stylesheet" href="{html.escape(base + css)}">' if css else ""
        body = _PAGE.format(
            css_link=css_link,
            script=html.escape(base + js),
            config=config_json,
        )
        return HTMLResponse(
            body,
            headers={
                "cache-control": "no-cache",
                "content-security-policy": _CSP,
                "x-content-type-options": "nosniff",
                "referrer-policy": "no-referrer",
            },
        )

    return [
        Route(path, page, methods=["GET", "HEAD"], name="graphiql"),
        Mount(f"{path}/assets", app=HashedAssets(assets_dir), name="graphiql-assets"),
    ]


def read_manifest(assets_dir: Path) -> tuple[str, str | None] | None:
    """Return the (script, stylesheet) file names of the bundle, or None when it is not built."""
    try:
        manifest = orjson.loads((assets_dir / "manifest.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    js = manifest.get("js") if isinstance(manifest, dict) else None
    if not isinstance(js, str) or not (assets_dir / js).is_file():
        return None
    css = manifest.get("css")
    return js, css if isinstance(css, str) else None


class HashedAssets(StaticFiles):
    """Static files with explicit content types and year-long caching of hashed names.

    Shared by GraphiQL and the console (``syncgql.console``), whose bundles are built alike;
    ``missing`` is the 503 answer when the bundle directory does not exist at all.
    """

    def __init__(self, directory: Path, missing: Callable[[], Response] | None = None) -> None:
        super().__init__(directory=directory, check_dir=False)
        self._directory = directory
        self._missing = missing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a file, or say how to build the bundle when it is missing entirely."""
        if not self._directory.is_dir() and self._missing is not None:
            await self._missing()(scope, receive, send)
            return
        if not self._directory.is_dir():
            response: Response = JSONResponse(
                error_body(missing_assets_hint(self._directory), ErrorCode.GRAPHIQL_NOT_BUILT),
                status_code=503,
            )
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Answer with the right content type and cache policy for one bundle file."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        if isinstance(response, FileResponse):
            name = Path(full_path).name
            content_type = _CONTENT_TYPES.get(Path(name).suffix)
            if content_type:
                response.headers["content-type"] = content_type
            # manifest.json keeps its name across builds; every other file is content-hashed.
            cacheable = name != "manifest.json" and not name.startswith(".")
            response.headers["cache-control"] = _IMMUTABLE if cacheable else "no-cache"
            response.headers["x-content-type-options"] = "nosniff"
        return response


_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>syncgql · GraphiQL</title>
<link rel="icon" href="data:,">
{css_link}
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="syncgql-graphiql-config">{config}</script>
<script type="module" src="{script}"></script>
</body>
</html>
"""
