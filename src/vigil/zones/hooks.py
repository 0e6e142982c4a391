"""Ingest hook: tag each detection with the zones its anchor point is in (see docs/scene.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vigil.events.pipeline import IngestedEvent
from vigil.zones.service import assign_zones


async def on_event_ingested(session: AsyncSession, ingested: IngestedEvent) -> None:
    """Store ``detections.zone_ids`` and fill ``ingested.detection_zones`` for the hooks after
    this one (alert rules with ``zone_ids``). Detections without a bbox or image size get no
    entry: their membership is unknown, not "outside every zone"."""
    zones = await assign_zones(
        session,
        ingested.event.camera_id,
        ingested.detections,
        anchor=ingested.settings.zone_anchor,
    )
    ingested.detection_zones.update(zones)
