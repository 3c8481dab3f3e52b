"""The release build of a pristine clone serves GraphiQL and the console once installed.

The GraphiQL and console assets are git-ignored build output, so a package built from a clone
used to have none: ``/graphiql`` (and later ``/``) answered 503 and told its user to run a
repository script. This test clones HEAD (nothing from the working tree or its built assets),
runs ``scripts/build-dist`` there, installs the wheel into a new virtualenv (dependencies from the
index, no ``PYTHONPATH``) and runs that installation's ``syncgql serve`` as a real process.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

REPO = Path(__file__).resolve().parents[2]
_WHERE = "import syncgql, os; print(os.path.dirname(syncgql.__file__))"
_QUERY = "{ jobs(first: 1) { edges { node { name } } } }"
_CONSOLE = "syncgql/static/console/assets"

pytestmark = pytest.mark.timeout(900)


def _run(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def _clean_env() -> dict[str, str]:
    # Nothing of the test run's own setup may reach the installed package.
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SYNCGQL_", "PYTHON", "VIRTUAL_ENV"))
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``scripts/build-dist`` builds in a clone of HEAD."""
    work = tmp_path_factory.mktemp("dist")
    clone = work / "clone"
    _run(["git", "clone", "--quiet", "--no-local", str(REPO), str(clone)], work, 120)
    assert not (clone / "src/syncgql/static/graphiql/assets").exists()
    assert not (clone / "src" / _CONSOLE).exists()
    _run(["bash", "scripts/build-dist"], clone, 600, _clean_env())
    wheels = list((clone / "dist").glob("syncgql-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Path:
    """A fresh venv holding the wheel built from a clone of HEAD; returns the venv."""
    work = wheel.parents[2]
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], work, 120, _clean_env())
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, str(wheel)], work, 600, _clean_env())
    return venv


@contextlib.contextmanager
def _serve(venv: Path, data: Path) -> Iterator[str]:
    port = free_port()
    log = data.parent / f"serve-{port}.log"
    cmd = [str(venv / "bin/syncgql"), "serve", "--port", str(port), "--data-dir", str(data)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, cwd=data.parent, env=_clean_env(), stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _package_dir(venv: Path) -> Path:
    out = _run(
        [
            str(venv / "bin/python"),
            "-c",
            _WHERE,
        ],
        venv,
        60,
        _clean_env(),
    )
    return Path(out.strip())


def test_the_installed_wheel_serves_graphiql_and_its_assets(
    installed: Path, tmp_path: Path
) -> None:
    package = _package_dir(installed)
    assert package.is_relative_to(installed), package  # the wheel, not this checkout
    with _serve(installed, tmp_path / "data") as url:
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        page = httpx.get(f"{url}/graphiql", timeout=5)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        scripts = re.findall(r'src="(/graphiql/assets/[^"]+\.js)"', page.text)
        styles = re.findall(r'href="(/graphiql/assets/[^"]+\.css)"', page.text)
        assert scripts and styles, page.text
        for asset in (*scripts, *styles):
            r = httpx.get(f"{url}{asset}", timeout=5)
            assert r.status_code == 200, asset
            assert len(r.content) > 1000, asset
        query = httpx.post(f"{url}/graphql", json={"query": _QUERY})
        assert query.status_code == 200
        assert query.json()["data"]["jobs"]["edges"], query.text


def test_the_wheel_carries_the_console_bundle(wheel: Path) -> None:
    # The manifest and every file it names, and every file the clone's build wrote (the bundle's
    # chunks, its licence notes; not the build script's hidden stamp): the whole bundle.
    built = wheel.parents[1] / "src" / _CONSOLE
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(f"{_CONSOLE}/manifest.json"))
    assert isinstance(manifest["js"], str) and manifest["js"].endswith(".js"), manifest
    named = [manifest["js"], *([manifest["css"]] if manifest.get("css") else [])]
    for name in named:
        assert f"{_CONSOLE}/{name}" in names, name
    files = {
        p.relative_to(built).as_posix()
        for p in built.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert set(named) <= files, (named, files)
    missing = sorted(f for f in files if f"{_CONSOLE}/{f}" not in names)
    assert not missing, missing


def test_the_installed_wheel_serves_the_console(installed: Path, tmp_path: Path) -> None:
    with _serve(installed, tmp_path / "data") as url:
        page = httpx.get(f"{url}/", timeout=5)
        assert page.status_code == 200, page.text  # not 503 CONSOLE_NOT_BUILT
        assert page.headers["content-type"].startswith("text/html")
        assert 'id="syncgql-console-config"' in page.text, page.text
        scripts = re.findall(r'src="(/console/assets/[^"]+\.js)"', page.text)
        styles = re.findall(r'href="(/console/assets/[^"]+\.css)"', page.text)
        assert scripts, page.text
        manifest = httpx.get(f"{url}/console/assets/manifest.json", timeout=5).json()
        assert scripts == [f"/console/assets/{manifest['js']}"], (scripts, manifest)
        for asset in (*scripts, *styles):
            r = httpx.get(f"{url}{asset}", timeout=5)
            assert r.status_code == 200, asset
            assert r.content, asset
        bundle = httpx.get(f"{url}{scripts[0]}", timeout=5)
        assert "javascript" in bundle.headers["content-type"], bundle.headers
        assert len(bundle.content) > 1000
        # A client route (a reload on a job's page) gets the same page.
        job = httpx.get(f"{url}/jobs/anything", timeout=5)
        assert job.status_code == 200
        assert scripts[0] in job.text


def test_a_package_without_assets_tells_its_user_what_to_do(
    installed: Path, tmp_path: Path
) -> None:
    # The same installation with the assets taken away: what a plain `python -m build` of a clone
    # used to ship. Its 503 must not send the user to a script that only the repository has.
    package = _package_dir(installed)
    shutil.rmtree(package / "static/graphiql/assets")
    shutil.rmtree(package / "static/console/assets")
    with _serve(installed, tmp_path / "data") as url:
        page = httpx.get(f"{url}/graphiql", timeout=5)
        console = httpx.get(f"{url}/", timeout=5)
    assert page.status_code == 503
    assert "scripts/" not in page.text
    assert "pip install" in page.text
    assert console.status_code == 503
    assert console.json()["errors"][0]["extensions"]["code"] == "CONSOLE_NOT_BUILT"
    assert "scripts/" not in console.text
