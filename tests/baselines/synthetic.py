"""Synthetic camera traffic: Poisson counts per hour slot, written straight to ``detections``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.models import Detection


def day_rate(hour: int) -> float:
    """Busy by day (4 detections an hour), quiet at night (0.5)."""
    return 4.0 if 8 <= hour < 20 else 0.5


def monday_10am(weeks_ago: int) -> datetime:
    now = datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday(), weeks=weeks_ago)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return monday


async def poisson_stream(
    session: AsyncSession,
    camera_id: str,
    start: datetime,
    hours: int,
    *,
    classes: dict[str, float],
    seed: int = 7,
) -> int:
    """Insert detections for ``hours`` hour slots from ``start``; class c in hour h arrives as
    Poisson(day_rate(h) * classes[c]). Returns the number of detections."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(hours):
        slot = start + timedelta(hours=i)
        for cls, share in classes.items():
            for _ in range(int(rng.poisson(day_rate(slot.hour) * share))):
                rows.append(
                    {
                        "camera_id": camera_id,
                        "file_path": "/synthetic.jpg",
                        "object_type": cls,
                        "detected_at": slot + timedelta(seconds=float(rng.uniform(0, 3599))),
                    }
                )
    if rows:
        await session.execute(insert(Detection), rows)
    await session.commit()
    return len(rows)
