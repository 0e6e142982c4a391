"""Retention deletes exactly what its settings say, and never feedback/audit history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import detection, make_camera, make_event
from tests.jobs.conftest import drain
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.jobs.service import enqueue
from vigil.models import (
    AuditLog,
    Detection,
    Event,
    EventAudit,
    EventFeedback,
    GpuStats,
    Job,
    Log,
)

NOW = datetime.now(UTC)


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def _count(db: Database, model: object) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


async def _seed(session: AsyncSession) -> dict[str, int]:
    await make_camera(session, "Front Door")
    old_plain = await make_event(
        session, started_at=_ago(40), detections=[detection(detected_at=_ago(40))]
    )
    old_feedback = await make_event(
        session, started_at=_ago(40), detections=[detection(detected_at=_ago(40))]
    )
    old_audited = await make_event(
        session, started_at=_ago(40), detections=[detection(detected_at=_ago(40))]
    )
    fresh = await make_event(
        session, started_at=_ago(1), detections=[detection(detected_at=_ago(1))]
    )
    session.add(EventFeedback(event_id=old_feedback.id, feedback_type="false_positive"))
    audit = await session.scalar(select(EventAudit).where(EventAudit.event_id == old_audited.id))
    if audit is None:
        audit = EventAudit(event_id=old_audited.id)
        session.add(audit)
    audit.overall_quality_score = 4.0  # an evaluated audit: history worth keeping
    session.add_all(
        [GpuStats(recorded_at=_ago(d), gpu_name="gpu") for d in (40, 20, 2)]
        + [Log(timestamp=_ago(d), level="INFO", component="t", message="m") for d in (10, 8, 1)]
    )
    session.add(AuditLog(action="x", resource_type="event", actor="a", timestamp=_ago(400)))
    await session.commit()
    return {"old_plain": old_plain.id, "fresh": fresh.id}


async def test_retention_deletes_only_what_settings_say(
    db: Database, session: AsyncSession, job_settings: Settings
) -> None:
    ids = await _seed(session)
    settings = job_settings.model_copy(
        update={
            "retention_events_days": 30,
            "retention_gpu_stats_days": 10,
            "retention_logs_days": 7,
            "retention_jobs_days": 0,  # keep forever
            "retention_chunk_size": 1,  # exercise chunking
        }
    )
    async with db.transaction() as s:
        old_job = await enqueue(s, "test.record", {"n": 1})
    await drain(db, settings)
    async with db.transaction() as s:
        job = await enqueue(s, "retention.cleanup", {})
    await drain(db, settings, queues=["maintenance"])

    async with db.sessionmaker() as s:
        done = await s.get(Job, job.id)
        events = set(await s.scalars(select(Event.id)))
        assert done is not None and done.status == "completed", done.error_message
    result = done.result or {}
    assert result["events"]["events_deleted"] == 1
    assert result["events"]["events_kept_with_feedback_or_audit"] == 2
    assert result["events"]["detections_deleted"] == 1
    assert result["gpu_stats"]["deleted"] == 2
    assert result["logs"]["deleted"] == 2
    assert "skipped" in result["jobs"]
    assert ids["old_plain"] not in events and ids["fresh"] in events and len(events) == 3
    assert await _count(db, EventFeedback) == 1
    async with db.sessionmaker() as s:
        audited = await s.scalar(
            select(func.count()).where(EventAudit.overall_quality_score.is_not(None))
        )
    assert audited == 1
    assert await _count(db, AuditLog) == 1
    assert await _count(db, Detection) == 3  # the kept events keep their detections
    assert await _count(db, GpuStats) == 1
    assert await _count(db, Log) == 1
    assert await _count(db, Job) == 2 and old_job.id
    assert done.progress_percent == 100


async def test_job_history_retention_and_dry_run(
    db: Database, session: AsyncSession, job_settings: Settings
) -> None:
    async with db.transaction() as s:
        finished = await enqueue(s, "test.record", {"n": 1})
        waiting = await enqueue(s, "test.record", {"n": 2}, queue_name="elsewhere")
    await drain(db, job_settings, queues=["default"])
    async with db.transaction() as s:
        for job_id in (finished.id, waiting.id):
            job = await s.get(Job, job_id)
            assert job is not None
            job.created_at = _ago(90)
            if job.completed_at is not None:
                job.started_at = _ago(90)
                job.completed_at = _ago(89)
    settings = job_settings.model_copy(update={"retention_jobs_days": 30})
    async with db.transaction() as s:
        dry = await enqueue(s, "retention.cleanup", {"only": ["jobs"], "dry_run": True})
    await drain(db, settings, queues=["maintenance"])
    async with db.sessionmaker() as s:
        dry_done = await s.get(Job, dry.id)
    assert dry_done is not None and dry_done.result is not None
    assert dry_done.result["jobs"]["deleted"] == 1 and await _count(db, Job) == 3
    async with db.transaction() as s:
        real = await enqueue(s, "retention.cleanup", {"only": ["jobs"]})
    await drain(db, settings, queues=["maintenance"])
    async with db.sessionmaker() as s:
        remaining = set(await s.scalars(select(Job.id)))
    # The old finished job went (with its attempts/logs/transitions); the old queued one stays.
    assert finished.id not in remaining
    assert {waiting.id, dry.id, real.id} <= remaining
