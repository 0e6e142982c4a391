"""Background tasks of this area, declared with ``vigil.jobs.registry.task``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from vigil.baselines.learning import close_slots, rebuild
from vigil.jobs.registry import JobContext, periodic, task
from vigil.models import Camera


@task("baselines.rebuild", queue="maintenance", priority=3, timeout_seconds=3600)
async def rebuild_camera(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Relearn one camera's baselines from all its stored detections."""
    camera_id = str(payload["camera_id"])
    await ctx.progress(5, "relearning")
    async with ctx.db.transaction() as session:
        if await session.get(Camera, camera_id) is None:
            await ctx.log("WARNING", "camera no longer exists", camera_id=camera_id)
            return {"camera_id": camera_id, "slots": 0}
        slots = await rebuild(session, camera_id, ctx.settings)
    await ctx.progress(100, "done")
    return {"camera_id": camera_id, "slots": slots}


@periodic("10 * * * *")
@task("baselines.close_slots", queue="maintenance", priority=3, timeout_seconds=600)
async def close_all(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Fold finished hour slots of every camera, so quiet hours count even with no events."""
    async with ctx.db.transaction() as session:
        ids = list(await session.scalars(select(Camera.id).where(Camera.deleted_at.is_(None))))
    folded = 0
    now = datetime.now(UTC)
    for camera_id in ids:
        await ctx.check_cancelled()
        # One transaction per camera: a camera's lock is held only while its slots are folded.
        async with ctx.db.transaction() as session:
            folded += await close_slots(session, camera_id, now, ctx.settings)
    return {"cameras": len(ids), "slots": folded}
