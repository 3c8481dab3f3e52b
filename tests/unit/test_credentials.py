"""Which upstream credentials a request runs with, per auth mode, and malformed inputs."""

from __future__ import annotations

import base64

import pytest

from syncgql.config import AuthMode
from syncgql.credentials import (
    MalformedCredentialsError,
    MissingCredentialsError,
    caller_credentials,
    check_header_safe,
    resolve_credentials,
)
from syncgql.upstream.auth import Credentials

SERVICE = Credentials.token("service-token-7f3a")
CALLER_TOKEN = "caller-token-91be"


def basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


def test_a_token_header_is_forwarded_as_a_token() -> None:
    creds = caller_credentials({"x-cdata-authtoken": f"  {CALLER_TOKEN} "})
    assert creds == Credentials.token(CALLER_TOKEN)
    assert creds is not None
    assert creds.headers() == {"x-cdata-authtoken": CALLER_TOKEN}


def test_basic_is_forwarded_as_basic_and_round_trips() -> None:
    creds = caller_credentials({"authorization": basic("alice:pa:ss")})
    assert creds == Credentials.basic("alice", "pa:ss")  # the password may hold ':'
    assert creds is not None
    assert creds.headers() == {"Authorization": basic("alice:pa:ss")}
    assert caller_credentials({"authorization": "bAsIc " + basic("a:b")[6:]}) == (
        Credentials.basic("a", "b")
    )


def test_the_token_wins_over_basic() -> None:
    headers = {"x-cdata-authtoken": CALLER_TOKEN, "authorization": basic("alice:pw")}
    assert caller_credentials(headers) == Credentials.token(CALLER_TOKEN)
    # ... even when the Authorization header is of another scheme.
    headers["authorization"] = "Bearer abc"
    assert caller_credentials(headers) == Credentials.token(CALLER_TOKEN)


def test_no_credentials_is_none() -> None:
    assert caller_credentials({}) is None
    assert caller_credentials({"authorization": ""}) is None


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer abc.def",
        "Token abc",
        "Basic",
        "Basic not*base64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),  # not UTF-8
    ],
)
def test_unreadable_authorization_is_refused_not_ignored(authorization: str) -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        caller_credentials({"authorization": authorization})
    secret = authorization.partition(" ")[2]
    assert not secret or secret not in str(caught.value)


def test_a_blank_token_is_refused() -> None:
    with pytest.raises(MissingCredentialsError):
        caller_credentials({"x-cdata-authtoken": "   "})


@pytest.mark.parametrize(
    "value",
    ["tok\r\nX-Injected: 1", "tok\nen", "tok\x00en", "tök", "tok\x7fen", "tok\x1b[31m"],
)
@pytest.mark.parametrize("header", ["x-cdata-authtoken", "authorization"])
def test_header_unsafe_credentials_are_malformed(header: str, value: str) -> None:
    with pytest.raises(MalformedCredentialsError) as caught:
        caller_credentials({header: value})
    assert value not in str(caught.value)
    assert header in str(caught.value)
    # A malformed credential is a missing one for callers that only catch the base class.
    assert isinstance(caught.value, MissingCredentialsError)


def test_check_header_safe_allows_tabs_and_spaces_and_ignores_other_headers() -> None:
    check_header_safe({"x-cdata-authtoken": "a b\tc", "user-agent": "bad\nvalue"})


def test_service_mode_ignores_the_caller() -> None:
    headers = {"x-cdata-authtoken": CALLER_TOKEN}
    assert resolve_credentials(AuthMode.SERVICE, headers, SERVICE) is SERVICE
    # Even unreadable caller headers do not matter: they are never read.
    assert resolve_credentials(AuthMode.SERVICE, {"authorization": "Bearer x"}, SERVICE) is (
        SERVICE
    )
    assert resolve_credentials(AuthMode.SERVICE, {}, None) is None


def test_forward_mode_needs_the_callers_credentials() -> None:
    headers = {"x-cdata-authtoken": CALLER_TOKEN}
    assert resolve_credentials(AuthMode.FORWARD, headers, SERVICE) == (
        Credentials.token(CALLER_TOKEN)
    )
    with pytest.raises(MissingCredentialsError, match="forwards your own"):
        resolve_credentials(AuthMode.FORWARD, {}, SERVICE)


def test_forward_or_service_falls_back_only_when_nothing_was_sent() -> None:
    mode = AuthMode.FORWARD_OR_SERVICE
    assert resolve_credentials(mode, {}, SERVICE) is SERVICE
    assert resolve_credentials(mode, {"authorization": basic("bob:pw")}, SERVICE) == (
        Credentials.basic("bob", "pw")
    )
    # Sent but unreadable: refused, never silently replaced by the service credentials.
    with pytest.raises(MissingCredentialsError):
        resolve_credentials(mode, {"authorization": "Bearer x"}, SERVICE)
    with pytest.raises(MalformedCredentialsError):
        resolve_credentials(mode, {"x-cdata-authtoken": "a\r\nb"}, SERVICE)


def test_secrets_stay_out_of_repr() -> None:
    assert CALLER_TOKEN not in repr(Credentials.token(CALLER_TOKEN))
    assert "pw-secret" not in repr(Credentials.basic("alice", "pw-secret"))
