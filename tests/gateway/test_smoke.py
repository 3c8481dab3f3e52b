from tests.gateway.conftest import Gateway


async def test_jobs_list(gateway: Gateway) -> None:
    data = await gateway.data("{ jobs(first: 5) { totalCount edges { node { name sourceName } } } }")
    assert data["jobs"]["edges"]
