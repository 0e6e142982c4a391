"""Ingest hook: learn from the event's camera and score the event against its baseline."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vigil.baselines.learning import close_slots, lock_config
from vigil.baselines.scoring import record_anomalies, score_slot
from vigil.events.pipeline import IngestedEvent


async def on_event_ingested(session: AsyncSession, ingested: IngestedEvent) -> None:
    """Close the camera's finished hour slots (the event's time is the clock), then score the
    slot the event is in. Sets ``events.anomaly_score`` and ``results["anomaly"]`` (for alert
    rules and the LLM context); unusual slots are recorded in ``baseline_anomalies``."""
    event, settings = ingested.event, ingested.settings
    times = [d.detected_at for d in ingested.detections] or [event.started_at]
    clock = max(times)
    # Locked once for both steps: the lock is held to the end of the transaction anyway.
    config = await lock_config(session, event.camera_id)
    await close_slots(session, event.camera_id, clock, settings, config=config)
    if not ingested.detections:
        ingested.results["anomaly"] = None
        return
    classes = {d.object_type for d in ingested.detections if d.object_type}
    result = await score_slot(session, event.camera_id, clock, classes, settings, config)
    event.anomaly_score = result["score"]
    await record_anomalies(session, event.camera_id, event.id, result)
    await session.flush()
    ingested.results["anomaly"] = result
