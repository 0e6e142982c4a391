"""Anomaly scores for a camera's current hour slot (method in docs/scene.md).

For the slot an event falls in, the detections counted so far in that slot (overall and per
class) are compared with the slot's learned rate: the p-value is P(count >= observed) under a
Poisson (or, when the learned counts are over-dispersed, negative-binomial) distribution with
the EWMA mean/variance, and the score is 1 - p. A class never seen at that hour is scored with
the rate floor (half an observation over the slots watched), so after enough quiet days its
first appearance is unlikely. A row is used only once it has ``min_samples`` slots.

The full-hour rate is compared with a partial-hour count, which can only understate how unusual
the count is: scoring early in the hour is conservative (fewer false alarms), never the reverse.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.baselines.learning import dialect_insert
from vigil.baselines.slots import HOUR, slot_key, slot_start, zone
from vigil.baselines.stats import score_from_tail, upper_tail
from vigil.core.config import Settings
from vigil.models import (
    ActivityBaseline,
    BaselineAnomaly,
    BaselineConfig,
    ClassBaseline,
    Detection,
)


def effective_config(config: BaselineConfig | None, settings: Settings) -> tuple[float, int]:
    """(anomaly threshold, min samples) for a camera: its overrides, else the deployment's."""
    threshold = settings.baseline_anomaly_threshold
    min_samples = settings.baseline_min_samples
    if config is not None:
        if config.anomaly_threshold is not None:
            threshold = config.anomaly_threshold
        if config.min_samples is not None:
            min_samples = config.min_samples
    return threshold, min_samples


def _component(
    kind: str, cls: str | None, observed: int, mean: float, variance: float, samples: int
) -> dict[str, Any]:
    p_value = upper_tail(observed, mean, variance, samples)
    return {
        "kind": kind,
        "detection_class": cls,
        "observed_count": observed,
        "expected_count": round(mean, 6),
        "samples": samples,
        "p_value": p_value,
        "score": round(score_from_tail(p_value), 6),
        "unseen": kind == "class" and mean == 0.0,
    }


async def score_slot(
    session: AsyncSession,
    camera_id: str,
    moment: datetime,
    classes: set[str],
    settings: Settings,
    config: BaselineConfig | None,
) -> dict[str, Any]:
    """Score the slot containing ``moment`` for overall activity and for ``classes``."""
    tz = zone(settings.baseline_timezone)
    start = slot_start(moment, tz)
    hour, weekday = slot_key(start, tz)
    threshold, min_samples = effective_config(config, settings)
    # One slot: the database counts per class (a handful of rows) rather than returning every
    # detection of the hour, which grew with the hour's traffic on every ingest.
    counted = await session.execute(
        select(Detection.object_type, func.count())
        .where(
            Detection.camera_id == camera_id,
            Detection.detected_at >= start,
            Detection.detected_at < start + HOUR,
        )
        .group_by(Detection.object_type)
    )
    counts: Counter[str | None] = Counter({cls: int(n) for cls, n in counted.all()})
    components: list[dict[str, Any]] = []

    # The hour's rows of every weekday (at most 7) in one query: this weekday's is the activity
    # row, and their sample counts add up to the slots watched at this hour (the rate floor).
    hour_rows = (
        await session.execute(
            select(
                ActivityBaseline.day_of_week,
                ActivityBaseline.avg_count,
                ActivityBaseline.count_variance,
                ActivityBaseline.sample_count,
            ).where(ActivityBaseline.camera_id == camera_id, ActivityBaseline.hour == hour)
        )
    ).all()
    activity = next((r for r in hour_rows if r.day_of_week == weekday), None)
    if activity is not None and activity.sample_count >= min_samples:
        components.append(
            _component(
                "activity",
                None,
                sum(counts.values()),
                activity.avg_count,
                activity.count_variance,
                activity.sample_count,
            )
        )
    if classes:
        rows = {
            r.detection_class: r
            for r in await session.scalars(
                select(ClassBaseline).where(
                    ClassBaseline.camera_id == camera_id,
                    ClassBaseline.hour == hour,
                    ClassBaseline.detection_class.in_(classes),
                )
            )
        }
        days = sum(r.sample_count for r in hour_rows)
        for cls in sorted(classes):
            row = rows.get(cls)
            if row is not None and row.sample_count >= min_samples:
                components.append(
                    _component(
                        "class",
                        cls,
                        counts.get(cls, 0),
                        row.frequency,
                        row.frequency_variance,
                        row.sample_count,
                    )
                )
            elif row is None and (days or 0) >= min_samples:
                components.append(_component("class", cls, counts.get(cls, 0), 0.0, 0.0, days or 0))
    for c in components:
        c["is_anomalous"] = c["score"] >= threshold
    score = max((c["score"] for c in components), default=None)
    return {
        "score": score,
        "is_anomalous": score is not None and score >= threshold,
        "established": bool(components),
        "threshold": threshold,
        "min_samples": min_samples,
        "slot_start": start.isoformat(),
        "hour": hour,
        "day_of_week": weekday,
        "components": components,
    }


async def record_anomalies(
    session: AsyncSession,
    camera_id: str,
    event_id: int | None,
    result: dict[str, Any],
) -> int:
    """Upsert one anomaly row per unusual (slot, kind, class); a later event in the same slot
    updates it with the larger count so far. Returns the number of rows written."""
    anomalous = [c for c in result["components"] if c["is_anomalous"]]
    if not anomalous:
        return 0
    slot = datetime.fromisoformat(result["slot_start"])
    rows = [
        {
            "camera_id": camera_id,
            "event_id": event_id,
            "slot_start": slot,
            "hour": result["hour"],
            "day_of_week": result["day_of_week"],
            "kind": c["kind"],
            "detection_class": c["detection_class"] or "",
            "observed_count": c["observed_count"],
            "expected_count": c["expected_count"],
            "p_value": c["p_value"],
            "score": c["score"],
        }
        for c in anomalous
    ]
    insert = dialect_insert(session)
    stmt = insert(BaselineAnomaly)
    stmt = stmt.on_conflict_do_update(
        index_elements=["camera_id", "slot_start", "kind", "detection_class"],
        set_={
            "event_id": stmt.excluded.event_id,
            "observed_count": stmt.excluded.observed_count,
            "expected_count": stmt.excluded.expected_count,
            "p_value": stmt.excluded.p_value,
            "score": stmt.excluded.score,
            "updated_at": func.now(),
        },
    )
    await session.execute(stmt, rows)
    return len(rows)
