"""Fixtures: a started emulator in a temporary data dir and HTTP clients over ASGITransport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.emulator import Emulator, EmulatorConfig
from syncgql.emulator.app import load_credentials

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    emulator = Emulator(EmulatorConfig(data_dir=tmp_path / "data", scheduler_tick_seconds=3600))
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


def make_client(emulator: Emulator, token: str | None) -> httpx.AsyncClient:
    headers = {"x-cdata-authtoken": token} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.app),
        base_url="http://127.0.0.1:8181/api.rsc/",
        headers=headers,
    )


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(emu, emu.admin_token) as c:
        yield c


@pytest.fixture
async def operator(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    token = load_credentials(emu.config.data_dir)["operator"]
    async with make_client(emu, token) as c:
        yield c
