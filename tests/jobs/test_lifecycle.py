"""Cancellation, stalled-worker recovery, shutdown release, periodic ticks and the state machine."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.jobs.conftest import drain
from tests.jobs.sample_tasks import tick
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.errors import Conflict
from vigil.jobs import states
from vigil.jobs.clock import utcnow
from vigil.jobs.registry import periodic_tasks
from vigil.jobs.service import cancel_job, enqueue, retry_job
from vigil.jobs.worker import Worker
from vigil.models import Job, JobAttempt, JobTransition
from vigil.models.job import JobPeriodicTick, JobWorker


async def _job(db: Database, job_id: str) -> Job:
    async with db.sessionmaker() as s:
        job = await s.get(Job, job_id)
        assert job is not None
        return job


async def _wait_for(db: Database, job_id: str, predicate, timeout: float = 10.0) -> Job:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        job = await _job(db, job_id)
        if predicate(job):
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job never reached the expected state: {job.status}")
        await asyncio.sleep(0.05)


def test_state_machine_refuses_invalid_moves() -> None:
    assert states.can_transition(None, "queued")
    assert states.can_transition("running", "queued")  # automatic retry
    assert not states.can_transition("completed", "queued")
    assert not states.can_transition("queued", "completed")
    with pytest.raises(states.InvalidTransition):
        states.check_transition("j", "cancelled", "running", "worker")
    with pytest.raises(ValueError):
        states.check_transition("j", "queued", "running", "someone")


async def test_cancel_queued_is_immediate(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.record", {"n": 1})
    async with db.transaction() as s:
        await cancel_job(s, job.id, "tester")
    await drain(db, job_settings)
    done = await _job(db, job.id)
    assert done.status == "cancelled" and done.completed_at is not None
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(JobAttempt)) == 0
        last = await s.scalar(
            select(JobTransition).where(
                JobTransition.job_id == job.id, JobTransition.to_status == "cancelled"
            )
        )
    assert last is not None and last.triggered_by == "user"
    assert last.metadata_json == {"actor": "tester"}
    async with db.transaction() as s:
        with pytest.raises(Conflict):
            await cancel_job(s, job.id, "tester")  # finished: 409


async def test_cancel_running_is_cooperative(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.sleep", {"steps": 200, "step_seconds": 0.05})
    worker = Worker(db, job_settings, schedule=())
    run = asyncio.create_task(worker.run())
    try:
        await _wait_for(db, job.id, lambda j: j.status == "running" and j.progress_percent > 0)
        async with db.transaction() as s:
            await cancel_job(s, job.id, "tester")
        done = await _wait_for(db, job.id, lambda j: j.status == "cancelled", timeout=5)
    finally:
        worker.stop()
        await run
    assert done.progress_percent < 100
    async with db.sessionmaker() as s:
        attempt = await s.scalar(select(JobAttempt).where(JobAttempt.job_id == job.id))
    assert attempt is not None and attempt.status == "cancelled"


async def test_cancel_running_that_ignores_it_is_stopped(
    db: Database, job_settings: Settings
) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.stubborn", {"seconds": 30})
    worker = Worker(db, job_settings, schedule=())
    run = asyncio.create_task(worker.run())
    try:
        await _wait_for(db, job.id, lambda j: j.status == "running")
        async with db.transaction() as s:
            await cancel_job(s, job.id, "tester")
        await _wait_for(db, job.id, lambda j: j.status == "cancelled", timeout=5)
    finally:
        worker.stop()
        await run


async def test_manual_retry_same_id(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.flaky", {"succeed_on": 2}, max_attempts=1)
    await drain(db, job_settings)
    assert (await _job(db, job.id)).status == "failed"
    async with db.transaction() as s:
        await retry_job(s, job.id, "tester")
    await drain(db, job_settings)
    done = await _job(db, job.id)
    assert done.status == "completed" and done.attempt_number == 2
    async with db.transaction() as s:
        with pytest.raises(Conflict):
            await retry_job(s, job.id, "tester")  # completed: not retryable


async def test_stalled_job_of_dead_worker_is_retried(db: Database, job_settings: Settings) -> None:
    """A worker that stops heartbeating (here: a row whose heartbeat is old) loses its job to
    a live worker, which records the lost attempt as failed and runs the job again."""
    async with db.transaction() as s:
        job = await enqueue(s, "test.record", {"n": 7}, max_attempts=2)
    dead = Worker(db, job_settings, schedule=(), worker_id="dead-worker")
    from vigil.jobs import liveness, store

    await liveness.register_worker(db, dead.worker_id, None, 1)
    claimed = await store.claim(db, dead.worker_id, None, 1)
    assert [c.id for c in claimed] == [job.id]
    async with db.transaction() as s:
        await s.execute(
            update(JobWorker)
            .where(JobWorker.id == "dead-worker")
            .values(last_heartbeat_at=utcnow() - timedelta(minutes=5))
        )
    await drain(db, job_settings)
    done = await _job(db, job.id)
    assert done.status == "completed" and done.attempt_number == 2
    async with db.sessionmaker() as s:
        attempts = list(
            await s.scalars(
                select(JobAttempt)
                .where(JobAttempt.job_id == job.id)
                .order_by(JobAttempt.attempt_number)
            )
        )
        gone = await s.get(JobWorker, "dead-worker")
    assert (attempts[0].attempt_number, attempts[0].status, attempts[0].worker_id) == (
        1,
        "failed",
        "dead-worker",
    )
    assert "stopped heartbeating" in (attempts[0].error_message or "")
    assert attempts[1].status == "succeeded"
    assert gone is None
    # The late worker cannot overwrite what happened after it was presumed dead.
    assert await store.complete(db, claimed[0], "dead-worker", None) is False


async def test_shutdown_releases_unfinished_job(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.stubborn", {"seconds": 30})
    worker = Worker(db, job_settings, schedule=())
    run = asyncio.create_task(worker.run())
    await _wait_for(db, job.id, lambda j: j.status == "running")
    worker.stop()
    await run  # grace is 0.5 s in these settings
    released = await _job(db, job.id)
    assert released.status == "queued" and released.attempt_number == 1
    assert released.worker_id is None


async def test_periodic_once_per_tick_with_two_workers(
    db: Database, job_settings: Settings
) -> None:
    spec = periodic_tasks()["test.tick"]
    assert tick is not None
    workers = [
        Worker(db, job_settings, queues=["periodic-test"], schedule=[spec]) for _ in range(2)
    ]
    runs = [asyncio.create_task(w.run()) for w in workers]
    await asyncio.sleep(3.2)
    for w in workers:
        w.stop()
    await asyncio.gather(*runs)
    async with db.sessionmaker() as s:
        ticks = list(
            await s.scalars(select(JobPeriodicTick).where(JobPeriodicTick.task_name == "test.tick"))
        )
        jobs = list(await s.scalars(select(Job).where(Job.job_type == "test.tick")))
        attempts = await s.scalar(select(func.count()).select_from(JobAttempt))
    assert len(ticks) >= 2
    assert len(jobs) == len(ticks)  # one job per tick, whatever the number of workers
    assert len({j.unique_key for j in jobs}) == len(jobs)
    assert {t.job_id for t in ticks} == {j.id for j in jobs}
    finished = [j for j in jobs if j.status == "completed"]
    assert len(finished) >= len(jobs) - 1  # the newest tick may still be queued at stop
    assert attempts == len([j for j in jobs if j.started_at is not None])


async def test_worker_survives_lost_connections(
    backend: str, db: Database, job_settings: Settings
) -> None:
    """PostgreSQL restarts or kills connections: the worker keeps running, LISTENs again and
    still picks up new jobs promptly (the fallback poll here is far too slow to explain it)."""
    if backend != "postgresql":
        pytest.skip("connection loss and LISTEN are PostgreSQL concerns")
    from sqlalchemy import text

    settings = job_settings.model_copy(update={"job_poll_interval_seconds": 60.0})
    worker = Worker(db, settings, schedule=())
    run = asyncio.create_task(worker.run())
    try:
        async with db.transaction() as s:
            first = await enqueue(s, "test.record", {"n": 1})
        await _wait_for(db, first.id, lambda j: j.status == "completed", timeout=5)
        async with db.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        await asyncio.sleep(0.5)  # a heartbeat notices and re-subscribes
        async with db.transaction() as s:
            second = await enqueue(s, "test.record", {"n": 2})
        await _wait_for(db, second.id, lambda j: j.status == "completed", timeout=10)
        assert not run.done()
    finally:
        worker.stop()
        await run


async def test_bad_input_fails_at_once_without_retries(
    db: Database, job_settings: Settings
) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "retention.cleanup", {"only": ["nonsense"]}, max_attempts=3)
    await drain(db, job_settings, queues=["maintenance"])
    done = await _job(db, job.id)
    assert done.status == "failed" and done.attempt_number == 1
    assert "unknown retention sections" in (done.error_message or "")


async def test_schedule_once_per_tick_and_skips_stale_ticks(
    db: Database, job_settings: Settings
) -> None:
    from datetime import UTC, datetime

    from vigil.jobs.periodic import schedule_due
    from vigil.jobs.registry import PeriodicSpec

    spec = PeriodicSpec("test.tick", "*/5 * * * *", {"k": 1})
    at = datetime(2026, 1, 1, 12, 7, 30, tzinfo=UTC)  # latest tick 12:05
    kw = {"max_lateness_seconds": 600.0, "now": at}
    first = await schedule_due(db, [spec], job_settings, **kw)  # type: ignore[arg-type]
    again = await schedule_due(db, [spec], job_settings, **kw)  # type: ignore[arg-type]
    assert len(first) == 1 and again == []
    job = await _job(db, first[0])
    assert job.payload == {"k": 1, "scheduled_for": "2026-01-01T12:05:00+00:00"}
    assert job.unique_key == "periodic:test.tick:2026-01-01T12:05:00+00:00"
    late = await schedule_due(
        db, [spec], job_settings, max_lateness_seconds=60.0, now=at.replace(minute=8)
    )
    assert late == []  # 12:05 is 3 min old, beyond the allowed lateness
    off = PeriodicSpec("test.tick", "*/5 * * * *", {}, cron_setting="retention_cron")
    disabled = job_settings.model_copy(update={"retention_cron": ""})
    assert await schedule_due(db, [off], disabled, max_lateness_seconds=600.0, now=at) == []
