"""Turning cron schedules into jobs, once per tick however many workers run.

Each worker checks the schedules every few seconds. For each periodic task it takes the most
recent tick and inserts ``(task, tick)`` into ``job_periodic_ticks``; the primary key lets exactly
one worker win, and that worker enqueues the job in the same transaction. A tick older than the
allowed lateness (say the system was down at 03:00) is skipped rather than replayed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from croniter import croniter
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.logging import get_logger
from vigil.jobs.clock import utcnow
from vigil.jobs.registry import PeriodicSpec
from vigil.jobs.service import enqueue
from vigil.models.job import JobPeriodicTick

log = get_logger("jobs")


def latest_tick(cron: str, now: datetime) -> datetime:
    tick: datetime = croniter(cron, now).get_prev(datetime)
    return tick


async def schedule_due(
    db: Database,
    specs: Iterable[PeriodicSpec],
    settings: Settings,
    *,
    max_lateness_seconds: float,
    now: datetime | None = None,
) -> list[str]:
    """Enqueue the current tick of every schedule that has not been enqueued yet; return the new
    job ids (empty when another worker got there first)."""
    now = now or utcnow()
    insert_fn = pg_insert if db.dialect == "postgresql" else sqlite_insert
    created: list[str] = []
    for spec in specs:
        cron = spec.cron_for(settings)
        if not cron:
            continue
        tick = latest_tick(cron, now)
        if (now - tick).total_seconds() > max_lateness_seconds:
            continue
        async with db.transaction() as s:
            won = await s.execute(
                insert_fn(JobPeriodicTick)
                .values(task_name=spec.task_name, tick_at=tick)
                .on_conflict_do_nothing()
                .returning(JobPeriodicTick.task_name)
            )
            if won.first() is None:
                continue
            job = await enqueue(
                s,
                spec.task_name,
                {**spec.payload, "scheduled_for": tick.isoformat()},
                unique_key=f"periodic:{spec.task_name}:{tick.isoformat()}",
            )
            await s.execute(
                update(JobPeriodicTick)
                .where(JobPeriodicTick.task_name == spec.task_name, JobPeriodicTick.tick_at == tick)
                .values(job_id=job.id)
            )
            created.append(job.id)
        log.info("jobs.periodic_enqueued", task=spec.task_name, tick=tick.isoformat())
    return created
