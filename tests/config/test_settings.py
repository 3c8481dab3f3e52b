"""Loading settings: defaults, environment, flags over the environment, every parser's error,
secrets hidden, ``--help`` listing every setting, and a plain dataclass field just working."""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from syncgql.config import (
    AuthMode,
    Profile,
    Secret,
    Settings,
    env_name,
    flag_name,
    load_settings,
    setting,
    setting_fields,
)
from syncgql.errors import ConfigError
from syncgql.graphql.input_limits import InputLimits
from syncgql.graphql.limits import OperationLimits
from syncgql.serve import configure_serve, flag_values, settings_from_args
from syncgql.upstream.options import ClientOptions, Timeouts
from syncgql.wiring import client_options, operation_limits

UPSTREAM = "https://sync.example/api.rsc/"


def parse_flags(*argv: str, cls: type[Settings] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure_serve(parser, cls)
    return parser.parse_args(list(argv))


def test_no_flags_and_no_environment_give_the_declared_defaults() -> None:
    loaded = load_settings(environ={})
    assert loaded == Settings()
    assert (loaded.host, loaded.port, loaded.auth, loaded.profile) == (
        "127.0.0.1",
        8000,
        AuthMode.FORWARD_OR_SERVICE,
        Profile.DEVELOPMENT,
    )
    assert loaded.tls_verify is True and loaded.ca_bundle is None
    assert loaded.upstream_pool_size == 50 and loaded.max_depth == 12


def test_each_default_is_declared_once_and_the_parts_read_it() -> None:
    """Timeouts, client options and limits default to the Settings' own defaults."""
    defaults = Settings()
    assert Timeouts().connect == defaults.connect_timeout
    assert Timeouts().read == defaults.read_timeout
    assert Timeouts().deadline == defaults.request_timeout
    assert ClientOptions().max_connections == defaults.upstream_pool_size
    assert ClientOptions().max_calls_per_caller == defaults.max_calls_per_caller
    assert operation_limits(defaults) == OperationLimits()
    assert OperationLimits().inputs == InputLimits()
    built = client_options(defaults)
    assert built.timeouts == Timeouts() and built.verify is True


def test_every_setting_has_a_variable_and_a_flag() -> None:
    names = [f.name for f in setting_fields()]
    assert env_name("upstream_url") == "SYNCGQL_UPSTREAM_URL"
    assert flag_name(next(f for f in setting_fields() if f.name == "upstream_url")) == "--upstream"
    for name in names:
        if name != "upstream_url":
            assert env_name(name) == "SYNCGQL_" + name.upper()


@pytest.mark.parametrize(
    ("variable", "text", "field", "value"),
    [
        ("SYNCGQL_HOST", "0.0.0.0", "host", "0.0.0.0"),
        ("SYNCGQL_PORT", "9001", "port", 9001),
        ("SYNCGQL_READ_TIMEOUT", "2.5", "read_timeout", 2.5),
        ("SYNCGQL_METRICS", "off", "metrics", False),
        ("SYNCGQL_INTROSPECTION", "yes", "introspection", True),
        ("SYNCGQL_TLS_VERIFY", "0", "tls_verify", False),
        ("SYNCGQL_AUTH", "forward", "auth", AuthMode.FORWARD),
        ("SYNCGQL_PROFILE", "PRODUCTION", "profile", Profile.PRODUCTION),
        ("SYNCGQL_DATA_DIR", "/tmp/x", "data_dir", Path("/tmp/x")),
        (
            "SYNCGQL_CORS_ORIGINS",
            "https://a, https://b,",
            "cors_origins",
            ("https://a", "https://b"),
        ),
        ("SYNCGQL_MAX_DEPTH", "5", "max_depth", 5),
        ("SYNCGQL_MAX_COST", "20_000", "max_cost", 20_000),
        ("SYNCGQL_LOG_LEVEL", "DEBUG", "log_level", "debug"),
        ("SYNCGQL_RATE_LIMIT", "0", "rate_limit", 0.0),
    ],
)
def test_the_environment_sets_each_type(
    variable: str, text: str, field: str, value: object
) -> None:
    assert getattr(load_settings(environ={variable: text}), field) == value


def test_an_empty_variable_counts_as_unset() -> None:
    assert load_settings(environ={"SYNCGQL_PORT": ""}).port == 8000


def test_a_flag_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCGQL_PORT", "9001")
    monkeypatch.setenv("SYNCGQL_MAX_DEPTH", "7")
    monkeypatch.setenv("SYNCGQL_TLS_VERIFY", "off")
    loaded = settings_from_args(parse_flags("--port", "9002", "--tls-verify", "on"))
    assert loaded.port == 9002 and loaded.tls_verify is True
    assert loaded.max_depth == 7  # no flag: the environment's value stays


def test_flags_are_parsed_like_their_variables() -> None:
    args = parse_flags("--upstream", UPSTREAM, "--token", "t0k", "--max-first", "50")
    assert flag_values(args) == {"upstream_url": UPSTREAM, "token": "t0k", "max_first": "50"}
    loaded = load_settings(flag_values(args), environ={})
    assert loaded.upstream_url == UPSTREAM and loaded.token == Secret("t0k")
    assert loaded.max_first == 50


@pytest.mark.parametrize(
    ("variable", "text", "says"),
    [
        ("SYNCGQL_PORT", "eighty", "SYNCGQL_PORT must be a whole number (got 'eighty')"),
        ("SYNCGQL_READ_TIMEOUT", "soon", "SYNCGQL_READ_TIMEOUT must be a number"),
        ("SYNCGQL_READ_TIMEOUT", "inf", "SYNCGQL_READ_TIMEOUT must be a finite number"),
        ("SYNCGQL_METRICS", "maybe", "SYNCGQL_METRICS must be on or off"),
        ("SYNCGQL_AUTH", "nobody", "must be service or forward or forward-or-service"),
        ("SYNCGQL_PROFILE", "staging", "must be development or production"),
    ],
)
def test_each_parser_says_what_it_expected(variable: str, text: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={variable: text})
    assert says in str(refused.value)


def test_a_bad_flag_names_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"^--max-depth must be a whole number \(got 'deep'\)"):
        settings_from_args(parse_flags("--max-depth", "deep"))


@pytest.mark.parametrize(
    ("variable", "text", "says"),
    [
        ("SYNCGQL_PORT", "0", "--port (SYNCGQL_PORT) must be between 1 and 65535, got 0."),
        ("SYNCGQL_WORKERS", "0", "--workers (SYNCGQL_WORKERS) must be at least 1, got 0."),
        ("SYNCGQL_READ_TIMEOUT", "0", "--read-timeout (SYNCGQL_READ_TIMEOUT) must be a positive"),
        ("SYNCGQL_MAX_CALLS_PER_CALLER", "-1", "must be at least 0, got -1."),
        ("SYNCGQL_MAX_FIRST", "5000", "--max-first (SYNCGQL_MAX_FIRST) must be between 1 and 1000"),
        ("SYNCGQL_UPSTREAM_POOL_SIZE", "0", "--upstream-pool-size (SYNCGQL_UPSTREAM_POOL_SIZE)"),
        ("SYNCGQL_LOG_FORMAT", "xml", "must be one of json, text, got xml."),
        ("SYNCGQL_LOG_LEVEL", "loud", "must be one of debug, info, warning, error, critical"),
        ("SYNCGQL_CA_BUNDLE", "/nonexistent/ca.pem", "must name an existing file"),
        ("SYNCGQL_SHUTDOWN_DELAY", "-1", "--shutdown-delay (SYNCGQL_SHUTDOWN_DELAY) must be at"),
        # issue 13: the job-health thresholds
        ("SYNCGQL_HEALTH_WINDOW_DAYS", "0", "must be above 0 and at most 366, got 0."),
        ("SYNCGQL_HEALTH_WINDOW_DAYS", "400", "must be above 0 and at most 366, got 400."),
        ("SYNCGQL_HEALTH_FAILURE_STREAK", "0", "must be at least 1, got 0."),
        ("SYNCGQL_HEALTH_SLOW_FACTOR", "0", "--health-slow-factor (SYNCGQL_HEALTH_SLOW_FACTOR)"),
        ("SYNCGQL_HEALTH_STALE_GRACE_SECONDS", "-1", "must be at least 0, got -1."),
    ],
)
def test_each_check_says_how_to_fix_it(variable: str, text: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={variable: text})
    assert says in str(refused.value)


def test_checks_that_need_several_settings(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read before use")
    with pytest.raises(ConfigError, match="--ca-bundle has no effect with --tls-verify off"):
        Settings(ca_bundle=bundle, tls_verify=False).validate()
    with pytest.raises(ConfigError, match="--user needs --password"):
        Settings(user="someone").validate()
    with pytest.raises(ConfigError, match="--workers > 1 needs an upstream"):
        Settings(workers=2).validate()
    with pytest.raises(ConfigError, match="must be an http"):
        Settings(upstream_url="ftp://sync/", token=Secret("t")).validate()
    assert Settings(ca_bundle=bundle).validate().ca_bundle == bundle


def test_secrets_never_show(tmp_path: Path) -> None:
    canary = "CANARY-s3cr3t-9431"
    settings = Settings(
        token=Secret(canary), redis_url=f"redis://:{canary}@localhost/0", upstream_url=UPSTREAM
    )
    assert canary not in repr(settings) and canary not in str(settings)
    with pytest.raises(ConfigError) as refused:
        load_settings({"token": canary, "user": "u", "password": canary}, environ={})
    assert canary not in str(refused.value) and "not both" in str(refused.value)
    parser = argparse.ArgumentParser()
    configure_serve(parser)
    assert canary not in parser.format_help()


def test_serve_help_lists_every_setting_with_its_variable() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syncgql", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    help_text = " ".join(result.stdout.split())
    for spec_field in fields(Settings):
        assert f"{flag_name(spec_field)} " in help_text, spec_field.name
        assert f"[{env_name(spec_field.name)}]" in help_text, spec_field.name
    assert "--port PORT port to listen on (default 8000) [SYNCGQL_PORT]" in help_text
    assert "--ca-bundle CA_BUNDLE" in help_text and "--tls-verify {on,off}" in help_text


@dataclass(frozen=True)
class Extended(Settings):
    """What another engineer's change looks like: fields added the plain dataclass way."""

    log_action: str = "getJobLog"
    max_log_lines: int = 500
    log_tail: bool = False
    described: float = setting(1.5, "a setting with help text", "upstream")


def test_a_plain_dataclass_field_gets_a_flag_a_variable_and_a_parser() -> None:
    args = parse_flags("--log-action", "getlogs", "--log-tail", "on", cls=Extended)
    loaded = load_settings(
        flag_values(args, Extended), environ={"SYNCGQL_MAX_LOG_LINES": "20"}, cls=Extended
    )
    assert isinstance(loaded, Extended)
    assert (loaded.log_action, loaded.max_log_lines, loaded.log_tail) == ("getlogs", 20, True)
    assert loaded.described == 1.5
    with pytest.raises(ConfigError, match="SYNCGQL_MAX_LOG_LINES must be a whole number"):
        load_settings(environ={"SYNCGQL_MAX_LOG_LINES": "many"}, cls=Extended)
    parser = argparse.ArgumentParser()
    configure_serve(parser, Extended)
    shown = " ".join(parser.format_help().split())
    assert "--log-action LOG_ACTION log action (default getJobLog) [SYNCGQL_LOG_ACTION]" in shown
    assert "--described DESCRIBED a setting with help text (default 1.5)" in shown
