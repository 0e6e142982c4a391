from __future__ import annotations

import httpx


async def test_create_normalises_id_and_lists(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/cameras", json={"name": "  Front  Door-Cam! "})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "front_door_cam"
    assert r.headers["x-request-id"]
    r = await client.get("/api/cameras")
    assert [c["id"] for c in r.json()["items"]] == ["front_door_cam"]


async def test_duplicate_is_409_and_unknown_field_is_422(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/cameras", json={"name": "Garage"})).status_code == 201
    r = await client.post("/api/cameras", json={"name": "garage"})
    assert r.status_code == 409
    assert r.json()["error"] == "camera_exists"
    r = await client.post("/api/cameras", json={"name": "Yard", "colour": "red"})
    assert r.status_code == 422
    assert "colour" in r.json()["detail"]


async def test_soft_delete_hides_and_restore_returns(client: httpx.AsyncClient) -> None:
    await client.post("/api/cameras", json={"name": "Backyard"})
    assert (await client.delete("/api/cameras/backyard")).status_code == 200
    assert (await client.get("/api/cameras/backyard")).status_code == 404
    assert (await client.get("/api/cameras")).json()["items"] == []
    assert (await client.post("/api/cameras/backyard/restore")).status_code == 200
    assert (await client.get("/api/cameras/backyard")).json()["deleted_at"] is None


async def test_missing_camera_is_404_with_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/cameras/nope")
    assert r.status_code == 404
    assert set(r.json()) == {"error", "detail"}
