"""The JSON API: public reads, operator-token writes, clear errors."""

import httpx
import pytest

from qrpark.kit.signing import KeyRing
from qrpark.settings import Settings
from qrpark.signs.domain import parse_sign_url, verify


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/lots/{lot_code}/areas" in spec["paths"]


async def test_reads_are_public(tokens: dict[str, str], client: httpx.AsyncClient) -> None:
    lots = (await client.get("/api/v1/lots")).json()
    assert [lot["code"] for lot in lots] == ["gangnam-b"]
    areas = (await client.get("/api/v1/lots/gangnam-b/areas")).json()
    assert len(areas) == 20
    tariff = (await client.get("/api/v1/lots/gangnam-b/tariff?lang=ko")).json()
    assert tariff["first_period_price"] == 1000
    assert tariff["description"][-1] == "예: 2시간 = 5,500원"


async def test_writes_need_a_valid_token(tokens: dict[str, str], client: httpx.AsyncClient) -> None:
    body = {"code": "new-lot", "name": "New", "address": "Seoul", "kind": "on_street"}
    assert (await client.post("/api/v1/lots", json=body)).status_code == 401
    assert (
        await client.post("/api/v1/lots", json=body, headers=auth("qrp_wrong"))
    ).status_code == 401
    created = await client.post("/api/v1/lots", json=body, headers=auth(tokens["demo"]))
    assert created.status_code == 201, created.text
    assert created.json()["currency"] == "KRW"
    again = await client.post("/api/v1/lots", json=body, headers=auth(tokens["demo"]))
    assert again.status_code == 409
    assert again.json()["error"] == "lot_code_taken"


async def test_operators_cannot_touch_each_others_lots(
    tokens: dict[str, str], client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/api/v1/lots/gangnam-b/areas", json={"code": "X-1"}, headers=auth(tokens["other"])
    )
    assert response.status_code == 403
    assert response.json()["error"] == "not_your_lot"


async def test_a_new_area_comes_with_its_signed_sign_url(
    tokens: dict[str, str], client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.post(
        "/api/v1/lots/gangnam-b/areas",
        json={"code": "B3-A-001", "level": "B3", "latitude": 37.5, "longitude": 127.0},
        headers=auth(tokens["demo"]),
    )
    assert response.status_code == 201, response.text
    ref = parse_sign_url(response.json()["sign_url"])
    assert (ref.lot_code, ref.area_code) == ("gangnam-b", "B3-A-001")
    assert verify(ref, KeyRing(settings.signing_keys))
    qr = await client.get(
        "/api/v1/lots/gangnam-b/areas/B3-A-001/qr?format=png", headers=auth(tokens["demo"])
    )
    assert qr.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    "body",
    [
        {"code": "bad code!", "name": "x", "address": "y", "kind": "indoor"},
        {"code": "ok", "name": "x", "address": "y", "kind": "rooftop"},
        {"code": "ok", "name": "x", "address": "y", "kind": "indoor", "currency": "XXX"},
        {"code": "ok", "name": "x", "address": "y", "kind": "indoor", "time_zone": "Mars/Olympus"},
        {"code": "ok", "name": "x", "address": "y", "kind": "indoor", "latitude": 123},
    ],
)
async def test_malformed_input_gets_a_422_with_reasons(
    tokens: dict[str, str], client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post("/api/v1/lots", json=body, headers=auth(tokens["demo"]))
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_tariff_versions_through_the_api(
    tokens: dict[str, str], client: httpx.AsyncClient
) -> None:
    body = {
        "first_period_minutes": 60,
        "first_period_price": 2000,
        "unit_minutes": 30,
        "unit_price": 1000,
        "night_start": "22:00:00",
        "night_end": "07:00:00",
        "night_cap": 5000,
    }
    created = await client.post(
        "/api/v1/lots/gangnam-b/tariffs", json=body, headers=auth(tokens["demo"])
    )
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 2
    half_night = {**body, "night_cap": None}
    bad = await client.post(
        "/api/v1/lots/gangnam-b/tariffs", json=half_night, headers=auth(tokens["demo"])
    )
    assert bad.status_code == 422
    versions = (await client.get("/api/v1/lots/gangnam-b/tariffs")).json()
    assert [v["version"] for v in versions] == [1, 2]


async def test_unknown_lot_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/lots/nowhere")
    assert response.status_code == 404
    assert response.json()["error"] == "lot_not_found"
