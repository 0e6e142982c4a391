"""Stores a detection's enrichment results (pose, threats, demographics, re-ID, action)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.errors import Conflict
from vigil.enrichment.schemas import (
    ActionRead,
    DemographicsRead,
    EnrichmentIn,
    EnrichmentRead,
    PoseRead,
    ThreatRead,
)
from vigil.models import (
    ActionResult,
    DemographicsResult,
    PoseResult,
    ReidEmbedding,
    ThreatDetection,
)
from vigil.reid.service import store_embedding

ONE_PER_DETECTION = (
    ("pose", PoseResult),
    ("demographics", DemographicsResult),
    ("reid", ReidEmbedding),
    ("action", ActionResult),
)


async def add_enrichment(
    session: AsyncSession, detection_id: int, data: EnrichmentIn, *, reid_dimension: int
) -> None:
    """Add results to a detection. The 1:1 kinds may be given once; a second one is a 409."""
    for field, model in ONE_PER_DETECTION:
        if getattr(data, field) is None:
            continue
        exists = await session.scalar(select(model.id).where(model.detection_id == detection_id))
        if exists is not None:
            raise Conflict(
                f"detection {detection_id} already has a {field} result", code="enrichment_exists"
            )
    if data.pose:
        session.add(PoseResult(detection_id=detection_id, **data.pose.model_dump()))
    for threat in data.threats:
        session.add(ThreatDetection(detection_id=detection_id, **threat.model_dump()))
    if data.demographics:
        session.add(DemographicsResult(detection_id=detection_id, **data.demographics.model_dump()))
    if data.reid:
        await store_embedding(session, detection_id, data.reid.embedding, reid_dimension)
    if data.action:
        session.add(ActionResult(detection_id=detection_id, **data.action.model_dump()))
    await session.flush()


async def get_enrichment(session: AsyncSession, detection_id: int) -> EnrichmentRead:
    pose = await session.scalar(select(PoseResult).where(PoseResult.detection_id == detection_id))
    threats = (
        await session.scalars(
            select(ThreatDetection)
            .where(ThreatDetection.detection_id == detection_id)
            .order_by(ThreatDetection.id)
        )
    ).all()
    demo = await session.scalar(
        select(DemographicsResult).where(DemographicsResult.detection_id == detection_id)
    )
    action = await session.scalar(
        select(ActionResult).where(ActionResult.detection_id == detection_id)
    )
    reid = await session.scalar(
        select(ReidEmbedding.id).where(ReidEmbedding.detection_id == detection_id)
    )
    return EnrichmentRead(
        pose=PoseRead.model_validate(pose) if pose else None,
        threats=[ThreatRead.model_validate(t) for t in threats],
        demographics=DemographicsRead.model_validate(demo) if demo else None,
        action=ActionRead.model_validate(action) if action else None,
        has_reid_embedding=reid is not None,
    )
