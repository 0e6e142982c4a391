"""A worker outlives PostgreSQL going away: claims, heartbeats and LISTEN fail, are logged and
retried with backoff, and the worker picks work up again once the database is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.pg_server import PostgresServer
from vigil.core.config import Settings, load_settings
from vigil.core.db import Database
from vigil.jobs.service import enqueue
from vigil.jobs.worker import Worker
from vigil.migrations import upgrade
from vigil.models import Job
from vigil.models.job import JobWorker


@pytest.fixture(scope="module")
def pg(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    if "postgresql" not in request.config.getoption("--backends"):
        pytest.skip("PostgreSQL not among --backends")
    server = PostgresServer(durable=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def outage_db(pg: PostgresServer, tmp_path: Path) -> AsyncIterator[tuple[Database, Settings]]:
    settings = load_settings(
        database_url=pg.url(),
        data_dir=tmp_path,
        background_tasks=False,
        embedded_worker=False,
        job_poll_interval_seconds=0.2,
        job_heartbeat_interval_seconds=0.2,
        job_shutdown_grace_seconds=0.5,
        db_connect_timeout_seconds=2,
        db_pool_timeout_seconds=2,
    )
    await upgrade(settings.async_database_url)
    db = Database.from_settings(settings)
    try:
        yield db, settings
    finally:
        await db.dispose()


async def _completed(db: Database, timeout: float, wanted: int = 2) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            async with db.sessionmaker() as s:
                done = int(
                    await s.scalar(select(func.count()).where(Job.status == "completed")) or 0
                )
            if done >= wanted or loop.time() > deadline:
                return done
        except Exception:
            if loop.time() > deadline:
                raise
        await asyncio.sleep(0.2)


async def _enqueue(db: Database, n: int) -> None:
    async with db.transaction() as s:
        await enqueue(s, "test.record", {"n": n})


async def _status(db: Database, job_id: str) -> str | None:
    try:
        async with db.sessionmaker() as s:
            return await s.scalar(select(Job.status).where(Job.id == job_id))
    except Exception:
        return None  # still unreachable


async def _wait_status(db: Database, job_id: str, wanted: set[str], timeout: float) -> str | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    status = await _status(db, job_id)
    while status not in wanted and loop.time() < deadline:
        await asyncio.sleep(0.2)
        status = await _status(db, job_id)
    return status


async def test_worker_survives_postgres_restart(
    pg: PostgresServer, outage_db: tuple[Database, Settings]
) -> None:
    """A job that ends while the database is down (longer than the old 5 finishing tries
    lasted) is recorded once it is back, instead of staying ``running`` forever under a live
    worker; the worker never exits and takes new work afterwards."""
    db, settings = outage_db
    worker = Worker(db, settings, schedule=())
    task = asyncio.create_task(worker.run())
    try:
        async with db.transaction() as s:
            job = await enqueue(s, "test.sleep", {"steps": 2, "step_seconds": 0.5})
        assert await _wait_status(db, job.id, {"running"}, 10) == "running"
        await asyncio.to_thread(pg.halt, "immediate")
        await asyncio.sleep(9)  # claims, heartbeats and the job's own writes fail meanwhile
        assert not task.done(), task.exception() if task.done() else None
        await asyncio.to_thread(pg.resume)
        await db.engine.dispose()  # our own pool's connections died too
        assert await _wait_status(db, job.id, {"completed"}, 30) == "completed"
        for _ in range(50):
            try:
                await _enqueue(db, 2)
                break
            except Exception:
                await asyncio.sleep(0.2)
        assert await _completed(db, 20) == 2
        assert not task.done()
    finally:
        worker.stop()
        await asyncio.wait_for(task, 15)


async def test_worker_started_while_postgres_is_down_waits(
    pg: PostgresServer, outage_db: tuple[Database, Settings]
) -> None:
    db, settings = outage_db
    await asyncio.to_thread(pg.halt, "immediate")
    worker = Worker(db, settings, schedule=())
    try:
        task = asyncio.create_task(worker.run())
        await asyncio.sleep(2)  # registration fails and is retried
        assert not task.done(), task.exception() if task.done() else None
    finally:
        await asyncio.to_thread(pg.resume)
    try:
        await db.engine.dispose()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        registered = 0
        while loop.time() < deadline and not registered:
            await asyncio.sleep(0.3)
            try:
                async with db.sessionmaker() as s:
                    query = select(func.count()).where(JobWorker.id == worker.worker_id)
                    registered = int(await s.scalar(query) or 0)
            except Exception:
                pass
        assert registered == 1
    finally:
        worker.stop()
        await asyncio.wait_for(task, 15)
