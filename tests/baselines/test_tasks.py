"""The rebuild job and the hourly close job, run with a minimal job context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.baselines.synthetic import monday_10am, poisson_stream
from tests.factories import make_camera
from tests.fake_job_context import FakeJobContext
from vigil.baselines.tasks import close_all, rebuild_camera
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.models import ActivityBaseline, BaselineConfig, Job


async def test_rebuild_endpoint_queues_job(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_camera(session, "Yard")
    response = await client.post("/api/cameras/yard/baseline/rebuild")
    assert response.status_code == 202, response.text
    job = await session.get(Job, response.json()["job_id"])
    assert job is not None and job.job_type == "baselines.rebuild"
    assert job.payload == {"camera_id": "yard"}
    await session.commit()  # SQLite: release the write lock the test session's read took
    assert (await client.post("/api/cameras/nope/baseline/rebuild")).status_code == 404


async def test_rebuild_and_close_tasks(
    db: Database, session: AsyncSession, settings: Settings
) -> None:
    await make_camera(session, "Yard")
    await make_camera(session, "Porch")
    start = monday_10am(weeks_ago=2)
    await poisson_stream(session, "yard", start, 48, classes={"person": 1.0})
    ctx = FakeJobContext(db, settings)

    result = await rebuild_camera(ctx, {"camera_id": "yard"})
    assert result["camera_id"] == "yard"
    # Everything from the first detection's hour up to the last closed hour before now.
    now = datetime.now(UTC)
    assert abs(result["slots"] - (now - start) / timedelta(hours=1)) <= 2
    assert await session.scalar(select(func.count()).select_from(ActivityBaseline)) == 168
    await session.commit()

    missing = await rebuild_camera(ctx, {"camera_id": "gone"})
    assert missing == {"camera_id": "gone", "slots": 0}

    # The hourly job: the yard is already current; the porch has no detections yet.
    closed = await close_all(ctx, {})
    assert closed == {"cameras": 2, "slots": 0}
    await session.commit()
    porch = await session.get(BaselineConfig, "porch")
    assert porch is not None and porch.observed_through is None
