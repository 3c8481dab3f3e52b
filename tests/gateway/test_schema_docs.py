"""Every type and field of the schema has a description (what GraphiQL shows)."""

from __future__ import annotations

from tests.gateway.conftest import Gateway

INTROSPECTION = """{ __schema { types { name kind description
  fields { name description } inputFields { name description } } } }"""


async def test_every_type_and_field_is_described(gateway: Gateway) -> None:
    data = await gateway.data(INTROSPECTION)
    missing: list[str] = []
    for t in data["__schema"]["types"]:
        name = t["name"]
        if name.startswith("__") or t["kind"] == "SCALAR":
            continue
        if not t["description"]:
            missing.append(name)
        fields = (t["fields"] or []) + (t["inputFields"] or [])
        missing.extend(f"{name}.{f['name']}" for f in fields if not f["description"])
    assert missing == []
