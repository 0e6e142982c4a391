"""Reading and configuring a camera's baselines (the API and CLI use these)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.baselines.learning import lock_config, slot_counts
from vigil.baselines.schemas import (
    BaselineConfigRead,
    BaselineConfigUpdate,
    BaselineSummary,
    ClassSummary,
    Deviation,
    HourPattern,
)
from vigil.baselines.scoring import effective_config
from vigil.baselines.slots import HOUR, slot_key, slot_start, zone
from vigil.baselines.stats import interpret_z, score_from_tail, upper_tail, z_score
from vigil.cameras.service import get_camera
from vigil.core.config import Settings
from vigil.models import ActivityBaseline, BaselineAnomaly, BaselineConfig, ClassBaseline


async def activity_rows(session: AsyncSession, camera_id: str) -> Sequence[ActivityBaseline]:
    await get_camera(session, camera_id)
    query = (
        select(ActivityBaseline)
        .where(ActivityBaseline.camera_id == camera_id)
        .order_by(ActivityBaseline.day_of_week, ActivityBaseline.hour)
    )
    return (await session.scalars(query)).all()


async def class_rows(
    session: AsyncSession, camera_id: str, detection_class: str | None = None
) -> Sequence[ClassBaseline]:
    await get_camera(session, camera_id)
    query = select(ClassBaseline).where(ClassBaseline.camera_id == camera_id)
    if detection_class:
        query = query.where(ClassBaseline.detection_class == detection_class)
    query = query.order_by(ClassBaseline.detection_class, ClassBaseline.hour)
    return (await session.scalars(query)).all()


async def list_anomalies(
    session: AsyncSession, camera_id: str, *, days: int = 7, limit: int = 100, offset: int = 0
) -> Sequence[BaselineAnomaly]:
    await get_camera(session, camera_id)
    since = datetime.now(UTC) - timedelta(days=days)
    query = (
        select(BaselineAnomaly)
        .where(BaselineAnomaly.camera_id == camera_id, BaselineAnomaly.slot_start >= since)
        .order_by(BaselineAnomaly.slot_start.desc(), BaselineAnomaly.score.desc())
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(query)).all()


def _config_read(
    camera_id: str, config: BaselineConfig | None, settings: Settings
) -> BaselineConfigRead:
    threshold, min_samples = effective_config(config, settings)
    return BaselineConfigRead(
        camera_id=camera_id,
        anomaly_threshold=threshold,
        min_samples=min_samples,
        threshold_overridden=config is not None and config.anomaly_threshold is not None,
        min_samples_overridden=config is not None and config.min_samples is not None,
        observed_through=config.observed_through if config else None,
    )


async def get_config(
    session: AsyncSession, camera_id: str, settings: Settings
) -> BaselineConfigRead:
    await get_camera(session, camera_id)
    return _config_read(camera_id, await session.get(BaselineConfig, camera_id), settings)


async def update_config(
    session: AsyncSession, camera_id: str, data: BaselineConfigUpdate, settings: Settings
) -> BaselineConfigRead:
    await get_camera(session, camera_id)
    config = await lock_config(session, camera_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(config, field, value)
    await session.flush()
    return _config_read(camera_id, config, settings)


async def current_deviation(
    session: AsyncSession,
    camera_id: str,
    settings: Settings,
    min_samples: int,
    *,
    now: datetime | None = None,
) -> Deviation:
    """How the current hour's count so far compares with the slot's learned rate."""
    tz = zone(settings.baseline_timezone)
    now = now or datetime.now(UTC)
    start = slot_start(now, tz)
    hour, weekday = slot_key(start, tz)
    counts = (await slot_counts(session, camera_id, start, start + HOUR, settings)).get(start)
    observed = sum(counts.values()) if counts else 0
    row = await session.scalar(
        select(ActivityBaseline).where(
            ActivityBaseline.camera_id == camera_id,
            ActivityBaseline.hour == hour,
            ActivityBaseline.day_of_week == weekday,
        )
    )
    if row is None or row.sample_count < min_samples:
        return Deviation(
            slot_start=start,
            hour=hour,
            day_of_week=weekday,
            observed_count=observed,
            expected_count=row.avg_count if row else None,
            expected_so_far=None,
            z_score=None,
            interpretation=None,
            p_value=None,
            score=None,
            established=False,
        )
    # The z-score compares like with like: the count so far against the share of the hour that
    # has passed. The p-value/score are the ingest scoring's (full-hour rate, conservative).
    elapsed = min(1.0, max(1 / 60, (now - start) / HOUR))
    so_far = row.avg_count * elapsed
    z = z_score(observed, so_far, row.count_variance * elapsed, row.sample_count)
    p_value = upper_tail(observed, row.avg_count, row.count_variance, row.sample_count)
    return Deviation(
        slot_start=start,
        hour=hour,
        day_of_week=weekday,
        observed_count=observed,
        expected_count=row.avg_count,
        expected_so_far=round(so_far, 4),
        z_score=round(z, 4),
        interpretation=interpret_z(z),
        p_value=p_value,
        score=score_from_tail(p_value),
        established=True,
    )


async def summary(
    session: AsyncSession, camera_id: str, settings: Settings, *, now: datetime | None = None
) -> BaselineSummary:
    activity = await activity_rows(session, camera_id)
    classes = await class_rows(session, camera_id)
    config = await session.get(BaselineConfig, camera_id)
    config_read = _config_read(camera_id, config, settings)

    heatmap: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    by_hour: dict[int, list[ActivityBaseline]] = defaultdict(list)
    for row in activity:
        heatmap[row.day_of_week][row.hour] = row.avg_count
        by_hour[row.hour].append(row)
    patterns = []
    for hour in range(24):
        rows = by_hour.get(hour, [])
        values = [r.avg_count for r in rows]
        mean = sum(values) / len(values) if values else 0.0
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) if values else 0.0
        patterns.append(
            HourPattern(hour=hour, mean=mean, std=std, samples=sum(r.sample_count for r in rows))
        )
    peak_hours = [p.hour for p in sorted(patterns, key=lambda p: (-p.mean, p.hour)) if p.mean > 0]

    per_class: dict[str, list[ClassBaseline]] = defaultdict(list)
    for c in classes:
        per_class[c.detection_class].append(c)
    top = [
        ClassSummary(
            detection_class=name,
            expected_per_day=sum(r.frequency for r in rows),
            peak_hour=max(rows, key=lambda r: (r.frequency, -r.hour)).hour,
            samples=sum(r.sample_count for r in rows),
        )
        for name, rows in per_class.items()
    ]
    top.sort(key=lambda c: (-c.expected_per_day, c.detection_class))
    return BaselineSummary(
        camera_id=camera_id,
        timezone=settings.baseline_timezone,
        established=any(r.sample_count >= config_read.min_samples for r in activity),
        observed_through=config_read.observed_through,
        data_points=len(activity) + len(classes),
        config=config_read,
        heatmap=heatmap,
        hourly_patterns=patterns,
        peak_hours=peak_hours[:3],
        top_classes=top[:10],
        current_deviation=await current_deviation(
            session, camera_id, settings, config_read.min_samples, now=now
        ),
    )
