"""Clocks for tests that guard a speed promise on a shared, loaded machine.

Wall time measures the machine (other processes, the scheduler) as much as the code; CPU time
of this thread measures only the work the code did, so a CPU bound holds on a loaded 2-core
box and still fails on an accidentally quadratic or exponential implementation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: Extra seconds a wall-clock bound allows for scheduling on a loaded machine: where a timeout
#: fires within its budget, the test allows budget + this, and the broken case it guards
#: against (an unbounded wait) is made far longer.
SCHEDULING_SLACK = 2.0


@dataclass
class CpuSpan:
    """CPU seconds this thread spent inside ``cpu_time()`` (filled in on exit)."""

    seconds: float = 0.0


@contextmanager
def cpu_time() -> Iterator[CpuSpan]:
    """``with cpu_time() as cpu: …; cpu.seconds``: this thread's CPU time, not wall time.

    The servers these tests start run in the test's own event loop (one thread), so their
    request handling is counted too; time spent waiting for the CPU is not.
    """
    span = CpuSpan()
    started = time.thread_time()
    try:
        yield span
    finally:
        span.seconds = time.thread_time() - started
