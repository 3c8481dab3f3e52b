"""Fixtures of the hostile tests: the fault tests' emulator + fault proxy stack, reused."""

from __future__ import annotations

from tests.faults.conftest import Gateway, Stack, open_stack, serve, stack

__all__ = ["Gateway", "Stack", "open_stack", "serve", "stack"]
