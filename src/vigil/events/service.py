"""Ingest and read events and detections. Services flush; the request or job commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.cameras.service import get_camera, touch_camera
from vigil.core.config import Settings
from vigil.core.errors import Conflict, InvalidInput, NotFound
from vigil.enrichment.service import add_enrichment
from vigil.events.pipeline import IngestedEvent, run_ingest_pipeline
from vigil.events.schemas import (
    DetectionCreate,
    DetectionFields,
    EventCreate,
    EventFields,
    EventUpdate,
    IngestRequest,
)
from vigil.models import Detection, Event, EventDetection


def risk_level_for(score: int | None, settings: Settings) -> str | None:
    """Severity band of a risk score: low ≤ low_max < medium ≤ medium_max < high ≤ high_max <
    critical (defaults 29 / 59 / 84)."""
    if score is None:
        return None
    if score <= settings.severity_low_max:
        return "low"
    if score <= settings.severity_medium_max:
        return "medium"
    if score <= settings.severity_high_max:
        return "high"
    return "critical"


def _detection_row(camera_id: str, data: DetectionFields) -> Detection:
    fields = data.model_dump(exclude={"bbox", "enrichment", "detected_at", "camera_id"})
    row = Detection(camera_id=camera_id, **fields)
    row.detected_at = data.detected_at or datetime.now(UTC)
    if data.bbox is not None:
        row.bbox_x, row.bbox_y = data.bbox.x, data.bbox.y
        row.bbox_width, row.bbox_height = data.bbox.width, data.bbox.height
    return row


async def create_detection(
    session: AsyncSession, data: DetectionCreate, settings: Settings
) -> Detection:
    camera = await get_camera(session, data.camera_id)
    row = _detection_row(camera.id, data)
    session.add(row)
    await session.flush()
    if data.enrichment is not None:
        await add_enrichment(
            session, row.id, data.enrichment, reid_dimension=settings.reid_dimension
        )
    await touch_camera(session, camera, row.detected_at)
    await session.flush()
    return row


async def get_detection(session: AsyncSession, detection_id: int) -> Detection:
    row = await session.get(Detection, detection_id)
    if row is None:
        raise NotFound(f"detection {detection_id} not found", code="detection_not_found")
    return row


async def list_detections(
    session: AsyncSession,
    *,
    camera_id: str | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Detection]:
    query = select(Detection)
    if camera_id:
        query = query.where(Detection.camera_id == camera_id)
    if object_type:
        query = query.where(Detection.object_type == object_type)
    if since:
        query = query.where(Detection.detected_at >= since)
    if until:
        query = query.where(Detection.detected_at <= until)
    query = query.order_by(Detection.detected_at.desc(), Detection.id.desc())
    return (await session.scalars(query.limit(limit).offset(offset))).all()


def _object_types(detections: Sequence[Detection]) -> str | None:
    types = sorted({d.object_type for d in detections if d.object_type})
    return ",".join(types) or None


async def _new_event(
    session: AsyncSession,
    camera_id: str,
    data: EventFields,
    settings: Settings,
    detections: Sequence[Detection] = (),
    *,
    flush: bool = True,
) -> Event:
    event = Event(
        camera_id=camera_id,
        batch_id=data.batch_id or uuid.uuid4().hex,
        started_at=data.started_at,
        ended_at=data.ended_at,
        risk_score=data.risk_score,
        risk_level=risk_level_for(data.risk_score, settings),
        summary=data.summary,
        reasoning=data.reasoning,
        llm_prompt=data.llm_prompt,
        is_fast_path=data.is_fast_path,
        clip_path=data.clip_path,
        # Known before the INSERT, so it is part of it (not a second UPDATE after linking).
        object_types=_object_types(detections),
    )
    session.add(event)
    if flush:
        await session.flush()
    return event


async def _link(session: AsyncSession, event: Event, detections: Sequence[Detection]) -> None:
    session.add_all(EventDetection(event_id=event.id, detection_id=d.id) for d in detections)
    object_types = _object_types(detections)
    if event.object_types != object_types:
        event.object_types = object_types
    await session.flush()


async def _finish(
    session: AsyncSession,
    event: Event,
    detections: list[Detection],
    settings: Settings,
    *,
    fresh_unenriched: bool = False,
) -> dict[str, Any]:
    ingested = IngestedEvent(event, detections, settings, fresh_unenriched=fresh_unenriched)
    results = await run_ingest_pipeline(session, ingested)
    await session.flush()
    # Server defaults come back with the INSERT (RETURNING); reload only what a flush expired,
    # instead of re-reading the whole row on every ingest.
    if inspect(event).expired_attributes:
        await session.refresh(event)
    return results


async def create_event(
    session: AsyncSession, data: EventCreate, settings: Settings
) -> tuple[Event, list[int], dict[str, Any]]:
    """Store an event linking already-stored detections of the same camera, then run the
    ingest pipeline (zones, baselines, quality audit, alert rules) in the same transaction."""
    camera = await get_camera(session, data.camera_id)
    ids = list(dict.fromkeys(data.detection_ids))
    detections: list[Detection] = []
    if ids:
        found = (await session.scalars(select(Detection).where(Detection.id.in_(ids)))).all()
        by_id = {d.id: d for d in found}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise NotFound(f"detections not found: {missing}", code="detection_not_found")
        foreign = [i for i in ids if by_id[i].camera_id != camera.id]
        if foreign:
            raise InvalidInput(f"detections {foreign} belong to another camera")
        detections = [by_id[i] for i in ids]
    event = await _new_event(session, camera.id, data, settings, detections)
    await _link(session, event, detections)
    await touch_camera(session, camera, data.ended_at or data.started_at)
    results = await _finish(session, event, detections, settings)
    return event, ids, results


async def ingest(
    session: AsyncSession, data: IngestRequest, settings: Settings
) -> tuple[Event, list[int], dict[str, Any]]:
    """One event with its detections and enrichment, all or nothing."""
    camera = await get_camera(session, data.camera_id)
    if data.batch_id is not None:
        clash = await session.scalar(
            select(Event.id).where(Event.batch_id == data.batch_id, Event.camera_id == camera.id)
        )
        if clash is not None:
            raise Conflict(
                f"batch {data.batch_id!r} was already ingested as event {clash}",
                code="duplicate_batch",
            )
    detections: list[Detection] = []
    for item in data.detections:
        row = _detection_row(camera.id, item)
        row.detected_at = item.detected_at or data.started_at
        session.add(row)
        detections.append(row)
    # The event does not depend on the detections' ids: both INSERTs go in one flush.
    event = await _new_event(session, camera.id, data, settings, detections, flush=False)
    await session.flush()
    for item, row in zip(data.detections, detections, strict=True):
        if item.enrichment is not None:
            await add_enrichment(
                session, row.id, item.enrichment, reid_dimension=settings.reid_dimension
            )
    await _link(session, event, detections)
    await touch_camera(session, camera, data.ended_at or data.started_at)
    unenriched = all(item.enrichment is None for item in data.detections)
    results = await _finish(session, event, detections, settings, fresh_unenriched=unenriched)
    return event, [d.id for d in detections], results


async def link_detections(
    session: AsyncSession, event_id: int, detection_ids: list[int]
) -> list[int]:
    event = await get_event(session, event_id)
    current = set(await event_detection_ids(session, event_id))
    new_ids = [i for i in dict.fromkeys(detection_ids) if i not in current]
    found = (await session.scalars(select(Detection).where(Detection.id.in_(new_ids)))).all()
    by_id = {d.id: d for d in found}
    missing = [i for i in new_ids if i not in by_id]
    if missing:
        raise NotFound(f"detections not found: {missing}", code="detection_not_found")
    if any(by_id[i].camera_id != event.camera_id for i in new_ids):
        raise InvalidInput("detections must belong to the event's camera")
    for i in new_ids:
        session.add(EventDetection(event_id=event.id, detection_id=i))
    await session.flush()
    all_ids = await event_detection_ids(session, event_id)
    all_rows = (await session.scalars(select(Detection).where(Detection.id.in_(all_ids)))).all()
    event.object_types = _object_types(all_rows)
    await session.flush()
    return all_ids


async def get_event(session: AsyncSession, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.deleted_at is not None:
        raise NotFound(f"event {event_id} not found", code="event_not_found")
    return event


async def event_detection_ids(session: AsyncSession, event_id: int) -> list[int]:
    rows = await session.scalars(
        select(EventDetection.detection_id)
        .where(EventDetection.event_id == event_id)
        .order_by(EventDetection.detection_id)
    )
    return list(rows.all())


async def event_detections(session: AsyncSession, event_id: int) -> list[Detection]:
    rows = await session.scalars(
        select(Detection)
        .join(EventDetection, EventDetection.detection_id == Detection.id)
        .where(EventDetection.event_id == event_id)
        .order_by(Detection.id)
    )
    return list(rows.all())


async def list_events(
    session: AsyncSession,
    *,
    camera_id: str | None = None,
    risk_level: str | None = None,
    reviewed: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Event], int]:
    query = select(Event).where(Event.deleted_at.is_(None))
    if camera_id:
        query = query.where(Event.camera_id == camera_id)
    if risk_level:
        query = query.where(Event.risk_level == risk_level)
    if reviewed is not None:
        query = query.where(Event.reviewed.is_(reviewed))
    if since:
        query = query.where(Event.started_at >= since)
    if until:
        query = query.where(Event.started_at <= until)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(Event.started_at.desc(), Event.id.desc()).limit(limit).offset(offset)
    )
    return rows.all(), total


async def update_event(session: AsyncSession, event_id: int, data: EventUpdate) -> Event:
    event = await get_event(session, event_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if field == "reviewed" and value is None:
            continue
        setattr(event, field, value)
    await session.flush()
    return event


async def soft_delete_event(session: AsyncSession, event_id: int) -> Event:
    event = await get_event(session, event_id)
    event.deleted_at = datetime.now(UTC)
    await session.flush()
    return event
