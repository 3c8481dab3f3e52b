"""The ``Demo`` provider: a generated, deterministic, read-only shop database.

Tables ``customers`` (Rows//5, at least 1), ``products`` (50), ``orders`` (``Rows``, default 1000)
and ``order_items`` (3 per order). Values come from ``random.Random`` seeded per table and per
fixed chunk of 1000 rows, and timestamps from a fixed epoch plus the row id, so every run yields
the same rows whatever the batch size. ``BatchDelayMs`` pauses after each batch so that tests and
demos can watch a run progress and cancel it mid-way.
"""

from __future__ import annotations

import operator
import random
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import repeat
from pathlib import Path

from syncgql.emulator.providers.base import (
    Batch,
    ColumnInfo,
    ProviderError,
    ReadOnlySource,
    TableInfo,
    select_in_memory,
)
from syncgql.emulator.taskquery import ReplicateTask

_CHUNK = 1000
_LONG_SIZE = array("L").itemsize
_MAX_ROWS = 50_000_000
_MAX_DELAY_MS = 600_000
_EPOCH = date(2026, 1, 1)
_TIMES = tuple(f"{h:02d}:{m:02d}:00.000+00:00" for h in range(24) for m in range(60))

_FIRST = (
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "John",
    "Hedy",
    "Tim",
    "Katherine",
    "Donald",
)
_LAST = (
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Backus",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "Knuth",
)
_COUNTRIES = ("US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "ES", "IT")
_ADJECTIVES = (
    "Classic",
    "Smart",
    "Compact",
    "Deluxe",
    "Eco",
    "Ultra",
    "Mini",
    "Pro",
    "Basic",
    "Premium",
)
_NOUNS = (
    "Widget",
    "Gadget",
    "Lamp",
    "Chair",
    "Kettle",
    "Backpack",
    "Monitor",
    "Speaker",
    "Notebook",
    "Bottle",
)
_CATEGORIES = ("Home", "Office", "Outdoor", "Electronics", "Kitchen")
# Weighted by repetition: most orders are shipped.
_STATUSES = ("shipped",) * 6 + ("pending", "pending", "cancelled", "returned")


@lru_cache(maxsize=4096)
def _day(n: int) -> str:
    return (_EPOCH + timedelta(days=n)).isoformat()


def _stamp(minutes: int) -> str:
    """Fixed epoch + ``minutes``, in the emulator's datetime format."""
    return f"{_day(minutes // 1440)}T{_TIMES[minutes % 1440]}"


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    seed: int
    generate: Callable[[random.Random, int, int, int], list[tuple[object, ...]]]


def _customers(rng: random.Random, start: int, stop: int, _rows: int) -> list[tuple[object, ...]]:
    r = rng.random
    out: list[tuple[object, ...]] = []
    for i in range(start, stop):
        first, last = _FIRST[int(r() * 16)], _LAST[int(r() * 16)]
        email = f"{first.lower()}.{last.lower()}{i}@example.com"
        out.append((i, f"{first} {last}", email, _COUNTRIES[int(r() * 10)], _stamp(i * 7)))
    return out


def _products(rng: random.Random, start: int, stop: int, _rows: int) -> list[tuple[object, ...]]:
    r = rng.random
    return [
        (
            i,
            f"{_ADJECTIVES[(i - 1) % 10]} {_NOUNS[(i - 1) // 10 % 10]} {i}",
            _CATEGORIES[int(r() * 5)],
            int(r() * 50_000 + 200) / 100,
            _stamp(i * 60),
        )
        for i in range(start, stop)
    ]


@lru_cache(maxsize=4)
def _day_stamps(day: int) -> tuple[str, ...]:
    prefix = _day(day) + "T"
    return tuple([prefix + t for t in _TIMES])


def _minute_stamps(start: int, stop: int) -> list[str]:
    """``_stamp(m)`` for every minute in ``[start, stop)``, by slicing cached whole days."""
    out: list[str] = []
    minute = start
    while minute < stop:
        day, offset = divmod(minute, 1440)
        take = min(stop - minute, 1440 - offset)
        out.extend(_day_stamps(day)[offset : offset + take])
        minute += take
    return out


# orders and order_items are the big tables, and the replication benchmark compares copying
# them with a bare executemany of ready-made rows. So they are built column by column from random
# bytes mapped through lookup tables: every step below is a C-level map/zip, no Python loop per
# row (about 4x cheaper than drawing rng.random() per value).


@lru_cache(maxsize=1)
def _pools() -> tuple[tuple[str, ...], tuple[float, ...], tuple[float, ...], tuple[int, ...]]:
    """Byte/uint16 → value tables: statuses (weighted), amounts, unit prices, small ints."""
    statuses = tuple(_STATUSES[i * len(_STATUSES) // 256] for i in range(256))
    amounts = tuple(i * 100_000 // 65_536 / 100 for i in range(65_536))
    prices = tuple((i * 50_000 // 65_536 + 200) / 100 for i in range(65_536))
    small = tuple(range(256))
    return statuses, amounts, prices, small


def _u8(rng: random.Random, n: int) -> array[int]:
    return array("B", rng.randbytes(n))


def _u16(rng: random.Random, n: int) -> array[int]:
    return array("H", rng.randbytes(2 * n))


def _between(values: Iterable[int], low: int, count: int) -> Iterator[int]:
    """``low + v % count`` for each value, without a Python-level loop."""
    return map(operator.add, map(operator.mod, values, repeat(count)), repeat(low))


def _orders(rng: random.Random, start: int, stop: int, rows: int) -> list[tuple[object, ...]]:
    statuses, amounts, _prices, _small = _pools()
    n = stop - start
    customers = max(1, rows // 5)
    customer_ids = _between(array("L", rng.randbytes(n * _LONG_SIZE)), 1, customers)
    status = map(statuses.__getitem__, _u8(rng, n))
    amount = map(amounts.__getitem__, _u16(rng, n))
    stamps = _minute_stamps(start, stop)
    return list(zip(range(start, stop), customer_ids, stamps, status, amount, strict=True))


def _order_items(rng: random.Random, start: int, stop: int, _rows: int) -> list[tuple[object, ...]]:
    _statuses, _amounts, prices, _small = _pools()
    n = stop - start
    order_ids = map(
        operator.add, map(operator.floordiv, range(start - 1, stop - 1), repeat(3)), repeat(1)
    )
    products = _between(_u8(rng, n), 1, 50)
    quantities = _between(_u8(rng, n), 1, 5)
    price = map(prices.__getitem__, _u16(rng, n))
    return list(zip(range(start, stop), order_ids, products, quantities, price, strict=True))


_TABLES = {
    t.name: t
    for t in (
        _Table(
            "customers",
            ("id", "name", "email", "country", "created_at"),
            ("INTEGER", "TEXT", "TEXT", "TEXT", "TEXT"),
            1,
            _customers,
        ),
        _Table(
            "products",
            ("id", "name", "category", "price", "created_at"),
            ("INTEGER", "TEXT", "TEXT", "REAL", "TEXT"),
            2,
            _products,
        ),
        _Table(
            "orders",
            ("id", "customer_id", "order_date", "status", "amount"),
            ("INTEGER", "INTEGER", "TEXT", "TEXT", "REAL"),
            3,
            _orders,
        ),
        _Table(
            "order_items",
            ("id", "order_id", "product_id", "quantity", "unit_price"),
            ("INTEGER", "INTEGER", "INTEGER", "INTEGER", "REAL"),
            4,
            _order_items,
        ),
    )
}


def _int_setting(settings: dict[str, str], key: str, default: int, maximum: int) -> int:
    raw = settings.get(key.lower(), "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise ProviderError(
            f"Demo setting {key} must be an integer from 0 to {maximum}, got '{raw}'."
        )
    return int(raw)


class DemoProvider(ReadOnlySource):
    """Generated source data; ``Rows=<n>`` (default 1000) and ``BatchDelayMs=<ms>`` (default 0)."""

    kind = "Demo"

    def __init__(self, settings: dict[str, str], *, base_dir: Path) -> None:
        del base_dir  # nothing on disk
        self.rows = _int_setting(settings, "Rows", 1000, _MAX_ROWS)
        self.batch_delay = _int_setting(settings, "BatchDelayMs", 0, _MAX_DELAY_MS) / 1000
        self._lock = threading.Lock()

    def row_count(self, table: str) -> int:
        """How many rows ``table`` has for this connection's ``Rows``."""
        name = self._table(table).name
        return {
            "customers": max(1, self.rows // 5),
            "products": 50,
            "orders": self.rows,
            "order_items": 3 * self.rows,
        }[name]

    @staticmethod
    def _table(name: str) -> _Table:
        table = _TABLES.get(name.lower())
        if table is None:
            raise ProviderError(
                f"no such table: [{name}]; the Demo source has {', '.join(sorted(_TABLES))}."
            )
        return table

    def generate(self, table: str, start: int = 0) -> Iterator[list[tuple[object, ...]]]:
        """Yield the rows of ``table`` chunk by chunk (each chunk seeded on its own)."""
        spec = self._table(table)
        total = self.row_count(table)
        for chunk in range(start // _CHUNK, (total + _CHUNK - 1) // _CHUNK):
            rng = random.Random(spec.seed * 1_000_003 + chunk)  # noqa: S311 - sample data
            first = chunk * _CHUNK + 1
            yield spec.generate(rng, first, min(first + _CHUNK, total + 1), self.rows)

    def test(self) -> None:
        """Always works: nothing to connect to."""

    def list_tables(self) -> list[TableInfo]:
        """The four demo tables."""
        return [TableInfo(name) for name in sorted(_TABLES)]

    def list_columns(self, table: str) -> list[ColumnInfo]:
        """Columns of a demo table; ``id`` is the primary key."""
        spec = self._table(table)
        return [
            ColumnInfo(name=c, data_type=t, nullable=c != "id", primary_key=c == "id")
            for c, t in zip(spec.columns, spec.types, strict=True)
        ]

    def read(self, task: ReplicateTask, batch_size: int) -> Iterator[Batch]:
        """Stream a generated table, or run the task's SELECT over the tables it names."""
        if task.select_sql is not None:

            def loader(
                name: str,
            ) -> tuple[Sequence[str], Sequence[str], list[tuple[object, ...]]] | None:
                spec = _TABLES.get(name.lower())
                if spec is None:
                    return None
                rows = [row for chunk in self.generate(name) for row in chunk]
                return spec.columns, spec.types, rows

            batches = select_in_memory(task.select_sql, loader, batch_size, self._lock)
        else:
            batches = self._batches(self._table(task.source_table or task.destination), batch_size)
        for batch in batches:
            yield batch
            if self.batch_delay:
                time.sleep(self.batch_delay)

    def _batches(self, spec: _Table, batch_size: int) -> Iterator[Batch]:
        pending: list[tuple[object, ...]] = []
        sent = False
        for chunk in self.generate(spec.name):
            if not pending and len(chunk) == batch_size:
                yield Batch(spec.columns, chunk, spec.types)  # the default size: no copying
                sent = True
                continue
            pending.extend(chunk)
            while len(pending) >= batch_size:
                yield Batch(spec.columns, pending[:batch_size], spec.types)
                sent, pending = True, pending[batch_size:]
        if pending or not sent:
            yield Batch(spec.columns, pending, spec.types)

    def close(self) -> None:
        """Nothing to release."""
