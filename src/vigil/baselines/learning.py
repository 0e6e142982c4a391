"""Learning baselines: fold closed hour slots into the per-camera EWMAs.

A camera's ``baseline_configs.observed_through`` marks how far its history has been folded.
Closing advances it to a later slot boundary: every slot in between — including the ones with
no detection at all — is one observation for its (hour, weekday) activity row and one for each
class row of that hour. Counts come from the ``detections`` table itself (the single source of
truth), so a rebuild from history and the incremental path run the same code.

Concurrency: the camera's config row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
has one writer at a time) before ``observed_through`` is read, so two transactions never fold
the same slot twice; rows are written with INSERT ... ON CONFLICT DO UPDATE.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.baselines.slots import HOUR, iter_slots, slot_key, slot_start, zone
from vigil.baselines.stats import Ewma
from vigil.core.config import Settings
from vigil.core.logging import get_logger
from vigil.models import ActivityBaseline, BaselineConfig, ClassBaseline, Detection

log = get_logger("baselines")

# Detections are read in windows of this size while folding, to bound memory on a rebuild.
FETCH_WINDOW = timedelta(days=7)


def dialect_insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def lock_config(session: AsyncSession, camera_id: str) -> BaselineConfig:
    """The camera's config/state row, created if missing, locked for this transaction.

    The row almost always exists, so it is locked first and the INSERT ... ON CONFLICT DO NOTHING
    (safe against a concurrent creator) runs only when the lock found nothing: one statement per
    ingest instead of two."""
    query = (
        select(BaselineConfig)
        .where(BaselineConfig.camera_id == camera_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = await session.scalar(query)
    if row is None:
        insert = dialect_insert(session)
        await session.execute(
            insert(BaselineConfig).values(camera_id=camera_id).on_conflict_do_nothing()
        )
        row = await session.scalar(query)
    assert row is not None
    return row


async def _first_detection_at(session: AsyncSession, camera_id: str) -> datetime | None:
    value = await session.scalar(
        select(func.min(Detection.detected_at)).where(Detection.camera_id == camera_id)
    )
    if value is not None and value.tzinfo is None:  # SQLite aggregates bypass the column type
        value = value.replace(tzinfo=UTC)
    return value


async def slot_counts(
    session: AsyncSession, camera_id: str, start: datetime, end: datetime, settings: Settings
) -> dict[datetime, Counter[str | None]]:
    """Detections per slot and class (None = no class) in [start, end)."""
    tz = zone(settings.baseline_timezone)
    counts: dict[datetime, Counter[str | None]] = defaultdict(Counter)
    rows = await session.execute(
        select(Detection.detected_at, Detection.object_type).where(
            Detection.camera_id == camera_id,
            Detection.detected_at >= start,
            Detection.detected_at < end,
        )
    )
    for detected_at, object_type in rows:
        counts[slot_start(detected_at, tz)][object_type] += 1
    return counts


class _CameraBaselines:
    """The camera's rows, in memory while slots are folded, then upserted once."""

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        self.activity: dict[tuple[int, int], Ewma] = {}
        self.classes: dict[tuple[str, int], Ewma] = {}
        self.touched_activity: set[tuple[int, int]] = set()
        self.touched_classes: set[tuple[str, int]] = set()
        # hour -> slots of that hour folded so far (all weekdays): a new class's prior zeros.
        self.hour_days: Counter[int] = Counter()

    async def load(self, session: AsyncSession, camera_id: str) -> None:
        for a in await session.scalars(
            select(ActivityBaseline).where(ActivityBaseline.camera_id == camera_id)
        ):
            self.activity[(a.hour, a.day_of_week)] = Ewma(
                a.avg_count, a.count_variance, a.sample_count
            )
        for c in await session.scalars(
            select(ClassBaseline).where(ClassBaseline.camera_id == camera_id)
        ):
            self.classes[(c.detection_class, c.hour)] = Ewma(
                c.frequency, c.frequency_variance, c.sample_count
            )
        for (hour, _), row in self.activity.items():
            self.hour_days[hour] += row.samples

    def fold(self, hour: int, weekday: int, counts: Counter[str | None]) -> None:
        days_before = self.hour_days[hour]
        self.hour_days[hour] += 1
        row = self.activity.setdefault((hour, weekday), Ewma())
        row.update(float(sum(counts.values())), self.alpha)
        self.touched_activity.add((hour, weekday))
        # Known classes at this hour get this slot's count (0 if absent). A class seen here for
        # the first time starts as if it had been 0 in every slot of this hour seen before.
        seen = {c for c in counts if c is not None}
        known = {c for (c, h) in self.classes if h == hour}
        for cls in known | seen:
            if (cls, hour) not in self.classes:
                self.classes[(cls, hour)] = Ewma(0.0, 0.0, days_before)
            self.classes[(cls, hour)].update(float(counts.get(cls, 0)), self.alpha)
            self.touched_classes.add((cls, hour))

    async def save(self, session: AsyncSession, camera_id: str) -> None:
        now = datetime.now(UTC)
        if self.touched_activity:
            await _upsert(
                session,
                ActivityBaseline,
                ["camera_id", "hour", "day_of_week"],
                [
                    {
                        "camera_id": camera_id,
                        "hour": h,
                        "day_of_week": d,
                        "avg_count": self.activity[(h, d)].mean,
                        "count_variance": self.activity[(h, d)].variance,
                        "sample_count": self.activity[(h, d)].samples,
                        "last_updated": now,
                    }
                    for h, d in sorted(self.touched_activity)
                ],
            )
        if self.touched_classes:
            await _upsert(
                session,
                ClassBaseline,
                ["camera_id", "detection_class", "hour"],
                [
                    {
                        "camera_id": camera_id,
                        "detection_class": c,
                        "hour": h,
                        "frequency": self.classes[(c, h)].mean,
                        "frequency_variance": self.classes[(c, h)].variance,
                        "sample_count": self.classes[(c, h)].samples,
                        "last_updated": now,
                    }
                    for c, h in sorted(self.touched_classes)
                ],
            )


async def _upsert(
    session: AsyncSession, model: Any, key: list[str], rows: list[dict[str, Any]]
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE every other column, on either dialect."""
    stmt = dialect_insert(session)(model)
    stmt = stmt.on_conflict_do_update(
        index_elements=key,
        set_={column: stmt.excluded[column] for column in rows[0] if column not in key},
    )
    await session.execute(stmt, rows)


async def close_slots(
    session: AsyncSession,
    camera_id: str,
    clock: datetime,
    settings: Settings,
    *,
    config: BaselineConfig | None = None,
) -> int:
    """Fold every slot of the camera that ended at least the grace period before ``clock``.
    Returns the number of slots folded. ``clock`` is capped at the current time, so a producer's
    wrong (future) timestamp cannot fold hours that have not happened. ``config`` is the camera's
    row if the caller already locked it in this transaction (see ``lock_config``)."""
    tz = zone(settings.baseline_timezone)
    clock = min(clock, datetime.now(UTC))
    through = slot_start(clock - timedelta(seconds=settings.baseline_close_grace_seconds), tz)
    if config is None:
        config = await lock_config(session, camera_id)
    if config.observed_through is None:
        first = await _first_detection_at(session, camera_id)
        if first is None:
            return 0
        config.observed_through = slot_start(first, tz)
    start = config.observed_through
    if through <= start:
        return 0
    baselines = _CameraBaselines(settings.baseline_alpha)
    await baselines.load(session, camera_id)
    folded = 0
    window_start = start
    while window_start < through:
        window_end = min(window_start + FETCH_WINDOW, through)
        counts = await slot_counts(session, camera_id, window_start, window_end, settings)
        for slot in iter_slots(window_start, window_end):
            hour, weekday = slot_key(slot, tz)
            baselines.fold(hour, weekday, counts.get(slot, Counter()))
            folded += 1
        window_start = window_end
    await baselines.save(session, camera_id)
    config.observed_through = through
    await session.flush()
    log.debug("baselines.slots_closed", camera_id=camera_id, slots=folded)
    return folded


async def reset_baselines(session: AsyncSession, camera_id: str) -> dict[str, int]:
    """Forget what the camera's baselines learned (config overrides are kept)."""
    config = await lock_config(session, camera_id)
    activity = await session.execute(
        delete(ActivityBaseline).where(ActivityBaseline.camera_id == camera_id)
    )
    classes = await session.execute(
        delete(ClassBaseline).where(ClassBaseline.camera_id == camera_id)
    )
    config.observed_through = None
    await session.flush()
    return {
        "activity_rows_deleted": activity.rowcount or 0,  # type: ignore[attr-defined]
        "class_rows_deleted": classes.rowcount or 0,  # type: ignore[attr-defined]
    }


async def rebuild(
    session: AsyncSession, camera_id: str, settings: Settings, *, now: datetime | None = None
) -> int:
    """Relearn the camera's baselines from all its stored detections."""
    await reset_baselines(session, camera_id)
    return await close_slots(session, camera_id, now or datetime.now(UTC), settings)


__all__ = [
    "HOUR",
    "close_slots",
    "dialect_insert",
    "lock_config",
    "rebuild",
    "reset_baselines",
    "slot_counts",
]
