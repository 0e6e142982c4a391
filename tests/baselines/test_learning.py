"""Baselines measure real rates: the EWMA converges to a synthetic Poisson stream's rate and
falls once activity stops; rebuild from history gives the same answer as incremental closing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.baselines.synthetic import day_rate, monday_10am, poisson_stream
from tests.factories import make_camera
from vigil.baselines.learning import close_slots, rebuild
from vigil.baselines.slots import iter_slots, slot_key, slot_start, zone
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.models import ActivityBaseline, BaselineConfig, ClassBaseline

WEEKS = 6
HOURS = WEEKS * 7 * 24


async def _rows(session: AsyncSession) -> tuple[dict, dict]:
    activity = {(r.hour, r.day_of_week): r for r in await session.scalars(select(ActivityBaseline))}
    classes = {(r.detection_class, r.hour): r for r in await session.scalars(select(ClassBaseline))}
    return activity, classes


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


async def test_ewma_converges_to_rate_and_falls_when_activity_stops(
    session: AsyncSession, settings: Settings
) -> None:
    await make_camera(session, "Yard")
    start = monday_10am(weeks_ago=WEEKS + 5)
    await poisson_stream(session, "yard", start, HOURS, classes={"person": 0.75, "car": 0.25})
    folded = await close_slots(
        session, "yard", start + timedelta(hours=HOURS, minutes=10), settings
    )
    await session.commit()
    assert folded == HOURS

    activity, classes = await _rows(session)
    assert len(activity) == 168
    assert {r.sample_count for r in activity.values()} == {WEEKS}
    day = [r.avg_count for (h, _), r in activity.items() if day_rate(h) == 4.0]
    night = [r.avg_count for (h, _), r in activity.items() if day_rate(h) == 0.5]
    # Means over 84 rows of 6 Poisson samples each: standard error ~0.09 (day), ~0.03 (night).
    assert _mean(day) == pytest.approx(4.0, abs=0.35)
    assert _mean(night) == pytest.approx(0.5, abs=0.15)
    # Poisson traffic: the learned variance is about the mean (population variance of 6 values).
    assert _mean([r.count_variance for (h, _), r in activity.items() if day_rate(h) == 4.0]) == (
        pytest.approx(4.0 * 5 / 6, rel=0.35)
    )
    # Class rows are per hour of day (all weekdays): 42 slots each, EWMA alpha 0.1.
    assert classes[("person", 12)].sample_count == WEEKS * 7
    person_day = [r.frequency for (c, h), r in classes.items() if c == "person" and 8 <= h < 20]
    car_day = [r.frequency for (c, h), r in classes.items() if c == "car" and 8 <= h < 20]
    assert _mean(person_day) == pytest.approx(3.0, abs=0.4)
    assert _mean(car_day) == pytest.approx(1.0, abs=0.25)

    # Four silent weeks: every slot is folded as a zero, and the learned rates fall.
    before = {k: r.avg_count for k, r in activity.items()}
    before_person = {k: r.frequency for k, r in classes.items()}
    end = start + timedelta(hours=HOURS + 4 * 168, minutes=10)
    assert await close_slots(session, "yard", end, settings) == 4 * 168
    await session.commit()
    session.expire_all()
    activity, classes = await _rows(session)
    assert {r.sample_count for r in activity.values()} == {WEEKS + 4}
    for key, row in activity.items():
        assert row.avg_count <= before[key]
    assert _mean([r.avg_count for (h, _), r in activity.items() if day_rate(h) == 4.0]) < (
        0.7 * _mean(day)
    )
    for key, row in classes.items():
        assert row.frequency < 0.1 * before_person[key] + 1e-12 or row.frequency < 0.05
    config = await session.get(BaselineConfig, "yard")
    assert config is not None and config.observed_through is not None


async def test_rebuild_matches_incremental(session: AsyncSession, settings: Settings) -> None:
    await make_camera(session, "Yard")
    start = monday_10am(weeks_ago=3)
    await poisson_stream(session, "yard", start, 7 * 24, classes={"person": 1.0}, seed=3)
    clock = start + timedelta(days=7, minutes=10)
    # Incrementally, a few hours at a time ...
    for hours in range(5, 7 * 24, 13):
        await close_slots(session, "yard", start + timedelta(hours=hours, minutes=10), settings)
    await close_slots(session, "yard", clock, settings)
    await session.commit()
    incremental = {k: (r.avg_count, r.sample_count) for k, r in (await _rows(session))[0].items()}
    # ... and in one go from history.
    await rebuild(session, "yard", settings, now=clock)
    await session.commit()
    session.expire_all()
    rebuilt = {k: (r.avg_count, r.sample_count) for k, r in (await _rows(session))[0].items()}
    assert rebuilt.keys() == incremental.keys()
    for key, (avg, n) in rebuilt.items():
        assert n == incremental[key][1]
        assert avg == pytest.approx(incremental[key][0])


async def test_concurrent_closers_fold_each_slot_once(
    db: Database, session: AsyncSession, settings: Settings
) -> None:
    await make_camera(session, "Yard")
    start = monday_10am(weeks_ago=3)
    await poisson_stream(session, "yard", start, 2 * 168, classes={"person": 1.0}, seed=5)
    clock = start + timedelta(weeks=2, minutes=10)

    async def closer() -> int:
        async with db.transaction() as s:
            return await close_slots(s, "yard", clock, settings)

    results = await asyncio.gather(*(closer() for _ in range(4)))
    assert sorted(results) == [0, 0, 0, 2 * 168]
    activity, _ = await _rows(session)
    assert {r.sample_count for r in activity.values()} == {2}


def test_slots_follow_local_time_across_daylight_saving() -> None:
    berlin = zone("Europe/Berlin")
    # 2026-10-25: clocks go back at 03:00 CEST -> 02:00 CET; the 02:00 local hour happens twice.
    start = slot_start(datetime(2026, 10, 24, 23, 30, tzinfo=UTC), berlin)  # 01:00 CEST
    keys = [slot_key(s, berlin) for s in iter_slots(start, start + timedelta(hours=4))]
    assert keys == [(1, 6), (2, 6), (2, 6), (3, 6)]
    # Half-hour offsets: a local hour in India starts at :30 UTC.
    kolkata = zone("Asia/Kolkata")
    assert slot_start(datetime(2026, 1, 1, 4, 45, tzinfo=UTC), kolkata) == datetime(
        2026, 1, 1, 4, 30, tzinfo=UTC
    )
