"""The request-level audit trail: success rows in the request transaction, failure rows after."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from vigil.core.db import Database
from vigil.models import AuditLog


async def _rows(db: Database) -> list[AuditLog]:
    async with db.sessionmaker() as s:
        return list((await s.scalars(select(AuditLog).order_by(AuditLog.id))).all())


async def test_camera_create_update_delete_are_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    r = await client.post(
        "/api/cameras", json={"name": "Front Door"}, headers={"User-Agent": "t/1"}
    )
    assert r.status_code == 201, r.text
    camera_id = r.json()["id"]
    r = await client.patch(f"/api/cameras/{camera_id}", json={"name": "Porch"})
    assert r.status_code == 200, r.text
    r = await client.post("/api/cameras", json={"name": "Porch"})
    assert r.status_code == 409
    rows = await _rows(db)
    assert [(r.action, r.status) for r in rows] == [
        ("camera.create", "success"),
        ("camera.update", "success"),
        ("camera.create", "failure"),
    ]
    created, updated, refused = rows
    assert created.resource_type == "camera" and created.resource_id == camera_id
    assert created.actor == "local" and created.user_agent == "t/1"
    assert created.ip_address == "127.0.0.1"
    assert created.details is not None
    insert = created.details["changes"][0]
    assert insert["op"] == "insert" and insert["after"]["name"] == "Front Door"
    change = updated.details["changes"][0]  # type: ignore[index]
    assert change["changes"]["name"] == {"before": "Front Door", "after": "Porch"}
    assert refused.details["http_status"] == 409  # type: ignore[index]
    assert refused.details["error"] == "camera_exists"  # type: ignore[index]
