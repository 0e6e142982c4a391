"""Events: filtered list, and a detail page with detections (boxes drawn over the camera's zones),
enrichment results, alerts raised, and feedback buttons (``POST /api/feedback``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep
from vigil.core.errors import NotFound
from vigil.models import (
    ActionResult,
    Alert,
    CameraZone,
    DemographicsResult,
    Detection,
    Event,
    EventDetection,
    EventFeedback,
    PoseResult,
    ReidEmbedding,
    ThreatDetection,
)
from vigil.models.event import RISK_LEVELS
from vigil.models.event_feedback import FEEDBACK_TYPES, SEVERITIES
from vigil.web.pages.cameras import camera_names
from vigil.web.render import render

router = APIRouter()
PAGE_SIZE = 50


@dataclass
class EventFilters:
    camera_id: str | None = None
    risk_level: str | None = None
    object_type: str | None = None
    reviewed: str | None = None
    offset: int = 0

    def query_string(self, **changes: Any) -> str:
        values = {**self.__dict__, **changes}
        return "&".join(f"{k}={v}" for k, v in values.items() if v not in (None, ""))


def _filtered(query: Select[Any], f: EventFilters) -> Select[Any]:
    query = query.where(Event.deleted_at.is_(None))
    if f.camera_id:
        query = query.where(Event.camera_id == f.camera_id)
    if f.risk_level in RISK_LEVELS:
        query = query.where(Event.risk_level == f.risk_level)
    if f.object_type:
        # object_types is the event's sorted, comma-joined class list
        query = query.where(Event.object_types.contains(f.object_type))
    if f.reviewed in ("yes", "no"):
        query = query.where(Event.reviewed.is_(f.reviewed == "yes"))
    return query


async def list_events(session: AsyncSession, f: EventFilters) -> tuple[list[Event], int]:
    total = await session.scalar(_filtered(select(func.count()).select_from(Event), f))
    rows = await session.scalars(
        _filtered(select(Event), f)
        .order_by(Event.started_at.desc(), Event.id.desc())
        .limit(PAGE_SIZE)
        .offset(f.offset)
    )
    return list(rows.all()), total or 0


@dataclass
class DetectionView:
    row: Detection
    pose: PoseResult | None = None
    demographics: DemographicsResult | None = None
    action: ActionResult | None = None
    threats: list[ThreatDetection] = field(default_factory=list)
    has_reid: bool = False

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        """The bbox normalised by the detection's own image size (for drawing)."""
        d = self.row
        if None in (d.bbox_x, d.bbox_y, d.bbox_width, d.bbox_height) or not (
            d.image_width and d.image_height
        ):
            return None
        assert d.bbox_x is not None and d.bbox_y is not None
        assert d.bbox_width is not None and d.bbox_height is not None
        return (
            d.bbox_x / d.image_width,
            d.bbox_y / d.image_height,
            d.bbox_width / d.image_width,
            d.bbox_height / d.image_height,
        )


async def event_detections(session: AsyncSession, event_id: int) -> list[DetectionView]:
    detections = (
        await session.scalars(
            select(Detection)
            .join(EventDetection, EventDetection.detection_id == Detection.id)
            .where(EventDetection.event_id == event_id)
            .order_by(Detection.detected_at, Detection.id)
        )
    ).all()
    views = {d.id: DetectionView(d) for d in detections}
    ids = list(views)
    if not ids:
        return []
    for pose in await session.scalars(select(PoseResult).where(PoseResult.detection_id.in_(ids))):
        views[pose.detection_id].pose = pose
    for demo in await session.scalars(
        select(DemographicsResult).where(DemographicsResult.detection_id.in_(ids))
    ):
        views[demo.detection_id].demographics = demo
    for action in await session.scalars(
        select(ActionResult).where(ActionResult.detection_id.in_(ids))
    ):
        views[action.detection_id].action = action
    threats: dict[int, list[ThreatDetection]] = defaultdict(list)
    for threat in await session.scalars(
        select(ThreatDetection).where(ThreatDetection.detection_id.in_(ids))
    ):
        threats[threat.detection_id].append(threat)
    for det_id, items in threats.items():
        views[det_id].threats = items
    for det_id in await session.scalars(
        select(ReidEmbedding.detection_id).where(ReidEmbedding.detection_id.in_(ids))
    ):
        views[det_id].has_reid = True
    return list(views.values())


@router.get("/events", response_class=HTMLResponse)
async def events_page(
    request: Request,
    session: SessionDep,
    camera_id: str | None = None,
    risk_level: str | None = None,
    object_type: str | None = Query(None, max_length=50),
    reviewed: str | None = None,
    offset: int = Query(0, ge=0),
) -> HTMLResponse:
    f = EventFilters(
        camera_id or None, risk_level or None, object_type or None, reviewed or None, offset
    )
    events, total = await list_events(session, f)
    return render(
        request,
        "pages/events.html",
        {
            "title": "Events",
            "events": events,
            "total": total,
            "f": f,
            "page_size": PAGE_SIZE,
            "camera_names": await camera_names(session),
            "risk_levels": RISK_LEVELS,
        },
    )


@router.get("/events/{event_id}", response_class=HTMLResponse)
async def event_page(request: Request, event_id: int, session: SessionDep) -> HTMLResponse:
    event = await session.get(Event, event_id)
    if event is None or event.deleted_at is not None:
        raise NotFound(f"event {event_id} not found", code="event_not_found")
    zones = (
        await session.scalars(
            select(CameraZone)
            .where(CameraZone.camera_id == event.camera_id)
            .order_by(CameraZone.priority.desc())
        )
    ).all()
    alerts = (
        await session.scalars(
            select(Alert).where(Alert.event_id == event_id).order_by(Alert.created_at)
        )
    ).all()
    feedback = await session.scalar(select(EventFeedback).where(EventFeedback.event_id == event_id))
    return render(
        request,
        "pages/event.html",
        {
            "title": f"Event #{event.id}",
            "event": event,
            "detections": await event_detections(session, event_id),
            "zones": zones,
            "zone_names": {z.id: z.name for z in zones},
            "alerts": alerts,
            "feedback": feedback,
            "feedback_types": FEEDBACK_TYPES,
            "severities": SEVERITIES,
            "camera_names": await camera_names(session),
        },
    )
