from tests.gateway.conftest import Gateway


async def test_jobs_list(gateway: Gateway) -> None:
    data = await gateway.data(
        "{ jobs(first: 5) { totalCount edges { node { name sourceName } } } }"
    )
    assert data["jobs"]["totalCount"] == 4
    assert [e["node"]["sourceName"] for e in data["jobs"]["edges"]] == [
        "DemoSource",
        "DemoSource",
        "DemoSource",
        "SlowDemo",
    ]
