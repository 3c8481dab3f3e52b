"""The ``CSV`` provider (``URI=<folder>``): one read-only table per ``.csv`` file.

A table is named after its file (``Account.csv``); ``Account`` finds it too. The first line is the
header. Values that look like integers or decimals are read as numbers, empty fields as NULL,
everything else as text.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

from syncgql.emulator.providers.base import (
    Batch,
    ColumnInfo,
    ProviderError,
    ReadOnlySource,
    TableInfo,
    resolve_path,
    select_in_memory,
)
from syncgql.emulator.taskquery import ReplicateTask

_INT = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?")
_SAMPLE_ROWS = 200


def _value(text: str) -> object:
    if text == "":
        return None
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def _sql_type(values: Sequence[object]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {int}:
        return "INTEGER"
    if kinds and kinds <= {int, float}:
        return "REAL"
    return "TEXT"


class CSVProvider(ReadOnlySource):
    """A folder of CSV files."""

    kind = "CSV"

    def __init__(self, settings: dict[str, str], *, base_dir: Path) -> None:
        raw = settings.get("uri") or settings.get("folder") or settings.get("datasource")
        if not raw or not raw.strip():
            raise ProviderError("CSV connection string needs URI=<folder holding .csv files>.")
        self.folder = resolve_path(raw, base_dir)
        self._lock = threading.Lock()

    def _check_folder(self) -> None:
        if not self.folder.is_dir():
            raise ProviderError(
                f"CSV folder {self.folder} does not exist: create it or fix URI= in the "
                "connection string."
            )

    def _file(self, table: str) -> Path:
        self._check_folder()
        wanted = table.lower()
        for path in sorted(self.folder.glob("*.csv")):
            if path.name.lower() == wanted or path.stem.lower() == wanted:
                return path
        raise ProviderError(f"no such table: [{table}] (no such .csv file in {self.folder})")

    @staticmethod
    def _header(path: Path) -> tuple[str, ...]:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
        if header is None:
            raise ProviderError(f"{path.name} is empty: the first line must name the columns.")
        return tuple(h.strip() for h in header)

    @staticmethod
    def _iter_rows(path: Path, width: int) -> Generator[tuple[object, ...], None, None]:
        # The file is opened only once iteration starts, so an unstarted generator holds nothing.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for line, record in enumerate(reader, start=2):
                if not record:
                    continue
                if len(record) != width:
                    raise ProviderError(
                        f"{path.name} line {line}: {len(record)} fields, header has {width}."
                    )
                yield tuple(_value(v) for v in record)

    def _rows(
        self, path: Path
    ) -> tuple[tuple[str, ...], Generator[tuple[object, ...], None, None]]:
        columns = self._header(path)
        return columns, self._iter_rows(path, len(columns))

    def _load(self, table: str) -> tuple[tuple[str, ...], Sequence[str], list[tuple[object, ...]]]:
        columns, rows = self._rows(self._file(table))
        data = list(rows)
        types = [_sql_type([r[i] for r in data]) for i in range(len(columns))]
        return columns, types, data

    def test(self) -> None:
        """The folder must exist."""
        self._check_folder()

    def list_tables(self) -> list[TableInfo]:
        """One table per ``.csv`` file, named with its extension."""
        self._check_folder()
        return [TableInfo(p.name) for p in sorted(self.folder.glob("*.csv"))]

    def list_columns(self, table: str) -> list[ColumnInfo]:
        """Header names, typed from the first rows."""
        columns, rows = self._rows(self._file(table))
        sample: list[tuple[object, ...]] = []
        for row in rows:
            sample.append(row)
            if len(sample) >= _SAMPLE_ROWS:
                break
        rows.close()
        return [
            ColumnInfo(
                name=c,
                data_type=_sql_type([r[i] for r in sample]),
                primary_key=c.lower() == "id",
                nullable=c.lower() != "id",
            )
            for i, c in enumerate(columns)
        ]

    def read(self, task: ReplicateTask, batch_size: int) -> Iterator[Batch]:
        """Stream a file, or run the task's SELECT over the files it names."""
        if task.select_sql is not None:

            def loader(
                name: str,
            ) -> tuple[Sequence[str], Sequence[str], list[tuple[object, ...]]] | None:
                try:
                    return self._load(name)
                except ProviderError:
                    return None

            yield from select_in_memory(task.select_sql, loader, batch_size, self._lock)
            return
        columns, rows = self._rows(self._file(task.source_table or task.destination))
        batch: list[tuple[object, ...]] = []
        sent = False
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                yield Batch(columns, batch)
                sent, batch = True, []
        if batch or not sent:
            yield Batch(columns, batch)

    def close(self) -> None:
        """Nothing is held open between calls."""
