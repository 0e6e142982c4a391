"""Worker behaviour on both databases: order, bookkeeping, retries, timeouts, progress."""

from __future__ import annotations

from sqlalchemy import select

from tests.jobs.conftest import drain
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.jobs.service import enqueue
from vigil.models import Job, JobAttempt, JobLog, JobTransition


async def _transitions(db: Database, job_id: str) -> list[tuple[str | None, str, str]]:
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(JobTransition)
            .where(JobTransition.job_id == job_id)
            .order_by(JobTransition.transitioned_at, JobTransition.to_status)
        )
        return [(t.from_status, t.to_status, t.triggered_by) for t in rows]


async def test_priority_then_age_order(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        low = [await enqueue(s, "test.record", {"n": i}, priority=4) for i in range(3)]
        high = [await enqueue(s, "test.record", {"n": 10 + i}, priority=0) for i in range(3)]
        mid = await enqueue(s, "test.record", {"n": 20}, priority=2)
    await drain(db, job_settings, concurrency=1)
    async with db.sessionmaker() as s:
        started = list(await s.scalars(select(JobAttempt.job_id).order_by(JobAttempt.started_at)))
    expected = [j.id for j in high] + [mid.id] + [j.id for j in low]
    assert started == expected


async def test_success_bookkeeping(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.sleep", {"steps": 3, "step_seconds": 0.01})
    await drain(db, job_settings)
    async with db.sessionmaker() as s:
        done = await s.get(Job, job.id)
        attempts = list(await s.scalars(select(JobAttempt).where(JobAttempt.job_id == job.id)))
    assert done is not None
    assert done.status == "completed"
    assert done.progress_percent == 100
    assert done.result == {"attempt": 1}
    assert done.started_at is not None and done.completed_at is not None
    assert [(a.attempt_number, a.status) for a in attempts] == [(1, "succeeded")]
    assert attempts[0].worker_id and attempts[0].ended_at is not None
    assert await _transitions(db, job.id) == [
        (None, "queued", "system"),
        ("queued", "running", "worker"),
        ("running", "completed", "worker"),
    ]


async def test_retry_keeps_id_with_backoff(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.flaky", {"succeed_on": 3})
    await drain(db, job_settings)
    async with db.sessionmaker() as s:
        done = await s.get(Job, job.id)
        attempts = list(
            await s.scalars(
                select(JobAttempt)
                .where(JobAttempt.job_id == job.id)
                .order_by(JobAttempt.attempt_number)
            )
        )
        transitions = list(
            await s.scalars(
                select(JobTransition)
                .where(JobTransition.job_id == job.id, JobTransition.triggered_by == "retry")
                .order_by(JobTransition.transitioned_at)
            )
        )
        logs = list(await s.scalars(select(JobLog.attempt_number).where(JobLog.job_id == job.id)))
    assert done is not None and done.status == "completed"
    assert done.attempt_number == 3
    assert done.result == {"attempt": 3}
    assert [(a.attempt_number, a.status) for a in attempts] == [
        (1, "failed"),
        (2, "failed"),
        (3, "succeeded"),
    ]
    assert "boom on attempt 1" in (attempts[0].error_message or "")
    assert "RuntimeError" in (attempts[0].error_traceback or "")
    assert sorted(logs) == [1, 2, 3]
    # Backoff recorded per retry: base 0.05 s doubling, capped at 0.2 s, plus <= 25 % jitter.
    delays = [t.metadata_json["delay_seconds"] for t in transitions if t.metadata_json]
    assert len(delays) == 2
    assert 0.05 <= delays[0] <= 0.0625 + 0.001
    assert 0.1 <= delays[1] <= 0.125 + 0.001
    # Each retry waited at least its delay before the next attempt started.
    for t, nxt in zip(transitions, attempts[1:], strict=True):
        assert t.metadata_json is not None
        assert (nxt.started_at - t.transitioned_at).total_seconds() >= (
            t.metadata_json["delay_seconds"] - 0.01
        )


async def test_out_of_attempts_fails_for_good(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.flaky", {}, max_attempts=2)
    await drain(db, job_settings)
    async with db.sessionmaker() as s:
        done = await s.get(Job, job.id)
    assert done is not None
    assert done.status == "failed"
    assert done.attempt_number == 2
    assert done.next_retry_at is None or done.completed_at is not None
    assert "boom on attempt 2" in (done.error_message or "")
    assert "Traceback" in (done.error_traceback or "")
    trans = await _transitions(db, job.id)
    assert trans[-1] == ("running", "failed", "worker")
    assert ("running", "queued", "retry") in trans


async def test_timeout_fails_stuck_attempt(db: Database, job_settings: Settings) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.slow", {})
    await drain(db, job_settings)
    async with db.sessionmaker() as s:
        done = await s.get(Job, job.id)
    assert done is not None and done.status == "failed"
    assert done.attempt_number == 2
    assert "timed out after 0.3 s" in (done.error_message or "")
    trans = await _transitions(db, job.id)
    assert ("running", "queued", "timeout") in trans
    assert trans[-1] == ("running", "failed", "timeout")


async def test_future_run_at_waits(db: Database, job_settings: Settings) -> None:
    from datetime import timedelta

    from vigil.jobs.clock import utcnow

    async with db.transaction() as s:
        later = await enqueue(s, "test.record", {"n": 1}, run_at=utcnow() + timedelta(hours=1))
        now = await enqueue(s, "test.record", {"n": 2})
    from vigil.jobs.worker import Worker

    await Worker(db, job_settings, schedule=()).run(stop_when_idle=True)
    async with db.sessionmaker() as s:
        assert (await s.get(Job, now.id)).status == "completed"  # type: ignore[union-attr]
        assert (await s.get(Job, later.id)).status == "queued"  # type: ignore[union-attr]


async def test_unique_key_and_enqueue_many(db: Database, job_settings: Settings) -> None:
    from vigil.jobs.service import enqueue_many

    async with db.transaction() as s:
        first = await enqueue(s, "test.record", {"n": 1}, unique_key="k")
        again = await enqueue(s, "test.record", {"n": 2}, unique_key="k")
        many = await enqueue_many(s, "test.record", [{"n": i} for i in range(5)])
    assert again.id == first.id
    assert len(set(many)) == 5
    await drain(db, job_settings, concurrency=3)
    async with db.sessionmaker() as s:
        jobs = list(await s.scalars(select(Job)))
        transitions = list(await s.scalars(select(JobTransition.to_status)))
    assert len(jobs) == 6 and {j.status for j in jobs} == {"completed"}
    assert transitions.count("queued") == 6 and transitions.count("completed") == 6
    # Once the first ran, the key is free again.
    async with db.transaction() as s:
        third = await enqueue(s, "test.record", {"n": 3}, unique_key="k")
    assert third.id != first.id


async def test_embedded_worker_runs_inside_the_app(
    backend: str, db: Database, job_settings: Settings
) -> None:
    from vigil.jobs.runtime import lifespan

    class FakeApp:
        class state:
            pass

    app = FakeApp()
    app.state.settings = job_settings.model_copy(update={"embedded_worker": True})  # type: ignore[attr-defined]
    app.state.db = db  # type: ignore[attr-defined]
    async with db.transaction() as s:
        job = await enqueue(s, "test.record", {"n": 1})
    async with lifespan(app):  # type: ignore[arg-type]
        import asyncio

        for _ in range(100):
            async with db.sessionmaker() as s:
                found = await s.get(Job, job.id)
            if found is not None and found.status == "completed":
                break
            await asyncio.sleep(0.05)
    assert found is not None and found.status == "completed"
    off = job_settings.model_copy(update={"embedded_worker": False})
    app.state.settings = off  # type: ignore[attr-defined]
    async with lifespan(app):  # type: ignore[arg-type]
        pass  # does nothing when turned off


async def test_backoff_stored_in_next_retry_at(db: Database, job_settings: Settings) -> None:
    from vigil.jobs.worker import Worker

    slow_retry = job_settings.model_copy(
        update={"job_retry_base_seconds": 60.0, "job_retry_max_seconds": 3600.0}
    )
    async with db.transaction() as s:
        job = await enqueue(s, "test.flaky", {"succeed_on": 2})
    # One pass: the first attempt fails, the retry is due in 60-75 s, so the worker goes idle.
    await Worker(db, slow_retry, schedule=()).run(stop_when_idle=True)
    async with db.sessionmaker() as s:
        waiting = await s.get(Job, job.id)
        retry = await s.scalar(
            select(JobTransition).where(
                JobTransition.job_id == job.id, JobTransition.triggered_by == "retry"
            )
        )
    assert waiting is not None and retry is not None
    assert waiting.status == "queued" and waiting.attempt_number == 2
    assert waiting.next_retry_at is not None
    delay = (waiting.next_retry_at - retry.transitioned_at).total_seconds()
    assert 59.0 <= delay <= 75.5
    assert retry.metadata_json is not None
    assert 60.0 <= retry.metadata_json["delay_seconds"] <= 75.0
