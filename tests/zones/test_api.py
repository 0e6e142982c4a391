"""Zone CRUD over HTTP and zone membership at ingest, on both databases."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import detection, make_camera, make_event
from vigil.models import Detection, EventDetection

BASE = "/api/cameras/front_door/zones"


async def test_crud_and_ordering(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_camera(session, "Front Door")
    low = await client.post(BASE, json={"name": "Yard", "coordinates": [[0, 0], [0.5, 0.5]]})
    assert low.status_code == 201, low.text
    body = low.json()
    assert body["shape"] == "rectangle"
    assert body["coordinates"] == [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]
    assert len(body["id"]) == 36  # server-generated uuid
    high = await client.post(
        BASE,
        json={
            "id": "porch",
            "name": "Porch",
            "zone_type": "entry_point",
            "coordinates": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]],
            "priority": 90,
            "color": "#ff0000",
        },
    )
    assert high.status_code == 201, high.text
    assert high.json()["shape"] == "polygon"
    listed = (await client.get(BASE)).json()
    assert [z["id"] for z in listed] == ["porch", body["id"]]

    dup = await client.post(
        BASE, json={"id": "porch", "name": "x", "coordinates": [[0, 0], [1, 1]]}
    )
    assert dup.status_code == 409

    changed = await client.put(f"{BASE}/porch", json={"enabled": False, "priority": 5})
    assert changed.status_code == 200
    assert changed.json()["enabled"] is False
    assert changed.json()["coordinates"] == [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]]
    assert [z["id"] for z in (await client.get(f"{BASE}?enabled=true")).json()] == [body["id"]]

    # Changing only the shape re-validates the existing points against it.
    bad = await client.patch(f"{BASE}/porch", json={"shape": "rectangle"})
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_zone"

    assert (await client.delete(f"{BASE}/porch")).status_code == 204
    assert (await client.get(f"{BASE}/porch")).status_code == 404
    assert (await client.delete(f"{BASE}/porch")).status_code == 404


async def test_validation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_camera(session, "Front Door")
    cases = [
        {"name": "out of range", "coordinates": [[0, 0], [1.2, 0.5], [0.5, 0.9]]},
        {"name": "too few", "shape": "polygon", "coordinates": [[0, 0], [1, 1]]},
        {"name": "bowtie", "coordinates": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]},
        {"name": "3 pt rect", "shape": "rectangle", "coordinates": [[0, 0], [1, 0], [1, 1]]},
        {
            "name": "skew rect",
            "shape": "rectangle",
            "coordinates": [[0, 0], [1, 0.1], [1, 1], [0, 1]],
        },
        {"name": "colour", "coordinates": [[0, 0], [1, 1]], "color": "red"},
        {"name": "priority", "coordinates": [[0, 0], [1, 1]], "priority": 101},
        {"name": "3 coords", "coordinates": [[0, 0, 0], [1, 1, 1]]},
        {"name": "flat", "coordinates": [[0, 0], [0.5, 0.5], [1, 1]]},
    ]
    for case in cases:
        response = await client.post(BASE, json=case)
        assert response.status_code == 422, (case, response.text)
        assert response.json()["error"] == "validation_error"
    missing = await client.post(
        "/api/cameras/nope/zones", json={"name": "x", "coordinates": [[0, 0], [1, 1]]}
    )
    assert missing.status_code == 404
    assert (await client.get("/api/cameras/nope/zones")).status_code == 404


async def test_ingest_tags_detections_with_zones(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_camera(session, "Front Door")
    # Left half of the image (priority 10) and a concave "U" (priority 50) overlapping it.
    await client.post(
        BASE, json={"id": "left", "name": "Left", "coordinates": [[0, 0], [0.5, 1]], "priority": 10}
    )
    u_shape = [
        [0.2, 0.2],
        [0.4, 0.2],
        [0.4, 0.5],
        [0.6, 0.5],
        [0.6, 0.2],
        [0.8, 0.2],
        [0.8, 0.8],
        [0.2, 0.8],
    ]
    await client.post(BASE, json={"id": "u", "name": "U", "coordinates": u_shape, "priority": 50})
    await client.post(
        BASE,
        json={"id": "off", "name": "Off", "coordinates": [[0, 0], [1, 1]], "enabled": False},
    )
    event = await make_event(
        session,
        detections=[
            # 640x480 image: anchor (0.3, 0.6) -> in U and Left; U has the higher priority.
            detection(bbox=(172, 188, 40, 100), image=(640, 480)),
            # anchor (0.5, 0.4): in the U's notch (outside U) and on Left's right edge (inside).
            detection(bbox=(300, 92, 40, 100), image=(640, 480)),
            # 4K image, anchor (0.75, 0.95): in no enabled zone.
            detection(bbox=(2780, 1852, 200, 200), image=(3840, 2160)),
            # No bbox: membership unknown.
            {"file_path": "/x.jpg", "object_type": "person"},
        ],
    )
    rows = (
        await session.scalars(
            select(Detection)
            .join(EventDetection, EventDetection.detection_id == Detection.id)
            .where(EventDetection.event_id == event.id)
            .order_by(Detection.id)
        )
    ).all()
    assert [r.zone_ids for r in rows] == [["u", "left"], ["left"], [], None]
