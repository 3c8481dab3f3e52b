"""Parse the task queries the emulator can run (sync-api.md §4.2 and §11).

A job task is ``REPLICATE [Table]`` (copy a source table to a destination table of the same
name) or ``REPLICATE [Dest] SELECT ... FROM [Source] ...`` (run the SELECT on the source and write
its rows to ``Dest``). Brackets are optional for simple names and required for names such as
``[Account.csv]``; inside brackets ``]]`` stands for ``]``. A transformation's query is plain SQL
for the destination and is only checked for being non-empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


class TaskQueryError(ValueError):
    """A task query the emulator cannot run; ``str()`` says what form is expected."""


@dataclass(frozen=True)
class ReplicateTask:
    """A parsed ``REPLICATE`` task.

    Attributes:
        destination: Destination table name, brackets removed (before any ``TableNamePrefix``).
        source_table: The source table: the same name for ``REPLICATE [T]``; for the SELECT form
            the first table after ``FROM`` (informational; ``None`` if it cannot be seen).
        select_sql: The SELECT text to run on the source, or ``None`` to copy the whole table.
    """

    destination: str
    source_table: str | None
    select_sql: str | None


_FORMS: Final = "expected 'REPLICATE [Table]' or 'REPLICATE [Destination] SELECT ... FROM [Source]'"
_SIMPLE_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TABLE_REF: Final = re.compile(
    r"\b(?:FROM|JOIN)\s+(\[(?:[^\]]|\]\])+\]|\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_]*)",
    re.IGNORECASE,
)
MAX_QUERY_LENGTH: Final = 100_000


def _read_name(text: str, pos: int) -> tuple[str, int]:
    """Read a bracketed or simple table name starting at ``pos``; return it and the end."""
    if text.startswith("[", pos):
        out: list[str] = []
        i = pos + 1
        while i < len(text):
            if text[i] == "]":
                if text.startswith("]]", i):
                    out.append("]")
                    i += 2
                    continue
                name = "".join(out)
                if not name.strip():
                    raise TaskQueryError("Empty table name '[]' in task query; " + _FORMS + ".")
                return name, i + 1
            out.append(text[i])
            i += 1
        raise TaskQueryError("Unclosed '[' in task query; " + _FORMS + ".")
    match = _SIMPLE_NAME.match(text, pos)
    if match is None:
        raise TaskQueryError(f"Missing table name after REPLICATE; {_FORMS}.")
    return match.group(), match.end()


def _unquote_identifier(ref: str) -> str:
    if ref.startswith("["):
        return ref[1:-1].replace("]]", "]")
    if ref.startswith('"'):
        return ref[1:-1].replace('""', '"')
    return ref


def referenced_tables(select_sql: str) -> list[str]:
    """Names of the tables a SELECT reads (after ``FROM``/``JOIN``), unquoted, first seen first.

    Used by read-only providers (CSV, Demo) to know which tables to load before running the
    SELECT in an in-memory SQLite database. Sub-queries are found too; names inside string
    literals may be over-reported, which only costs a load.
    """
    names: list[str] = []
    for match in _TABLE_REF.finditer(select_sql):
        name = _unquote_identifier(match.group(1))
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


def parse_task_query(text: str) -> ReplicateTask:
    """Parse a job task query.

    Args:
        text: ``REPLICATE [Table]`` or ``REPLICATE [Dest] SELECT ...`` (keywords any case,
            an optional trailing ``;``).

    Returns:
        The parsed task.

    Raises:
        TaskQueryError: For any other form, with a message saying which forms are accepted.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise TaskQueryError(f"Task query too long ({len(text)} characters).")
    query = text.strip()
    while query.endswith(";"):
        query = query[:-1].rstrip()
    keyword = re.match(r"REPLICATE\b\s*", query, re.IGNORECASE)
    if keyword is None:
        head = query.split(None, 1)[0] if query else "(empty)"
        raise TaskQueryError(f"Unsupported task query starting with '{head}': {_FORMS}.")
    destination, end = _read_name(query, keyword.end())
    rest = query[end:].strip()
    if not rest:
        return ReplicateTask(destination=destination, source_table=destination, select_sql=None)
    if re.match(r"SELECT\b", rest, re.IGNORECASE) is None:
        raise TaskQueryError(
            f"Unexpected text after REPLICATE [{destination}]: '{rest[:40]}'; {_FORMS}."
        )
    tables = referenced_tables(rest)
    return ReplicateTask(
        destination=destination, source_table=tables[0] if tables else None, select_sql=rest
    )


def check_transformation_query(text: str) -> str:
    """Return a transformation's SQL stripped, or raise if it is empty.

    Raises:
        TaskQueryError: If the query is empty or only whitespace/semicolons.
    """
    query = text.strip()
    if not query.strip(";").strip():
        raise TaskQueryError("Empty transformation query: give the SQL to run on the destination.")
    if len(query) > MAX_QUERY_LENGTH:
        raise TaskQueryError(f"Transformation query too long ({len(query)} characters).")
    return query
