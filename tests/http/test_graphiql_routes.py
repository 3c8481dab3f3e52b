"""The GraphiQL page and its assets, against a small fake bundle (the real one is tested live)."""

import json
import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from syncgql.graphiql import graphiql_routes, missing_assets_hint
from tests.http.toy import make_app


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    assets = tmp_path / "assets"
    (assets / "chunks").mkdir(parents=True)
    (assets / "graphiql-ABC123.js").write_text("export const x = 1;\n")
    (assets / "graphiql-DEF456.css").write_text("body { margin: 0 }\n")
    (assets / "chunks" / "monaco-XYZ.js").write_text("export {};\n")
    (assets / "manifest.json").write_text(
        json.dumps({"js": "graphiql-ABC123.js", "css": "graphiql-DEF456.css"})
    )
    return assets


def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_page_links_the_hashed_bundle_and_carries_the_config(bundle: Path) -> None:
    app, _ = make_app(assets_dir=bundle, default_query="{ hello } # </script><b>")
    async with client_for(app) as c:
        r = await c.get("/graphiql")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-cache"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp
    page = r.text
    assert '<script type="module" src="/graphiql/assets/graphiql-ABC123.js"></script>' in page
    assert '<link rel="stylesheet" href="/graphiql/assets/graphiql-DEF456.css">' in page
    # No third-party origin anywhere in the page.
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    config_text = re.search(
        r'<script type="application/json" id="syncgql-graphiql-config">(.*?)</script>', page, re.S
    )
    assert config_text is not None
    assert "</script><b>" not in config_text.group(1)  # cannot break out of its block
    config = json.loads(config_text.group(1))
    assert config == {"endpoint": "/graphql", "defaultQuery": "{ hello } # </script><b>"}


async def test_page_paths_follow_the_root_path(bundle: Path) -> None:
    app, _ = make_app(assets_dir=bundle)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, root_path="/sync"), base_url="http://t"
    ) as c:
        r = await c.get("/sync/graphiql")
    assert r.status_code == 200
    assert 'src="/sync/graphiql/assets/graphiql-ABC123.js"' in r.text
    assert '"endpoint":"/sync/graphql"' in r.text


@pytest.mark.parametrize(
    ("path", "content_type", "cache"),
    [
        ("/graphiql/assets/graphiql-ABC123.js", "text/javascript; charset=utf-8", "immutable"),
        ("/graphiql/assets/graphiql-DEF456.css", "text/css; charset=utf-8", "immutable"),
        ("/graphiql/assets/chunks/monaco-XYZ.js", "text/javascript; charset=utf-8", "immutable"),
        ("/graphiql/assets/manifest.json", "application/json", "no-cache"),
    ],
)
async def test_assets_have_content_types_and_cache_headers(
    bundle: Path, path: str, content_type: str, cache: str
) -> None:
    app, _ = make_app(assets_dir=bundle)
    async with client_for(app) as c:
        r = await c.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type
    assert cache in r.headers["cache-control"]
    assert r.headers["x-content-type-options"] == "nosniff"
    if cache == "immutable":
        assert "max-age=31536000" in r.headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    ["/graphiql/assets/nope.js", "/graphiql/assets/../manifest.json", "/graphiql/assets/%2e%2e/x"],
)
async def test_unknown_or_escaping_asset_is_404(bundle: Path, path: str) -> None:
    (bundle.parent / "x").write_text("secret")
    app, _ = make_app(assets_dir=bundle)
    async with client_for(app) as c:
        r = await c.get(path)
    assert r.status_code == 404
    assert "secret" not in r.text


async def test_missing_bundle_answers_503_with_the_build_command(tmp_path: Path) -> None:
    app, _ = make_app(assets_dir=tmp_path / "never-built")
    async with client_for(app) as c:
        page = await c.get("/graphiql")
        asset = await c.get("/graphiql/assets/graphiql-ABC123.js")
    for r in (page, asset):
        assert r.status_code == 503
        # A GraphQL-shaped error body, like every other refusal of syncgql.
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHIQL_NOT_BUILT"
        assert "scripts/build-graphiql.sh" in r.json()["errors"][0]["message"]
        assert "Traceback" not in r.text


async def test_manifest_naming_a_missing_file_counts_as_not_built(bundle: Path) -> None:
    (bundle / "graphiql-ABC123.js").unlink()
    app, _ = make_app(assets_dir=bundle)
    async with client_for(app) as c:
        r = await c.get("/graphiql")
    assert r.status_code == 503


async def test_disabled_graphiql_has_no_routes(bundle: Path) -> None:
    assert graphiql_routes(False, assets_dir=bundle) == []
    app, _ = make_app(graphiql=False, assets_dir=bundle)
    async with client_for(app) as c:
        assert (await c.get("/graphiql")).status_code == 404
        assert (await c.get("/graphiql/assets/graphiql-ABC123.js")).status_code == 404


def test_an_installed_package_without_assets_is_not_told_to_run_a_repository_script(
    tmp_path: Path,
) -> None:
    # A wheel or an image has no scripts/ beside the package: the text says what its user can do.
    hint = missing_assets_hint(tmp_path / "never-built", build_script=tmp_path / "absent.sh")
    assert "scripts/build-graphiql.sh" not in hint
    assert "npm" not in hint
    assert str(tmp_path) not in hint
    assert "pip install" in hint
    assert "GraphQL endpoint works" in hint


def test_a_source_checkout_without_assets_is_told_the_build_command(tmp_path: Path) -> None:
    script = tmp_path / "build-graphiql.sh"
    script.write_text("#!/bin/sh\n")
    hint = missing_assets_hint(tmp_path / "never-built", build_script=script)
    assert "scripts/build-graphiql.sh" in hint
