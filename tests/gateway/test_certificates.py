"""``certificates``, ``uploadCertificate`` and ``expiresAt`` through the gateway and emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syncgql.emulator.seed_insight import CERTIFICATE
from tests.certs import make_certificate
from tests.gateway.conftest import Gateway, emulator_tokens, open_gateway

#: The job-health demo's certificate, which every seeded emulator holds (issue 13).
DEMO = CERTIFICATE[0]


def uploaded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed certificates but the seed's demo one."""
    return [r for r in rows if r["name"] != DEMO]


UPLOAD = """mutation($input: UploadCertificateInput!) { uploadCertificate(input: $input) {
  __typename
  ... on UploadCertificateSuccess { certificate { name issuedTo expiresAt daysUntilExpiry } }
  ... on UserError { code message }
  ... on ValidationError { field } } }"""
LIST = """query($days: Int) { certificates(expiringWithinDays: $days) {
  name subject issuer validFrom expiresAt daysUntilExpiry thumbprint serialNumber storeType } }"""


async def upload(gateway: Gateway, name: str, data: str, **kw: object) -> dict[str, object]:
    body = await gateway.data(
        UPLOAD, {"input": {"name": name, "data": data, "storeType": "CurrentUser"}}, **kw
    )
    result: dict[str, object] = body["uploadCertificate"]
    return result


async def test_upload_then_list_soonest_first_with_expiry(gateway: Gateway, tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    stored = await upload(gateway, "later", make_certificate(certs, "later.example", 200))
    assert stored["__typename"] == "UploadCertificateSuccess"
    await upload(gateway, "soon", make_certificate(certs, "soon.example", 7, der=True))
    body, calls = await gateway.traced(LIST)
    rows = uploaded(body["data"]["certificates"])
    assert [r["name"] for r in rows] == ["soon", "later"]
    assert len(calls) == 1  # one GET certificates, whatever the number of rows
    soon = rows[0]
    assert soon["subject"] == "CN=soon.example, O=Acme"
    assert soon["daysUntilExpiry"] in (7, 8)
    expires = datetime.fromisoformat(soon["expiresAt"])
    assert 6 <= (expires - datetime.now(UTC)).days <= 7
    assert len(soon["thumbprint"]) == 40
    # The insight view: only what expires within 30 days.
    within = await gateway.data(LIST, {"days": 30})
    assert [r["name"] for r in uploaded(within["certificates"])] == ["soon"]


async def test_bad_uploads_are_typed_failures(gateway: Gateway, tmp_path: Path) -> None:
    not_base64 = await upload(gateway, "x", "this is not base64!")
    assert not_base64 == {
        "__typename": "ValidationError",
        "code": "BAD_REQUEST",
        "message": "`data` must be the base64 of the certificate file.",
        "field": "data",
    }
    not_a_cert = await upload(gateway, "x", "bm90IGEgY2VydGlmaWNhdGU=")
    assert not_a_cert["__typename"] == "ValidationError"
    assert "X.509" in str(not_a_cert["message"])
    data = make_certificate(tmp_path / "certs", "dup.example", 30)
    assert (await upload(gateway, "dup", data))["__typename"] == "UploadCertificateSuccess"
    duplicate = await upload(gateway, "DUP", data)
    assert (duplicate["__typename"], duplicate["code"]) == ("ConflictError", "ALREADY_EXISTS")


async def test_only_admins_upload(gateway: Gateway, tmp_path: Path) -> None:
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    data = make_certificate(tmp_path / "certs", "op.example", 30)
    denied = await upload(gateway, "op", data, headers=operator)
    assert (denied["__typename"], denied["code"]) == ("PermissionError", "FORBIDDEN")
    assert uploaded((await gateway.data(LIST, headers=operator))["certificates"]) == []


async def test_negative_window_is_bad_user_input(gateway: Gateway) -> None:
    body, calls = await gateway.traced(LIST, {"days": -1})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert calls == []


async def test_upload_works_with_a_process_workspace(tmp_path: Path) -> None:
    # The body then carries WorkspaceId (as CData's MCP client sends it); certificates are
    # server-wide, so the server accepts and ignores it.
    async with open_gateway(tmp_path, workspace="default") as gateway:
        data = make_certificate(tmp_path / "certs", "ws.example", 30)
        stored = await upload(gateway, "ws", data)
        assert stored["__typename"] == "UploadCertificateSuccess", stored
        listed = await gateway.data(LIST)
        assert [c["name"] for c in uploaded(listed["certificates"])] == ["ws"]
