"""The embedded emulator's start-up notice names its REST API, its real token and its file."""

from pathlib import Path

import httpx

from syncgql.emulator.notice import embedded_emulator_notice
from tests.hostile.serve_process import serve_process


def test_the_notice_gives_a_token_the_embedded_rest_api_accepts(tmp_path: Path) -> None:
    with serve_process(tmp_path) as (url, _process):
        data = tmp_path / "data" / "emulator"
        lines = embedded_emulator_notice(data, f"{url}/api.rsc/")
        token = lines[0].split("x-cdata-authtoken: ", 1)[1].rstrip(")")
        assert str(data / "credentials.json") in lines[1]
        assert httpx.get(f"{url}/api.rsc/jobs", timeout=5).status_code == 401
        ok = httpx.get(f"{url}/api.rsc/jobs", headers={"x-cdata-authtoken": token}, timeout=5)
        assert ok.status_code == 200, ok.text


def test_before_the_first_start_it_says_where_the_token_will_be(tmp_path: Path) -> None:
    (line,) = embedded_emulator_notice(tmp_path, "http://127.0.0.1:8000/api.rsc/")
    assert str(tmp_path / "credentials.json") in line
