"""An emulator of the CData Sync V1 REST API that really runs jobs (``syncgql emulator``).

Use :class:`Emulator` with an :class:`EmulatorConfig`: ``emu.app`` is the ASGI app serving
``/api.rsc/``; ``await emu.start()`` / ``await emu.stop()`` open and close it when no ASGI lifespan
runs (``httpx.ASGITransport``). Built from ``shared/sync-api.md``, never from the gateway's client.

The two names are imported lazily so that importing a pure submodule (``schema``, ``odata``)
does not pull in Starlette and the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncgql.emulator.app import Emulator, EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from syncgql.emulator import app

        return getattr(app, name)
    raise AttributeError(f"module 'syncgql.emulator' has no attribute {name!r}")
