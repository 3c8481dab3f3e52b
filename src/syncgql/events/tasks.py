"""Stopping background tasks reliably.

On Python 3.11, ``asyncio.wait_for`` can swallow a cancellation when the awaited operation
completes at the same moment (fixed in 3.12), and redis-py awaits through it: a single
``task.cancel()`` may then be lost and the loop keep running. So we cancel until done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)


async def cancel_and_wait(
    tasks: Sequence[asyncio.Task[None]], *, retry_every: float = 0.05
) -> None:
    """Cancel the tasks and wait until they finished, cancelling again if one was swallowed."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=retry_every)
    for task in tasks:
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("background task %s had failed", task.get_name(), exc_info=exc)
