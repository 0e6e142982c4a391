from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, status

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import responses
from vigil.core.schemas import Page, StrictModel
from vigil.enrichment.schemas import EnrichmentIn, EnrichmentRead
from vigil.enrichment.service import add_enrichment, get_enrichment
from vigil.events import service
from vigil.events.schemas import (
    DetectionCreate,
    DetectionRead,
    EventCreate,
    EventDetail,
    EventRead,
    EventUpdate,
    IngestRequest,
    IngestResult,
    RiskLevel,
)

router = APIRouter(tags=["events"])


class LinkDetections(StrictModel):
    detection_ids: list[int]


@router.post(
    "/api/ingest",
    status_code=status.HTTP_201_CREATED,
    response_model=IngestResult,
    responses=responses(404, 409, 422),
)
async def ingest(data: IngestRequest, session: SessionDep, settings: SettingsDep) -> IngestResult:
    """Store one event with its detections and enrichment in one transaction."""
    event, detection_ids, pipeline = await service.ingest(session, data, settings)
    return IngestResult(
        event=EventRead.model_validate(event), detection_ids=detection_ids, pipeline=pipeline
    )


@router.post(
    "/api/events",
    status_code=status.HTTP_201_CREATED,
    response_model=IngestResult,
    responses=responses(404, 422),
)
async def create_event(
    data: EventCreate, session: SessionDep, settings: SettingsDep
) -> IngestResult:
    """Create an event from already-stored detections of one camera."""
    event, ids, pipeline = await service.create_event(session, data, settings)
    return IngestResult(event=EventRead.model_validate(event), detection_ids=ids, pipeline=pipeline)


@router.get("/api/events", response_model=Page[EventRead])
async def list_events(
    session: SessionDep,
    camera_id: str | None = None,
    risk_level: RiskLevel | None = None,
    reviewed: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[EventRead]:
    """List events, newest first."""
    rows, total = await service.list_events(
        session,
        camera_id=camera_id,
        risk_level=risk_level,
        reviewed=reviewed,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page(
        items=[EventRead.model_validate(e) for e in rows],
        total=total,
        limit=limit,
        offset=offset,
        has_more=offset + len(rows) < total,
    )


@router.get("/api/events/{event_id}", response_model=EventDetail, responses=responses(404))
async def get_event(event_id: int, session: SessionDep) -> EventDetail:
    """One event with the ids of its detections."""
    event = await service.get_event(session, event_id)
    ids = await service.event_detection_ids(session, event_id)
    return EventDetail.model_validate(
        {
            **EventRead.model_validate(event).model_dump(),
            "llm_prompt": event.llm_prompt,
            "detection_ids": ids,
        }
    )


@router.patch("/api/events/{event_id}", response_model=EventRead, responses=responses(404, 422))
async def update_event(event_id: int, data: EventUpdate, session: SessionDep) -> EventRead:
    """Mark an event reviewed or change its notes."""
    return EventRead.model_validate(await service.update_event(session, event_id, data))


@router.delete("/api/events/{event_id}", response_model=EventRead, responses=responses(404))
async def delete_event(event_id: int, session: SessionDep) -> EventRead:
    """Soft-delete an event."""
    return EventRead.model_validate(await service.soft_delete_event(session, event_id))


@router.get(
    "/api/events/{event_id}/detections",
    response_model=list[DetectionRead],
    responses=responses(404),
)
async def list_event_detections(event_id: int, session: SessionDep) -> list[DetectionRead]:
    """The detections that make up an event."""
    await service.get_event(session, event_id)
    return [
        DetectionRead.model_validate(d) for d in await service.event_detections(session, event_id)
    ]


@router.post(
    "/api/events/{event_id}/detections",
    response_model=list[int],
    responses=responses(404, 422),
)
async def link_detections(event_id: int, data: LinkDetections, session: SessionDep) -> list[int]:
    """Add stored detections of the same camera to an event; returns all its detection ids."""
    return await service.link_detections(session, event_id, data.detection_ids)


@router.post(
    "/api/detections",
    status_code=status.HTTP_201_CREATED,
    response_model=DetectionRead,
    responses=responses(404, 409, 422),
)
async def create_detection(
    data: DetectionCreate, session: SessionDep, settings: SettingsDep
) -> DetectionRead:
    """Store one detection (bbox in pixels of an image of the given size)."""
    return DetectionRead.model_validate(await service.create_detection(session, data, settings))


@router.get("/api/detections", response_model=list[DetectionRead])
async def list_detections(
    session: SessionDep,
    camera_id: str | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[DetectionRead]:
    """List detections, newest first."""
    rows = await service.list_detections(
        session,
        camera_id=camera_id,
        object_type=object_type,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return [DetectionRead.model_validate(d) for d in rows]


@router.get(
    "/api/detections/{detection_id}", response_model=DetectionRead, responses=responses(404)
)
async def get_detection(detection_id: int, session: SessionDep) -> DetectionRead:
    """One detection."""
    return DetectionRead.model_validate(await service.get_detection(session, detection_id))


@router.get(
    "/api/detections/{detection_id}/enrichment",
    response_model=EnrichmentRead,
    responses=responses(404),
)
async def read_enrichment(detection_id: int, session: SessionDep) -> EnrichmentRead:
    """Everything the enrichment models said about a detection."""
    await service.get_detection(session, detection_id)
    return await get_enrichment(session, detection_id)


@router.post(
    "/api/detections/{detection_id}/enrichment",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrichmentRead,
    responses=responses(404, 409, 422),
)
async def add_detection_enrichment(
    detection_id: int, data: EnrichmentIn, session: SessionDep, settings: SettingsDep
) -> EnrichmentRead:
    """Attach enrichment results (pose, threats, demographics, re-ID embedding, action)."""
    await service.get_detection(session, detection_id)
    await add_enrichment(session, detection_id, data, reid_dimension=settings.reid_dimension)
    return await get_enrichment(session, detection_id)
