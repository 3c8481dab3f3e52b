"""$metadata is well-formed CSDL naming every set, key and action; the service doc lists sets."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from syncgql.emulator import schema
from syncgql.emulator.metadata import build_csdl, build_service_document

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
ROOT = "http://127.0.0.1:8181/api.rsc/"


def _schema() -> ET.Element:
    doc = ET.fromstring(build_csdl(ROOT))
    assert doc.tag == f"{EDMX}Edmx"
    assert doc.get("Version") == "4.0"
    found = doc.find(f"{EDMX}DataServices/{EDM}Schema")
    assert found is not None
    assert found.get("Namespace") == "CData"
    return found


def test_every_entity_set_with_key_and_properties() -> None:
    sch = _schema()
    types = {t.get("Name"): t for t in sch.findall(f"{EDM}EntityType")}
    container = sch.find(f"{EDM}EntityContainer")
    assert container is not None
    sets = {s.get("Name"): s.get("EntityType") for s in container.findall(f"{EDM}EntitySet")}
    assert set(sets) == set(schema.ENTITY_SETS)
    for es in schema.ENTITY_SETS.values():
        assert sets[es.name] == f"CData.{es.entity_type}"
        type_el = types[es.entity_type]
        keys = [r.get("Name") for r in type_el.findall(f"{EDM}Key/{EDM}PropertyRef")]
        assert keys == [es.key]
        props = {p.get("Name"): p for p in type_el.findall(f"{EDM}Property")}
        assert props[es.key].get("Nullable") == "false"
        for prop in es.readable:
            assert props[prop.name].get("Type") == prop.edm
    user_props = {p.get("Name") for p in types["User"].findall(f"{EDM}Property")}
    assert "Password" not in user_props
    assert "AuthToken" in user_props  # returned by create, so described (nullable)
    history_id = types["History"].find(f"{EDM}Property[@Name='Id']")
    assert history_id is not None
    assert history_id.get("Type") == "Edm.Int64"


def test_every_action_and_import() -> None:
    sch = _schema()
    actions = {a.get("Name"): a for a in sch.findall(f"{EDM}Action")}
    complex_types = {c.get("Name") for c in sch.findall(f"{EDM}ComplexType")}
    container = sch.find(f"{EDM}EntityContainer")
    assert container is not None
    imports = {i.get("Name"): i.get("Action") for i in container.findall(f"{EDM}ActionImport")}
    for key, act in schema.ACTIONS.items():
        assert imports[schema.ACTION_IMPORT_NAMES[key]] == f"CData.{act.name}"
        el = actions[act.name]
        assert el.get("IsBound") == "false"
        ret = el.find(f"{EDM}ReturnType")
        assert ret is not None
        assert ret.get("Type") == f"Collection(CData.{act.name}Output)"
        assert f"{act.name}Output" in complex_types
    assert imports["getlogs"] == "CData.getJobLog"
    query = actions["executeQuery"].find(f"{EDM}Parameter[@Name='Query']")
    assert query is not None
    assert query.get("Type") == "Collection(Edm.String)"
    assert query.get("Nullable") == "false"


def test_references_resolve_within_the_document() -> None:
    sch = _schema()
    names = {f"CData.{el.get('Name')}" for el in sch if el.get("Name")}
    for el in sch.iter():
        for attr in ("Type", "EntityType", "Action"):
            value = el.get(attr)
            if value is None:
                continue
            inner = value.removeprefix("Collection(").removesuffix(")")
            assert inner.startswith("Edm.") or inner in names, value


def test_service_document() -> None:
    doc = build_service_document("http://h:1/api.rsc")
    assert doc["@odata.context"] == "http://h:1/api.rsc/$metadata"
    value = doc["value"]
    assert isinstance(value, list)
    assert [v["name"] for v in value] == list(schema.ENTITY_SETS)
    assert all(v["kind"] == "EntitySet" and v["url"] == v["name"] for v in value)
