from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.factories import detection
from vigil.core.db import Database
from vigil.models import (
    Detection,
    Event,
    EventDetection,
    PoseResult,
    ReidEmbedding,
    ThreatDetection,
)

STARTED = "2026-11-26T10:00:00+00:00"


async def _camera(client: httpx.AsyncClient, name: str = "Front Door") -> str:
    r = await client.post("/api/cameras", json={"name": name})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _unit(dim: int) -> list[float]:
    return [1.0] + [0.0] * (dim - 1)


async def _count(db: Database, model: Any) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "low"),
        (29, "low"),
        (30, "medium"),
        (59, "medium"),
        (60, "high"),
        (84, "high"),
        (85, "critical"),
        (100, "critical"),
    ],
)
async def test_risk_level_bands(client: httpx.AsyncClient, score: int, level: str) -> None:
    cam = await _camera(client)
    r = await client.post(
        "/api/ingest", json={"camera_id": cam, "started_at": STARTED, "risk_score": score}
    )
    assert r.status_code == 201, r.text
    assert r.json()["event"]["risk_level"] == level


async def test_batch_ingest_stores_everything_in_one_go(
    client: httpx.AsyncClient, db: Database
) -> None:
    cam = await _camera(client)
    det = detection(
        "person",
        enrichment={
            "pose": {"pose_class": "crouching", "confidence": 0.8, "is_suspicious": True},
            "threats": [{"threat_type": "knife", "confidence": 0.7, "severity": "high"}],
            "reid": {"embedding": _unit(512)},
        },
    )
    body = {
        "camera_id": cam,
        "started_at": STARTED,
        "risk_score": 70,
        "detections": [det, detection("car", bbox=(0, 0, 10, 10), image=(640, 480))],
    }
    r = await client.post("/api/ingest", json=body)
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["event"]["object_types"] == "car,person"
    assert len(data["detection_ids"]) == 2
    event_id = data["event"]["id"]
    detail = (await client.get(f"/api/events/{event_id}")).json()
    assert detail["detection_ids"] == sorted(data["detection_ids"])
    enr = (await client.get(f"/api/detections/{data['detection_ids'][0]}/enrichment")).json()
    assert enr["pose"]["pose_class"] == "crouching"
    assert enr["threats"][0]["threat_type"] == "knife"
    assert enr["has_reid_embedding"] is True
    assert await _count(db, ThreatDetection) == 1
    assert await _count(db, PoseResult) == 1
    cam_row = (await client.get(f"/api/cameras/{cam}")).json()
    assert cam_row["last_seen_at"] is not None


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"risk_score": 101}, "risk_score"),
        ({"started_at": "2026-11-26T10:00:00"}, "timezone"),
        ({"detections": [{**detection(), "confidence": 1.5}]}, "confidence"),
        ({"detections": [{**detection(), "image_width": None}]}, "image_width"),
        ({"detections": [detection(bbox=(600, 0, 100, 10), image=(640, 480))]}, "right edge"),
        ({"detections": [detection(enrichment={"pose": {"pose_class": "dancing"}})]}, "pose_class"),
        (
            {
                "detections": [
                    detection(
                        enrichment={
                            "threats": [
                                {"threat_type": "rifle", "confidence": 0.5, "severity": "high"}
                            ]
                        }
                    )
                ]
            },
            "threat_type",
        ),
        ({"ended_at": "2026-11-26T09:00:00+00:00"}, "ended_at"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_input_is_422_and_nothing_is_written(
    client: httpx.AsyncClient, db: Database, patch: dict[str, Any], fragment: str
) -> None:
    cam = await _camera(client)
    body = {"camera_id": cam, "started_at": STARTED, "risk_score": 10, **patch}
    r = await client.post("/api/ingest", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error"
    assert fragment in r.json()["detail"]
    assert await _count(db, Event) == 0
    assert await _count(db, Detection) == 0


async def test_wrong_embedding_dimension_rolls_back_whole_batch(
    client: httpx.AsyncClient, db: Database
) -> None:
    cam = await _camera(client)
    dets = [detection(), detection(enrichment={"reid": {"embedding": _unit(128)}})]
    r = await client.post(
        "/api/ingest", json={"camera_id": cam, "started_at": STARTED, "detections": dets}
    )
    assert r.status_code == 422
    assert "512" in r.json()["detail"]
    assert await _count(db, Detection) == 0
    assert await _count(db, ReidEmbedding) == 0


async def test_unknown_camera_404_and_duplicate_batch_409(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/ingest", json={"camera_id": "nowhere", "started_at": STARTED})
    assert r.status_code == 404
    cam = await _camera(client)
    body = {"camera_id": cam, "started_at": STARTED, "batch_id": "b-1"}
    assert (await client.post("/api/ingest", json=body)).status_code == 201
    r = await client.post("/api/ingest", json=body)
    assert r.status_code == 409
    assert r.json()["error"] == "duplicate_batch"


async def test_detections_then_event_linking(client: httpx.AsyncClient, db: Database) -> None:
    cam = await _camera(client)
    other = await _camera(client, "Garage")
    ids = []
    for _ in range(2):
        r = await client.post("/api/detections", json={"camera_id": cam, **detection()})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    foreign = (
        await client.post("/api/detections", json={"camera_id": other, **detection()})
    ).json()
    r = await client.post(
        "/api/events",
        json={"camera_id": cam, "started_at": STARTED, "detection_ids": [ids[0], foreign["id"]]},
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/events", json={"camera_id": cam, "started_at": STARTED, "detection_ids": [ids[0]]}
    )
    assert r.status_code == 201
    event_id = r.json()["event"]["id"]
    r = await client.post(f"/api/events/{event_id}/detections", json={"detection_ids": [ids[1]]})
    assert r.json() == sorted(ids)
    assert await _count(db, EventDetection) == 2
    r = await client.post(f"/api/events/{event_id}/detections", json={"detection_ids": [999999]})
    assert r.status_code == 404


async def test_second_pose_for_a_detection_is_409(client: httpx.AsyncClient) -> None:
    cam = await _camera(client)
    det = (await client.post("/api/detections", json={"camera_id": cam, **detection()})).json()
    pose = {"pose": {"pose_class": "standing"}}
    url = f"/api/detections/{det['id']}/enrichment"
    assert (await client.post(url, json=pose)).status_code == 201
    r = await client.post(url, json=pose)
    assert r.status_code == 409


async def test_event_review_and_soft_delete(client: httpx.AsyncClient) -> None:
    cam = await _camera(client)
    event_id = (
        await client.post("/api/ingest", json={"camera_id": cam, "started_at": STARTED})
    ).json()["event"]["id"]
    r = await client.patch(f"/api/events/{event_id}", json={"reviewed": True, "notes": "ok"})
    assert r.json()["reviewed"] is True
    listed = (await client.get("/api/events", params={"reviewed": True})).json()
    assert [e["id"] for e in listed["items"]] == [event_id]
    assert (await client.delete(f"/api/events/{event_id}")).status_code == 200
    assert (await client.get(f"/api/events/{event_id}")).status_code == 404
