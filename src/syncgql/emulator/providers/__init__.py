"""Connectors the emulator's runner uses: ``SQLite``, ``CSV`` and ``Demo``.

:func:`open_provider` picks one from a connection's ``ProviderName`` and ``ConnectionString``.
Other provider names can be stored by the emulator but not run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from syncgql.emulator.providers.base import (
    Batch,
    ColumnInfo,
    Provider,
    ProviderError,
    TableInfo,
)
from syncgql.emulator.providers.connstr import (
    ConnectionStringError,
    mask_connection_string,
    parse_connection_string,
)
from syncgql.emulator.providers.csvfiles import CSVProvider
from syncgql.emulator.providers.demo import DemoProvider
from syncgql.emulator.providers.sqlite import SQLiteProvider

__all__ = [
    "SUPPORTED_PROVIDERS",
    "Batch",
    "ColumnInfo",
    "ConnectionStringError",
    "Provider",
    "ProviderError",
    "TableInfo",
    "mask_connection_string",
    "open_provider",
    "parse_connection_string",
    "provider_class",
]

_FACTORIES: Final[dict[str, Callable[..., Provider]]] = {
    "sqlite": SQLiteProvider,
    "csv": CSVProvider,
    "demo": DemoProvider,
}
#: Canonical spellings of the providers the emulator can run.
SUPPORTED_PROVIDERS: Final = ("SQLite", "CSV", "Demo")


def provider_class(provider_name: str) -> str | None:
    """The lower-case class (``sqlite``, ``csv``, ``demo``) of a runnable provider, else ``None``.

    Names are case-insensitive and may carry the ``CData `` prefix of real Sync connectors
    (``CData SQLite``).
    """
    name = provider_name.strip().lower()
    name = name.removeprefix("cdata ").strip()
    return name if name in _FACTORIES else None


def open_provider(provider_name: str, connection_string: str, *, base_dir: Path) -> Provider:
    """Create the connector for a stored connection (no I/O until it is used).

    Args:
        provider_name: ``SQLite``, ``CSV`` or ``Demo`` (any case).
        connection_string: ``Key=Value;...``; relative paths resolve under ``base_dir``.
        base_dir: The emulator's data directory.

    Raises:
        ProviderError: Unsupported provider or unusable connection string.
    """
    cls = provider_class(provider_name)
    if cls is None:
        raise ProviderError(
            f"Provider '{provider_name}' can be stored but not run by the emulator; "
            f"supported: {', '.join(SUPPORTED_PROVIDERS)}"
        )
    settings = parse_connection_string(connection_string)
    return _FACTORIES[cls](settings, base_dir=base_dir)
