"""The exception tree of ``syncgql.errors``: drawn in its docstring, coded from one vocabulary."""

from __future__ import annotations

import inspect

import pytest

import syncgql.errors as errors
from syncgql import credentials
from syncgql.errorcodes import ErrorCode
from syncgql.errors import (
    CredentialsError,
    MalformedCredentialsError,
    MissingCredentialsError,
    SyncgqlError,
)

CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, SyncgqlError) and cls.__module__ == errors.__name__
]


def test_every_class_is_drawn_in_the_docstring_and_has_a_code() -> None:
    drawing = errors.__doc__ or ""
    for cls in CLASSES:
        assert f" {cls.__name__} " in drawing or f"{cls.__name__}\n" in drawing, cls
        assert isinstance(cls.code, ErrorCode), cls


def test_credential_errors_are_in_the_tree() -> None:
    assert issubclass(MissingCredentialsError, CredentialsError)
    assert issubclass(CredentialsError, SyncgqlError)
    assert MissingCredentialsError.code is ErrorCode.UNAUTHENTICATED
    assert MalformedCredentialsError.code is ErrorCode.BAD_USER_INPUT
    assert not CredentialsError.is_transient
    # Still importable where the resolution lives.
    assert credentials.MissingCredentialsError is MissingCredentialsError


def test_credential_errors_never_repeat_the_value() -> None:
    secret = "tok\r\nen-s3cret"
    with pytest.raises(MalformedCredentialsError) as caught:
        credentials.check_header_safe({"x-cdata-authtoken": secret})
    assert "s3cret" not in str(caught.value)
    assert caught.value.code is ErrorCode.BAD_USER_INPUT
