"""Fixtures of the transport tests (issue 15): the app tests' gateways, over ASGI and a socket."""

from tests.app.conftest import live_gateway, make_gateway

__all__ = ["live_gateway", "make_gateway"]
