"""The emulator's ``$metadata`` (OData 4.0 CSDL XML) and JSON service document.

Both are derived from :mod:`syncgql.emulator.schema`, so generic OData tools see exactly the sets,
keys, properties and actions the emulator serves. The document uses only core CSDL elements (no
vocabulary references a reader would have to fetch).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Final

from syncgql.emulator.schema import ACTION_IMPORT_NAMES, ACTIONS, ENTITY_SETS, Action, Property

NAMESPACE: Final = "CData"
_EDMX_NS: Final = "http://docs.oasis-open.org/odata/ns/edmx"
_EDM_NS: Final = "http://docs.oasis-open.org/odata/ns/edm"


def _root(service_root: str) -> str:
    return service_root if service_root.endswith("/") else service_root + "/"


def _add_properties(parent: ET.Element, props: Iterable[Property], keys: frozenset[str]) -> None:
    for prop in props:
        nullable = prop.nullable and prop.name not in keys
        ET.SubElement(
            parent,
            "Property",
            Name=prop.name,
            Type=prop.edm,
            Nullable="true" if nullable else "false",
        )


def _add_action(schema_el: ET.Element, action: Action) -> None:
    complex_el = ET.SubElement(schema_el, "ComplexType", Name=action.output_type)
    _add_properties(complex_el, action.output, frozenset())
    action_el = ET.SubElement(schema_el, "Action", Name=action.name, IsBound="false")
    for param in action.parameters:
        type_name = f"Collection({param.edm})" if param.collection else param.edm
        ET.SubElement(
            action_el,
            "Parameter",
            Name=param.name,
            Type=type_name,
            Nullable="false" if param.required else "true",
        )
    ET.SubElement(action_el, "ReturnType", Type=f"Collection({NAMESPACE}.{action.output_type})")


def build_csdl(service_root: str) -> str:
    """Return the CSDL XML document served at ``/api.rsc/$metadata``.

    One ``EntityType`` per entity set (its readable properties, plus create-only ones such as a
    user's ``AuthToken``, which are nullable), an ``EntityContainer`` with every ``EntitySet``,
    and every action as an unbound ``Action`` returning a collection of the complex type
    ``<action>Output``, with an ``ActionImport`` per wire name (``getlogs`` is a second import of
    ``getJobLog``).

    Args:
        service_root: Absolute URL of ``/api.rsc/``; named in a leading XML comment so that a
            saved copy says which server described itself.
    """
    edmx = ET.Element("edmx:Edmx", {"xmlns:edmx": _EDMX_NS, "Version": "4.0"})
    services = ET.SubElement(edmx, "edmx:DataServices")
    schema_el = ET.SubElement(services, "Schema", xmlns=_EDM_NS, Namespace=NAMESPACE)

    for entity_set in ENTITY_SETS.values():
        type_el = ET.SubElement(schema_el, "EntityType", Name=entity_set.entity_type)
        key_el = ET.SubElement(type_el, "Key")
        ET.SubElement(key_el, "PropertyRef", Name=entity_set.key)
        props = [p for p in entity_set.properties if p.readable]
        _add_properties(type_el, props, frozenset({entity_set.key}))

    seen: set[str] = set()
    for action in ACTIONS.values():
        if action.name not in seen:
            seen.add(action.name)
            _add_action(schema_el, action)

    container = ET.SubElement(schema_el, "EntityContainer", Name=NAMESPACE)
    for entity_set in ENTITY_SETS.values():
        ET.SubElement(
            container,
            "EntitySet",
            Name=entity_set.name,
            EntityType=f"{NAMESPACE}.{entity_set.entity_type}",
        )
    for key, action in ACTIONS.items():
        ET.SubElement(
            container,
            "ActionImport",
            Name=ACTION_IMPORT_NAMES[key],
            Action=f"{NAMESPACE}.{action.name}",
        )

    ET.indent(edmx, space="  ")
    body = ET.tostring(edmx, encoding="unicode")
    where = _root(service_root).replace("--", "%2D%2D")  # "--" may not appear in a comment
    comment = f"<!-- CData Sync V1 API as served by the syncgql emulator at {where} -->"
    return f'<?xml version="1.0" encoding="utf-8"?>\n{comment}\n{body}\n'


def build_service_document(service_root: str) -> dict[str, object]:
    """Return the OData JSON service document served at ``/api.rsc/``.

    Lists every entity set (``kind: EntitySet``); OData does not list action imports there.
    """
    root = _root(service_root)
    return {
        "@odata.context": f"{root}$metadata",
        "value": [
            {"name": s.name, "kind": "EntitySet", "url": s.name} for s in ENTITY_SETS.values()
        ],
    }
