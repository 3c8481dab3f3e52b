"""The SSRF guard: refusals by address kind, after DNS, for every address, and at connect time."""

from __future__ import annotations

import httpx
import pytest

from syncgql.webhooks.ssrf import AddressPolicy, UnsafeUrlError, guarded_transport
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.timeout(30)

REFUSED = [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://127.8.9.10/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fd00::1]/", "private"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://239.1.2.3/", "multicast"),
    ("http://100.64.0.1/", "non-public"),
]


@pytest.mark.parametrize(("url", "kind"), REFUSED)
async def test_non_public_addresses_are_refused(url, kind):
    with pytest.raises(UnsafeUrlError, match=f"a {kind} address"):
        await AddressPolicy().check_url(url)


async def test_a_public_address_passes():
    await AddressPolicy().check_url("https://8.8.8.8/hook")
    await AddressPolicy().check_url("http://[2001:4860:4860::8888]:8080/hook")


async def test_a_name_resolving_to_loopback_is_refused_unless_allowed():
    # "localhost" resolves (via /etc/hosts) to 127.0.0.1: the check is on the address.
    with pytest.raises(UnsafeUrlError, match="'localhost' resolves to a loopback address"):
        await AddressPolicy().check_url("http://localhost:9/hook")
    await AddressPolicy.from_entries(["127.0.0.0/8", "::1"]).check_url("http://localhost:9/")
    await AddressPolicy.from_entries(["LocalHost"]).check_url("http://localhost:9/")


async def test_every_resolved_address_is_checked():
    async def public_and_private(host, port):
        return ["93.184.216.34", "10.0.0.5"]

    policy = AddressPolicy(resolver=public_and_private)
    with pytest.raises(UnsafeUrlError, match=r"private address \(10\.0\.0\.5\)"):
        await policy.check_url("https://hooks.example.com/x")


async def test_scheme_host_and_resolution_are_checked():
    policy = AddressPolicy()
    for url, why in [
        ("ftp://8.8.8.8/", "must start with https:// or http://"),
        ("file:///etc/passwd", "must start with"),
        ("http:///nohost", "no host"),
        ("http://8.8.8.8:99999/", "malformed"),
        ("http://no-such-host.invalid/", "does not resolve"),
    ]:
        with pytest.raises(UnsafeUrlError, match=why):
            await policy.check_url(url)


def test_allow_list_entries_parse():
    policy = AddressPolicy.from_entries(["10.0.0.0/8", "127.0.0.1", "hooks.internal."])
    assert policy.host_allowed("HOOKS.internal")
    assert policy.refusal(__import__("ipaddress").ip_address("10.9.9.9")) is None
    with pytest.raises(ValueError, match="neither"):
        AddressPolicy.from_entries(["10.0.0.0/99"])
    with pytest.raises(ValueError, match="empty"):
        AddressPolicy.from_entries([" "])


async def test_the_transport_refuses_a_loopback_receiver_without_the_allow_list():
    async with receiver() as rec:
        async with httpx.AsyncClient(transport=guarded_transport(AddressPolicy())) as http:
            with pytest.raises(httpx.ConnectError, match="refused by the SSRF guard"):
                await http.post(rec.url, content=b"{}")
        allowed = AddressPolicy.from_entries(["127.0.0.1"])
        async with httpx.AsyncClient(transport=guarded_transport(allowed)) as http:
            assert (await http.post(rec.url, content=b"{}")).status_code == 200
    assert len(rec.requests) == 1


async def test_dns_rebinding_is_caught_at_connect_time():
    """The name passes the check at creation, then resolves to 127.0.0.1 when connecting."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host, port):
        return next(answers)

    policy = AddressPolicy(resolver=rebinding)
    async with receiver() as rec:
        port = int(rec.url.split(":")[2].split("/")[0])
        url = f"http://rebind.example:{port}/hook"
        await policy.check_url(url)  # the first answer: public
        async with httpx.AsyncClient(transport=guarded_transport(policy)) as http:
            with pytest.raises(httpx.ConnectError, match="loopback"):
                await http.post(url, content=b"{}")
    assert rec.requests == []


async def test_the_transport_connects_to_the_checked_address():
    """A name allow-listed by address reaches the receiver at the address it was checked at."""

    async def to_loopback(host, port):
        return ["127.0.0.1"]

    policy = AddressPolicy(
        networks=AddressPolicy.from_entries(["127.0.0.1"]).networks, resolver=to_loopback
    )
    async with receiver() as rec:
        port = int(rec.url.split(":")[2].split("/")[0])
        async with httpx.AsyncClient(transport=guarded_transport(policy)) as http:
            response = await http.post(f"http://receiver.test:{port}/hook", content=b"{}")
    assert response.status_code == 200
    assert rec.requests[0].headers["host"] == f"receiver.test:{port}"
