"""Shared test machinery: servers on free sockets, a counting transport, ``eventually``."""

from tests.support.servers import (
    Served,
    answers,
    answers_async,
    bound_socket,
    free_port,
    serve_in_loop,
    serve_in_thread,
)
from tests.support.transports import CountingTransport, Fault, Wrapper
from tests.support.waiting import eventually, eventually_sync

#: Seconds an in-process app may take to start or stop under ``LifespanManager`` (whose default,
#: 5 s, a start with database migrations and the upstream check can pass on a loaded machine).
LIFESPAN_TIMEOUT = 30.0

__all__ = [
    "LIFESPAN_TIMEOUT",
    "CountingTransport",
    "Fault",
    "Served",
    "Wrapper",
    "answers",
    "answers_async",
    "bound_socket",
    "eventually",
    "eventually_sync",
    "free_port",
    "serve_in_loop",
    "serve_in_thread",
]
