"""Cursors and page windows: round trips, and foreign or tampered cursors refused with a code."""

from __future__ import annotations

import base64

import pytest

from syncgql.graphql.errors import BadInputError
from syncgql.graphql.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PageRequest,
    build_page,
    decode_cursor,
    encode_cursor,
    page_request,
)


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("offset", [0, 1, 49, 1000, 2**31 - 1])
def test_cursor_round_trip(offset: int) -> None:
    cursor = encode_cursor(offset)
    assert not cursor.startswith("offset")  # opaque: clients are not invited to compute offsets
    assert decode_cursor(cursor) == offset


@pytest.mark.parametrize(
    "cursor",
    [
        "",  # decodes to "" : no prefix
        "not base64!",
        "%%%%",
        b64("offset:"),  # no digits
        b64("offset:-1"),
        b64("offset:+1"),
        b64("offset: 1"),
        b64("offset:1.5"),
        b64("offset:١٢"),  # Arabic-Indic digits: int() reads them, the API never made them
        b64("offset:2147483648"),  # past the largest offset
        b64("offset:" + "9" * 400),
        b64("page:3"),  # another API's cursor
        b64("OFFSET:3"),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        encode_cursor(5)[:-2],  # truncated
    ],
)
def test_foreign_and_tampered_cursors_are_typed_errors(cursor: str) -> None:
    with pytest.raises(BadInputError) as caught:
        decode_cursor(cursor)
    assert caught.value.extensions == {"code": "BAD_USER_INPUT"}
    assert "use a cursor this API returned" in caught.value.message


def test_a_bad_cursor_in_a_page_request_is_the_same_typed_error() -> None:
    with pytest.raises(BadInputError):
        page_request(10, b64("offset:x"))


def test_page_request_windows() -> None:
    assert page_request(None, None) == PageRequest(offset=0, size=DEFAULT_PAGE_SIZE)
    request = page_request(10, encode_cursor(19))
    assert (request.offset, request.size, request.top) == (20, 10, 11)  # one look-ahead row
    assert page_request(0, None).top == 1
    assert page_request(MAX_PAGE_SIZE, None).size == MAX_PAGE_SIZE


@pytest.mark.parametrize(
    ("first", "message"),
    [(-1, "`first` must be zero or more"), (MAX_PAGE_SIZE + 1, f"at most {MAX_PAGE_SIZE}")],
)
def test_page_size_out_of_bounds_is_a_typed_error(first: int, message: str) -> None:
    with pytest.raises(BadInputError, match=message) as caught:
        page_request(first, None)
    assert caught.value.extensions == {"code": "BAD_USER_INPUT"}


def test_build_page_cuts_the_look_ahead_row_and_chains_cursors() -> None:
    request = page_request(2, encode_cursor(9))
    edges, info, total = build_page(["k", "l", "m"], request, 40)
    assert [edge.node for edge in edges] == ["k", "l"]
    assert [decode_cursor(edge.cursor) for edge in edges] == [10, 11]
    assert info.has_next_page
    assert info.has_previous_page
    assert info.start_cursor == edges[0].cursor
    assert info.end_cursor == edges[-1].cursor
    assert total == 40
    # The next page starts right after the end cursor.
    assert info.end_cursor is not None
    assert page_request(2, info.end_cursor).offset == 12


def test_last_and_empty_pages() -> None:
    edges, info, _ = build_page(["a"], page_request(5, None), None)
    assert len(edges) == 1
    assert not info.has_next_page
    assert not info.has_previous_page
    edges, info, total = build_page([], page_request(5, encode_cursor(99)), None)
    assert edges == []
    assert (info.start_cursor, info.end_cursor, info.has_previous_page) == (None, None, True)
    assert total is None
