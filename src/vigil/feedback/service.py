"""Event feedback: one per event, validated against the shared vocabulary, folded into the
calibration state in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import Settings
from vigil.core.errors import Conflict, NotFound
from vigil.feedback.calibration import apply_feedback
from vigil.feedback.schemas import FeedbackCreate
from vigil.models import Event, EventFeedback


async def create_feedback(
    session: AsyncSession, data: FeedbackCreate, settings: Settings
) -> EventFeedback:
    event = await session.get(Event, data.event_id)
    if event is None or event.deleted_at is not None:
        raise NotFound(f"event {data.event_id} not found")
    exists = await session.scalar(
        select(EventFeedback.id).where(EventFeedback.event_id == data.event_id)
    )
    if exists is not None:
        raise Conflict(f"event {data.event_id} already has feedback", code="feedback_exists")
    feedback = EventFeedback(**data.model_dump())
    session.add(feedback)
    await session.flush()
    await apply_feedback(
        session,
        event,
        data.feedback_type,
        expected_severity=data.expected_severity,
        suggested_score=data.suggested_score,
        settings=settings,
    )
    await session.refresh(feedback)
    return feedback


async def feedback_for_event(session: AsyncSession, event_id: int) -> EventFeedback:
    row = await session.scalar(select(EventFeedback).where(EventFeedback.event_id == event_id))
    if row is None:
        raise NotFound(f"no feedback for event {event_id}", code="feedback_not_found")
    return row


async def stats(session: AsyncSession) -> dict[str, Any]:
    by_type = dict(
        (
            await session.execute(
                select(EventFeedback.feedback_type, func.count()).group_by(
                    EventFeedback.feedback_type
                )
            )
        ).all()
    )
    is_fp = case((EventFeedback.feedback_type == "false_positive", 1), else_=0)
    per_camera = (
        await session.execute(
            select(Event.camera_id, func.count(), func.sum(is_fp))
            .join(Event, Event.id == EventFeedback.event_id)
            .group_by(Event.camera_id)
            .order_by(Event.camera_id)
        )
    ).all()
    # Object classes: an event lists its classes as "car,person"; count feedback per class.
    by_class: dict[str, dict[str, int]] = {}
    rows = await session.execute(
        select(Event.object_types, EventFeedback.feedback_type).join(
            Event, Event.id == EventFeedback.event_id
        )
    )
    for object_types, feedback_type in rows.all():
        for cls in (object_types or "unknown").split(","):
            counts = by_class.setdefault(cls.strip() or "unknown", {})
            counts[feedback_type] = counts.get(feedback_type, 0) + 1
    return {
        "total": sum(by_type.values()),
        "by_type": {str(k): int(v) for k, v in by_type.items()},
        "by_camera": [
            {
                "camera_id": camera_id,
                "total": int(total),
                "false_positives": int(fps or 0),
                "false_positive_rate": round(int(fps or 0) / int(total), 4) if total else 0.0,
            }
            for camera_id, total, fps in per_camera
        ],
        "by_object_class": by_class,
    }
