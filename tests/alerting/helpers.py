"""Small API helpers shared by the alerting tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.factories import detection


async def camera(client: httpx.AsyncClient, name: str = "Front Door") -> str:
    response = await client.post(
        "/api/cameras", json={"name": name, "folder_path": f"/cams/{name.replace(' ', '_')}"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def rule(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "rule", **fields}
    response = await client.post("/api/alerts/rules", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def ingest(
    client: httpx.AsyncClient,
    camera_id: str,
    *,
    risk_score: int | None = 80,
    detections: list[dict[str, Any]] | None = None,
    started_at: datetime | None = None,
) -> dict[str, Any]:
    body = {
        "camera_id": camera_id,
        "started_at": (started_at or datetime.now(UTC)).isoformat(),
        "risk_score": risk_score,
        "detections": detections if detections is not None else [detection()],
    }
    response = await client.post("/api/ingest", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def created(result: dict[str, Any]) -> list[str]:
    return list(result["pipeline"]["alerts"]["created"])
