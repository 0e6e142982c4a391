"""``/api/cameras/{camera_id}/baseline``: what is normal for a camera, and what was not."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from vigil.baselines import service
from vigil.baselines.learning import reset_baselines
from vigil.baselines.schemas import (
    ActivityRow,
    AnomalyRead,
    BaselineConfigRead,
    BaselineConfigUpdate,
    BaselineSummary,
    ClassRow,
    RebuildQueued,
    ResetResult,
)
from vigil.cameras.service import get_camera
from vigil.core.db import SessionDep
from vigil.core.deps import SettingsDep
from vigil.core.errors import responses
from vigil.jobs.service import enqueue

router = APIRouter(prefix="/api/cameras/{camera_id}/baseline", tags=["baselines"])


@router.get("", response_model=BaselineSummary, responses=responses(404))
async def get_summary(
    camera_id: str, session: SessionDep, settings: SettingsDep
) -> BaselineSummary:
    """Hour x weekday heat map, hourly patterns, peak hours, top classes and how the current
    hour compares with what was learned."""
    return await service.summary(session, camera_id, settings)


@router.get("/activity", response_model=list[ActivityRow], responses=responses(404))
async def get_activity(camera_id: str, session: SessionDep) -> list[ActivityRow]:
    """The raw activity rows (up to 168: hour x weekday)."""
    return [ActivityRow.model_validate(r) for r in await service.activity_rows(session, camera_id)]


@router.get("/classes", response_model=list[ClassRow], responses=responses(404))
async def get_classes(
    camera_id: str, session: SessionDep, detection_class: str | None = None
) -> list[ClassRow]:
    """The raw class rows (class x hour of day)."""
    rows = await service.class_rows(session, camera_id, detection_class)
    return [ClassRow.model_validate(r) for r in rows]


@router.get("/anomalies", response_model=list[AnomalyRead], responses=responses(404, 422))
async def get_anomalies(
    camera_id: str,
    session: SessionDep,
    days: int = Query(7, ge=1, le=90),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[AnomalyRead]:
    """Unusual hour slots of the last ``days`` days, newest first."""
    rows = await service.list_anomalies(session, camera_id, days=days, limit=limit, offset=offset)
    return [AnomalyRead.model_validate(r) for r in rows]


@router.get("/config", response_model=BaselineConfigRead, responses=responses(404))
async def get_config(
    camera_id: str, session: SessionDep, settings: SettingsDep
) -> BaselineConfigRead:
    """The camera's anomaly threshold and minimum samples (its own, or the defaults)."""
    return await service.get_config(session, camera_id, settings)


@router.put(
    "/config",
    response_model=BaselineConfigRead,
    responses=responses(404, 422),
    openapi_extra={"x-audit-action": "baseline.config_update", "x-audit-resource": "camera"},
)
async def put_config(
    camera_id: str, data: BaselineConfigUpdate, session: SessionDep, settings: SettingsDep
) -> BaselineConfigRead:
    """Override the threshold and/or minimum samples for this camera (null = default)."""
    return await service.update_config(session, camera_id, data, settings)


@router.delete(
    "",
    response_model=ResetResult,
    responses=responses(404),
    openapi_extra={"x-audit-action": "baseline.reset", "x-audit-resource": "camera"},
)
async def reset(camera_id: str, session: SessionDep) -> ResetResult:
    """Forget everything the camera's baselines learned; learning restarts with the next event
    (or rebuild from history with POST .../rebuild). Recorded anomalies are kept."""
    await get_camera(session, camera_id)
    return ResetResult(**await reset_baselines(session, camera_id))


@router.post(
    "/rebuild",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RebuildQueued,
    responses=responses(404),
    openapi_extra={"x-audit-action": "baseline.rebuild", "x-audit-resource": "camera"},
)
async def rebuild(camera_id: str, session: SessionDep) -> RebuildQueued:
    """Queue a job that relearns the camera's baselines from all its stored detections."""
    await get_camera(session, camera_id)
    job = await enqueue(
        session,
        "baselines.rebuild",
        {"camera_id": camera_id},
        unique_key=f"baselines.rebuild:{camera_id}",
        triggered_by="user",
    )
    return RebuildQueued(job_id=job.id, status=job.status)
