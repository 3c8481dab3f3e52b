"""Every type, field, argument and enum value has a description (what GraphiQL shows)."""

from __future__ import annotations

from tests.gateway.conftest import Gateway

INTROSPECTION = """{ __schema { types { name kind description
  fields { name description args { name description } } inputFields { name description }
  enumValues { name description } } } }"""


async def test_every_type_field_argument_and_enum_value_is_described(gateway: Gateway) -> None:
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
        missing.extend(
            f"{name}.{f['name']}({a['name']})"
            for f in t["fields"] or []
            for a in f["args"]
            if not a["description"]
        )
        missing.extend(f"{name}.{v['name']}" for v in t["enumValues"] or [] if not v["description"])
    assert missing == []
