"""``MappedLoader.prefetch``: one batch for the keys a plan's preload names, shared with loads."""

from __future__ import annotations

import asyncio

import pytest

from syncgql.loaders import MappedLoader


class Fetches:
    """A batch function that records its batches (and can be told to fail)."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail

    async def __call__(self, keys: list[str]) -> dict[str, str]:
        self.batches.append(list(keys))
        await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("upstream down")
        return {key: key.upper() for key in keys if key != "absent"}


async def test_one_batch_and_every_row_finds_its_value_ready() -> None:
    fetch = Fetches()
    loader = MappedLoader[str, str](fetch)
    pending = loader.prefetch(["a", "b", "a", "absent"])
    assert pending is not None
    await pending
    assert fetch.batches == [["a", "b", "absent"]]
    assert [loader.value_or_future(k) for k in ("a", "b", "absent")] == ["A", "B", None]
    assert loader.prefetch(["a", "b"]) is None  # all done: nothing to wait for
    assert await loader.load("a") == "A"
    assert fetch.batches == [["a", "b", "absent"]]


async def test_a_load_meanwhile_waits_for_the_prefetch_and_a_second_prefetch_too() -> None:
    fetch = Fetches()
    loader = MappedLoader[str, str](fetch)
    first = loader.prefetch(["a", "b"])
    assert first is not None
    early = loader.load("a")  # the same key, before the batch answered
    second = loader.prefetch(["b", "c"])  # b is pending: it is waited on, c is fetched
    assert second is not None
    await asyncio.gather(first, second)
    assert await early == "A"
    assert fetch.batches == [["a", "b"], ["c"]]
    assert loader.value_or_future("c") == "C"


async def test_a_failed_batch_is_each_rows_error_and_is_not_fetched_again() -> None:
    fetch = Fetches(fail=True)
    loader = MappedLoader[str, str](fetch)
    pending = loader.prefetch(["a", "b"])
    assert pending is not None
    await pending  # the preload itself never raises: rows report
    for key in ("a", "b"):
        future = loader.value_or_future(key)
        with pytest.raises(RuntimeError, match="upstream down"):
            await future  # type: ignore[misc]
    assert fetch.batches == [["a", "b"]]
