"""Ingest hook: a partial quality audit for every event (no LLM call).

Which of the twelve model outputs the event's prompt could draw on, from the event's detections
(their enrichment rows and ``enrichment_data`` keys) and what earlier hooks found (zones,
baseline), plus the prompt's size. ``enrichment_utilization`` = true flags / 12.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.events.pipeline import IngestedEvent
from vigil.models import Detection, Event, EventAudit, ReidEmbedding, ThreatDetection
from vigil.models.event_audit import MODEL_FLAGS

# enrichment_data keys (on any of the event's detections) that show a model's output was there.
ENRICHMENT_KEYS: dict[str, tuple[str, ...]] = {
    "has_florence": ("florence", "vision_extraction", "caption"),
    "has_clip": ("clip", "reid_matches", "person_reid", "vehicle_reid"),
    "has_violence": ("violence",),
    "has_clothing": ("clothing",),
    "has_vehicle": ("vehicle", "vehicle_classification", "vehicle_damage"),
    "has_pet": ("pet",),
    "has_weather": ("weather",),
    "has_image_quality": ("image_quality",),
    "has_zones": ("zones",),
    "has_baseline": ("baseline", "anomaly"),
    "has_cross_camera": ("cross_camera",),
}
TOKENS_PER_CHAR = 4


def _keys(detections: Iterable[Detection]) -> set[str]:
    found: set[str] = set()
    for det in detections:
        data: dict[str, Any] = det.enrichment_data or {}
        found.update(k for k, v in data.items() if v not in (None, {}, [], ""))
    return found


async def compute_flags(
    session: AsyncSession,
    event: Event,
    detections: list[Detection],
    *,
    zone_hits: bool = False,
    pipeline_results: dict[str, Any] | None = None,
    fresh_unenriched: bool = False,
) -> dict[str, bool]:
    ids = [d.id for d in detections]
    keys = _keys(detections)
    flags = {flag: False for flag in MODEL_FLAGS}
    flags["has_yolo26"] = bool(detections)  # the detector produced the event's detections
    for flag, names in ENRICHMENT_KEYS.items():
        flags[flag] = any(name in keys for name in names)
    # Detections this ingest just created without enrichment cannot have re-id or threat rows.
    if ids and not fresh_unenriched:
        # Both lookups in one round trip (two EXISTS in one SELECT).
        has_clip, has_violence = (
            await session.execute(
                select(
                    exists().where(ReidEmbedding.detection_id.in_(ids)),
                    exists().where(ThreatDetection.detection_id.in_(ids)),
                )
            )
        ).one()
        if has_clip:
            flags["has_clip"] = True
        if has_violence:
            flags["has_violence"] = True
    flags["has_zones"] = flags["has_zones"] or zone_hits
    results = pipeline_results or {}
    if any(("baseline" in k or "anomaly" in k) and v is not None for k, v in results.items()):
        flags["has_baseline"] = True
    return flags


def partial_fields(event: Event, flags: dict[str, bool]) -> dict[str, Any]:
    prompt = event.llm_prompt or ""
    return {
        **flags,
        "prompt_length": len(prompt),
        "prompt_token_estimate": len(prompt) // TOKENS_PER_CHAR,
        "enrichment_utilization": sum(flags.values()) / len(MODEL_FLAGS),
    }


async def on_event_ingested(session: AsyncSession, ingested: IngestedEvent) -> None:
    flags = await compute_flags(
        session,
        ingested.event,
        ingested.detections,
        zone_hits=any(ingested.detection_zones.values()),
        pipeline_results=ingested.results,
        fresh_unenriched=ingested.fresh_unenriched,
    )
    fields = partial_fields(ingested.event, flags)
    session.add(EventAudit(event_id=ingested.event.id, **fields))
    await session.flush()
    ingested.results["quality"] = {
        "enrichment_utilization": round(fields["enrichment_utilization"], 4),
        "models_present": [f.removeprefix("has_") for f in MODEL_FLAGS if flags[f]],
    }
