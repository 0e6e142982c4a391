"""Feedback API: the shared vocabulary end to end, 404/409/422, stats by type/camera/class."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import detection, make_camera, make_event
from vigil.models.event_feedback import FEEDBACK_TYPES


async def test_every_feedback_type_is_accepted_and_stored(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_camera(session, "Front Door")
    for feedback_type in FEEDBACK_TYPES:
        event = await make_event(session, "front_door", risk_score=70)
        body: dict[str, object] = {"event_id": event.id, "feedback_type": feedback_type}
        if feedback_type == "severity_wrong":
            body["expected_severity"] = "low"
        r = await client.post("/api/feedback", json=body)
        assert r.status_code == 201, (feedback_type, r.text)
        r = await client.get(f"/api/feedback/event/{event.id}")
        assert r.status_code == 200
        assert r.json()["feedback_type"] == feedback_type
        if feedback_type == "severity_wrong":
            assert r.json()["expected_severity"] == "low"
    stats = (await client.get("/api/feedback/stats")).json()
    assert stats["total"] == len(FEEDBACK_TYPES)
    assert stats["by_type"] == {t: 1 for t in FEEDBACK_TYPES}
    assert stats["by_camera"] == [
        {"camera_id": "front_door", "total": 5, "false_positives": 1, "false_positive_rate": 0.2}
    ]
    assert stats["by_object_class"]["person"]["false_positive"] == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"feedback_type": "missed_detection"}, 422),  # the reference API's stray spelling
        ({"feedback_type": "wrong_severity"}, 422),
        ({"feedback_type": "severity_wrong"}, 422),  # needs expected_severity
        ({"feedback_type": "accurate", "expected_severity": "high"}, 422),
        ({"feedback_type": "accurate", "notes": "x" * 1001}, 422),
    ],
)
async def test_invalid_feedback_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, object], status: int
) -> None:
    await make_camera(session, "Front Door")
    event = await make_event(session, "front_door")
    r = await client.post("/api/feedback", json={"event_id": event.id, **body})
    assert r.status_code == status, r.text
    assert r.json()["error"] == "validation_error"


async def test_missing_event_and_duplicate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    r = await client.post("/api/feedback", json={"event_id": 999, "feedback_type": "accurate"})
    assert r.status_code == 404
    await make_camera(session, "Front Door")
    event = await make_event(session, "front_door", detections=[detection("car")])
    body = {"event_id": event.id, "feedback_type": "false_positive", "suggested_score": 10}
    assert (await client.post("/api/feedback", json=body)).status_code == 201
    r = await client.post("/api/feedback", json=body)
    assert r.status_code == 409 and r.json()["error"] == "feedback_exists"
    assert (await client.get("/api/feedback/event/12345")).status_code == 404


async def test_concurrent_first_feedbacks_all_count(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    import asyncio

    await make_camera(session, "Front Door")
    events = [await make_event(session, "front_door", risk_score=60) for _ in range(6)]
    responses = await asyncio.gather(
        *(
            client.post("/api/feedback", json={"event_id": e.id, "feedback_type": "false_positive"})
            for e in events
        )
    )
    assert [r.status_code for r in responses] == [201] * 6
    body = (await client.get("/api/calibration")).json()
    assert body["cameras"][0]["total_feedback_count"] == 6
    assert body["user"]["feedback_count"] == 6
