"""The SSRF guard of outbound webhook requests: only public addresses, unless allow-listed.

A webhook URL is chosen by an administrator, but the request leaves from inside the network the
gateway runs in, where ``http://169.254.169.254/`` (cloud metadata), ``http://localhost:6379``
or ``http://10.0.0.5/admin`` answer. So every address a host name resolves to must be public
(not loopback, link-local, private, unspecified, reserved or multicast), and *every* one, not
only the first: a name that resolves to one public and one private address would otherwise
reach the private one on a retry.

The check runs twice: when a webhook is created (a clear error for the administrator), and at
connect time, inside httpx's connection pool (:class:`GuardedBackend`), which connects to the
very address it checked. That second check is the one that matters: a name whose DNS answer
changes between the two (DNS rebinding) is checked again at the moment of connecting, and the
socket goes to an address that passed; TLS still verifies the certificate against the name.

``allow`` names what an operator trusts anyway: networks or addresses (``127.0.0.1``,
``10.0.0.0/8``) and host names (``hooks.internal``), for receivers on the private network and
for tests with 127.0.0.1 receivers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError

__all__ = [
    "AddressPolicy",
    "GuardedBackend",
    "UnsafeUrlError",
    "guarded_transport",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Host and port → the addresses it resolves to (the system's ``getaddrinfo`` by default)."""


class UnsafeUrlError(SyncgqlError):
    """A webhook URL is refused: bad scheme, or a host that resolves to a non-public address.

    The message names the host and the kind of address, never credentials in the URL.
    """

    code = ErrorCode.BAD_USER_INPUT


@dataclass(frozen=True)
class AddressPolicy:
    """Which destinations outbound webhook requests may reach.

    Attributes:
        networks: addresses/networks allowed although not public.
        hosts: host names (lower case) allowed whatever they resolve to.
        resolver: how names are resolved (tests inject a changing DNS answer).
    """

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)
    resolver: Resolver | None = field(default=None, compare=False)

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> AddressPolicy:
        """Parse allow-list entries: an address, a CIDR network, or a host name.

        Raises:
            ValueError: an entry is empty or a malformed network.
        """
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                raise ValueError("an empty allow-list entry")
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if "/" in entry or ":" in entry:
                    raise ValueError(
                        f"{raw!r} is neither an address, a network nor a host name"
                    ) from None
                hosts.add(entry.rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` may not be reached (e.g. ``"loopback"``), or None when it may."""
        if any(address in net for net in self.networks):
            return None
        # An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 it carries.
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            return self.refusal(address.ipv4_mapped)
        for kind, flag in (
            ("unspecified", address.is_unspecified),
            ("loopback", address.is_loopback),
            ("link-local", address.is_link_local),
            ("multicast", address.is_multicast),
            ("private", address.is_private),
            ("reserved", address.is_reserved),
        ):
            if flag:
                return kind
        # Shared address space (100.64.0.0/10), documentation ranges and the like.
        return None if address.is_global else "non-public"

    def host_allowed(self, host: str) -> bool:
        """Whether the host name itself is allow-listed."""
        return host.lower().rstrip(".") in self.hosts

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to, each checked; the ones to connect to, in order.

        Raises:
            UnsafeUrlError: the name does not resolve, or one of its addresses is refused.
        """
        literal = _literal(host)
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        else:
            try:
                found = await (self.resolver or system_resolver)(host, port)
                addresses = list(dict.fromkeys(_address(a) for a in found))
            except (OSError, UnicodeError, ValueError):
                raise UnsafeUrlError(f"the host {host!r} does not resolve") from None
            if not addresses:
                raise UnsafeUrlError(f"the host {host!r} does not resolve")
        if not self.host_allowed(host):
            for address in addresses:
                why = self.refusal(address)
                if why is not None:
                    raise UnsafeUrlError(
                        f"the host {host!r} resolves to a {why} address ({address}); webhooks "
                        "reach public addresses only unless --webhook-allow names it"
                    )
        return [str(a) for a in addresses]

    async def check_url(self, url: str) -> None:
        """Refuse a URL that is not http(s) or whose host resolves to a refused address.

        Raises:
            UnsafeUrlError: why the URL cannot be used.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise UnsafeUrlError("the URL is malformed") from None
        if parts.scheme not in ("http", "https"):
            raise UnsafeUrlError("the URL must start with https:// or http://")
        if not parts.hostname:
            raise UnsafeUrlError("the URL has no host")
        await self.resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host`` (IPv4 and IPv6)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _address(text: str) -> IPAddress:
    # getaddrinfo may append an IPv6 zone ("fe80::1%eth0"); the zone says nothing of the kind.
    return ipaddress.ip_address(text.split("%", 1)[0])


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy applied at the moment of connecting.

    Resolves the host itself, checks every address, then connects the inner backend to a
    checked address (the first that accepts): the address checked is the address connected.
    """

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self._policy = policy
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first checked address of ``host`` that accepts."""
        try:
            addresses = await asyncio.wait_for(self._policy.resolve(host, port), timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from None
        except UnsafeUrlError as exc:
            # httpx maps ConnectError to its own; the worker records it as a refused attempt.
            raise httpcore.ConnectError(f"refused by the SSRF guard: {exc}") from None
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: a webhook URL has no Unix socket form."""
        raise httpcore.ConnectError("webhooks do not connect to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        """The inner backend's sleep."""
        await self._inner.sleep(seconds)


def guarded_transport(
    policy: AddressPolicy, *, max_connections: int = 20
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection passes :class:`GuardedBackend`.

    No proxy and no environment (``trust_env=False``): a proxy would connect on our behalf,
    out of the guard's sight.
    """
    transport = httpx.AsyncHTTPTransport(
        trust_env=False, limits=httpx.Limits(max_connections=max_connections)
    )
    # httpx does not take a network backend, httpcore's pool does: the same pool httpx would
    # build, with the guarded backend under it (the mapping of requests and errors stays httpx's).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(policy, httpcore.AnyIOBackend()),
    )
    return transport
