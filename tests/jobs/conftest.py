"""Fixtures for the job-queue tests: fast worker settings and a helper that drains the queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

import tests.jobs.sample_tasks  # noqa: F401  (registers the test tasks)
from vigil.core.config import Settings, load_settings
from vigil.core.db import Database
from vigil.jobs.worker import Worker
from vigil.models import Job


@pytest.fixture
def job_settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        background_tasks=False,
        embedded_worker=False,
        job_poll_interval_seconds=0.2,
        job_sqlite_poll_interval_seconds=0.05,
        job_heartbeat_interval_seconds=0.2,
        job_stall_timeout_seconds=1.0,
        job_retry_base_seconds=0.05,
        job_retry_max_seconds=0.2,
        job_shutdown_grace_seconds=0.5,
        job_cancel_grace_seconds=0.5,
        job_periodic_check_seconds=0.2,
    )


async def drain(
    db: Database, settings: Settings, *, concurrency: int = 1, rounds: int = 50, **kw: object
) -> None:
    """Run a worker until every job is finished (retries included), at most ``rounds`` passes."""
    for _ in range(rounds):
        await Worker(db, settings, concurrency=concurrency, schedule=(), **kw).run(  # type: ignore[arg-type]
            stop_when_idle=True
        )
        async with db.sessionmaker() as s:
            query = select(Job.id).where(Job.status.in_(("queued", "running")))
            if kw.get("queues"):
                query = query.where(Job.queue_name.in_(kw["queues"]))  # type: ignore[arg-type]
            active = await s.scalar(query.limit(1))
        if active is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("jobs still active after draining")
