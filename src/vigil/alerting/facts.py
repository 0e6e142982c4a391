"""Gathering what the rules look at for an event: detections, zones and enrichment results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.alerting.engine import (
    ActionFact,
    DetectionFacts,
    EventFacts,
    PoseFact,
    RuleView,
    ThreatFact,
)
from vigil.models import ActionResult, Detection, Event, PoseResult, ThreatDetection


def needs_enrichment(rules: Sequence[RuleView]) -> bool:
    """Enrichment tables are read only when some rule has conditions on them."""
    return any(rule.conditions for rule in rules)


def _stored_zone_ids(detection: Detection) -> tuple[str, ...]:
    # ``detections.zone_ids`` is written by the zones hook at ingest; until a detection has it
    # (older rows, or no zones configured) it simply is in no zone.
    value = getattr(detection, "zone_ids", None)
    return tuple(str(z) for z in value) if value else ()


async def build_facts(
    session: AsyncSession,
    event: Event,
    detections: Sequence[Detection],
    *,
    zones: Mapping[int, Sequence[str]] | None = None,
    with_enrichment: bool = True,
) -> EventFacts:
    """Facts for one event. ``zones`` is the ingest pipeline's detection id -> zone ids map; without
    it (dry runs over stored events) the zone ids stored on each detection are used."""
    facts = EventFacts(
        event_id=event.id,
        camera_id=event.camera_id,
        risk_score=event.risk_score,
        started_at=event.started_at,
        detections=[
            DetectionFacts(
                id=d.id,
                object_type=d.object_type,
                confidence=d.confidence,
                zone_ids=tuple(zones.get(d.id, ())) if zones is not None else _stored_zone_ids(d),
            )
            for d in detections
        ],
    )
    ids = [d.id for d in detections]
    if with_enrichment and ids:
        poses = await session.execute(
            select(PoseResult.detection_id, PoseResult.pose_class, PoseResult.confidence).where(
                PoseResult.detection_id.in_(ids)
            )
        )
        facts.poses = [PoseFact(*row) for row in poses.all()]
        actions = await session.execute(
            select(ActionResult.detection_id, ActionResult.action, ActionResult.confidence).where(
                ActionResult.detection_id.in_(ids)
            )
        )
        facts.actions = [ActionFact(*row) for row in actions.all()]
        threats = await session.execute(
            select(
                ThreatDetection.detection_id,
                ThreatDetection.threat_type,
                ThreatDetection.severity,
                ThreatDetection.confidence,
            ).where(ThreatDetection.detection_id.in_(ids))
        )
        facts.threats = [ThreatFact(*row) for row in threats.all()]
    return facts
