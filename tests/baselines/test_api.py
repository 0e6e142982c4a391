"""Baseline read/config/reset endpoints and the terminal heat map."""

from __future__ import annotations

from datetime import timedelta

import httpx
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from tests.baselines.synthetic import monday_10am, poisson_stream
from tests.factories import make_camera
from vigil.baselines import service
from vigil.baselines.cli import render
from vigil.baselines.learning import close_slots
from vigil.core.config import Settings


async def test_summary_heatmap_and_reset(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await make_camera(session, "Yard")
    start = monday_10am(weeks_ago=3)
    await poisson_stream(session, "yard", start, 2 * 168, classes={"person": 0.8, "cat": 0.2})
    await close_slots(session, "yard", start + timedelta(weeks=2, minutes=10), settings)
    await session.commit()

    body = (await client.get("/api/cameras/yard/baseline")).json()
    assert len(body["heatmap"]) == 7 and all(len(r) == 24 for r in body["heatmap"])
    assert body["heatmap"][0][10] is not None  # Monday 10:00 learned
    classes = (await client.get("/api/cameras/yard/baseline/classes")).json()
    assert body["data_points"] == 168 + len(classes)
    assert 24 < len(classes) <= 48
    assert all(8 <= h < 20 for h in body["peak_hours"])
    assert [c["detection_class"] for c in body["top_classes"]] == ["person", "cat"]
    assert body["config"] == {
        "camera_id": "yard",
        "anomaly_threshold": 0.99,
        "min_samples": 4,
        "threshold_overridden": False,
        "min_samples_overridden": False,
        "observed_through": body["observed_through"],
    }
    assert body["established"] is False  # 2 weeks < 4 samples per (hour, weekday)
    assert body["current_deviation"]["established"] is False

    assert len((await client.get("/api/cameras/yard/baseline/activity")).json()) == 168
    persons = (await client.get("/api/cameras/yard/baseline/classes?detection_class=person")).json()
    assert len(persons) == 24
    # A class row counts every slot of its hour since the camera's history began (14 days).
    assert {c["sample_count"] for c in persons if 8 <= c["hour"] < 20} == {14}

    # Lowering min_samples makes the same history established.
    await client.put("/api/cameras/yard/baseline/config", json={"min_samples": 2})
    body = (await client.get("/api/cameras/yard/baseline")).json()
    assert body["established"] is True and body["current_deviation"]["established"] is True

    summary = await service.summary(session, "yard", settings)
    await session.commit()  # SQLite: release the write lock the test session's read took
    console = Console(record=True, width=140)
    render(summary, console)
    text = console.export_text()
    assert "Mon" in text and "Sun" in text and "Peak hours" in text

    reset = await client.delete("/api/cameras/yard/baseline")
    assert reset.json() == {"activity_rows_deleted": 168, "class_rows_deleted": len(classes)}
    assert (await client.get("/api/cameras/yard/baseline/activity")).json() == []
    # The camera's own settings survive a reset.
    assert (await client.get("/api/cameras/yard/baseline/config")).json()["min_samples"] == 2


async def test_unknown_camera_is_404(client: httpx.AsyncClient) -> None:
    for path in ("", "/activity", "/classes", "/anomalies", "/config"):
        response = await client.get(f"/api/cameras/nope/baseline{path}")
        assert response.status_code == 404, path
    assert (await client.delete("/api/cameras/nope/baseline")).status_code == 404
    assert (await client.get("/api/cameras/nope/baseline/anomalies?days=0")).status_code == 422
