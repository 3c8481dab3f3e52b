"""The command line: help texts, schema export and its drift check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syncgql.cli import main
from syncgql.serve import schema_sdl

ROOT = Path(__file__).resolve().parents[1]


def test_schema_file_is_the_generated_schema() -> None:
    """schema.graphql is generated; regenerate it with `syncgql export-schema` when this fails."""
    assert (ROOT / "schema.graphql").read_text() == schema_sdl()


def test_export_schema_check_fails_on_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drifted = tmp_path / "schema.graphql"
    drifted.write_text(schema_sdl().replace("type Job ", "type Jobb ", 1))
    with pytest.raises(SystemExit) as exit_info:
        main(["export-schema", "--check", "--output", str(drifted)])
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "-type Jobb" in out and "+type Job " in out and "out of date" in out


def test_export_schema_writes_then_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    with pytest.raises(SystemExit) as written:
        main(["export-schema", "--output", str(target)])
    assert written.value.code == 0 and target.read_text() == schema_sdl()
    with pytest.raises(SystemExit) as checked:
        main(["export-schema", "--check", "--output", str(target)])
    assert checked.value.code == 0


def test_serve_help_names_every_flag_and_its_environment_variable() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syncgql", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    help_text = " ".join(result.stdout.split())
    for flag, env in [
        ("--upstream", "SYNCGQL_UPSTREAM_URL"),
        ("--token", "SYNCGQL_TOKEN"),
        ("--user", "SYNCGQL_USER"),
        ("--password", "SYNCGQL_PASSWORD"),
        ("--auth", "SYNCGQL_AUTH"),
        ("--data-dir", "SYNCGQL_DATA_DIR"),
        ("--workspace", "SYNCGQL_WORKSPACE"),
        ("--port", "SYNCGQL_PORT"),
    ]:
        assert flag in help_text and env in help_text, flag


def test_bad_settings_fail_at_start_with_a_fix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--user", "someone"])
    assert exit_info.value.code == 2
    assert "--password" in capsys.readouterr().out
