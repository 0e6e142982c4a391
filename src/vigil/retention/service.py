"""Deleting old rows in chunks, each chunk its own short transaction (no long locks, and a
cancelled or crashed run keeps what it already did).

Never silently destroyed: events with user feedback or an evaluated AI-pipeline audit are kept,
with
their detections (deleting an event would cascade into ``event_feedback``/``event_audits``),
and the job result says how many were kept and why. ``audit_logs`` are never touched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select

from vigil.core.db import Database
from vigil.jobs.clock import utcnow
from vigil.models import (
    Detection,
    Event,
    EventAudit,
    EventDetection,
    EventFeedback,
    GpuStats,
    Job,
    Log,
)
from vigil.models.job import FINISHED_STATUSES, JobPeriodicTick

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class Section:
    """One table family with its own age setting."""

    name: str
    setting: str


SECTIONS = (
    Section("events", "retention_events_days"),
    Section("gpu_stats", "retention_gpu_stats_days"),
    Section("logs", "retention_logs_days"),
    Section("jobs", "retention_jobs_days"),
)


def cutoff_for(days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


async def _count(db: Database, model: Any, *where: ColumnElement[bool]) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def delete_in_chunks(
    db: Database,
    model: Any,
    where: list[ColumnElement[bool]],
    *,
    chunk: int,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> int:
    """Delete the rows of ``model`` matching ``where``, ``chunk`` at a time, by primary key."""
    total = await _count(db, model, *where)
    if dry_run or total == 0:
        return total
    pk = model.__table__.primary_key.columns.values()[0]
    deleted = 0
    while True:
        async with db.transaction() as s:
            ids = list(await s.scalars(select(pk).where(*where).order_by(pk).limit(chunk)))
            if ids:
                await s.execute(delete(model).where(pk.in_(ids)))
        deleted += len(ids)
        if progress is not None:
            await progress(deleted, max(total, deleted))
        if len(ids) < chunk:
            return deleted


def _evaluated_audit() -> ColumnElement[bool]:
    """An audit carrying an evaluation (LLM scores or critique). Every event also gets a partial
    audit at ingest (which models' outputs were present: derived, recomputable flags); that
    one alone does not make an event history worth keeping."""
    return or_(
        EventAudit.overall_quality_score.is_not(None),
        EventAudit.consistency_score.is_not(None),
        EventAudit.self_eval_critique.is_not(None),
    )


def _protected_event() -> ColumnElement[bool]:
    return or_(
        exists(select(EventFeedback.id).where(EventFeedback.event_id == Event.id)),
        exists(select(EventAudit.id).where(EventAudit.event_id == Event.id, _evaluated_audit())),
    )


async def purge_events(
    db: Database, cutoff: datetime, *, chunk: int, progress: Progress | None, dry_run: bool
) -> dict[str, Any]:
    """Events that started before ``cutoff`` (their alerts and detection links cascade), then
    detections older than ``cutoff`` that no remaining event refers to."""
    old = Event.started_at < cutoff
    kept = await _count(db, Event, old, _protected_event())
    partial_audits = await _count(
        db,
        EventAudit,
        EventAudit.event_id.in_(select(Event.id).where(old, ~_protected_event())),
    )
    events = await delete_in_chunks(
        db, Event, [old, ~_protected_event()], chunk=chunk, progress=progress, dry_run=dry_run
    )
    linked = exists(
        select(EventDetection.event_id).where(EventDetection.detection_id == Detection.id)
    )
    detections = await delete_in_chunks(
        db, Detection, [Detection.detected_at < cutoff, ~linked], chunk=chunk, dry_run=dry_run
    )
    kept_detections = await _count(db, Detection, Detection.detected_at < cutoff, linked)
    return {
        "cutoff": cutoff.isoformat(),
        "events_deleted": events,
        "detections_deleted": detections,
        "events_kept_with_feedback_or_audit": kept,
        "unevaluated_audits_deleted_with_events": partial_audits,
        "detections_kept_with_kept_events": kept_detections,
    }


async def purge_gpu_stats(
    db: Database, cutoff: datetime, *, chunk: int, progress: Progress | None, dry_run: bool
) -> dict[str, Any]:
    n = await delete_in_chunks(
        db,
        GpuStats,
        [GpuStats.recorded_at < cutoff],
        chunk=chunk,
        progress=progress,
        dry_run=dry_run,
    )
    return {"cutoff": cutoff.isoformat(), "deleted": n}


async def purge_logs(
    db: Database, cutoff: datetime, *, chunk: int, progress: Progress | None, dry_run: bool
) -> dict[str, Any]:
    n = await delete_in_chunks(
        db, Log, [Log.timestamp < cutoff], chunk=chunk, progress=progress, dry_run=dry_run
    )
    return {"cutoff": cutoff.isoformat(), "deleted": n}


async def purge_jobs(
    db: Database,
    cutoff: datetime,
    *,
    chunk: int,
    progress: Progress | None,
    dry_run: bool,
    keep_job_id: str | None = None,
) -> dict[str, Any]:
    """Finished jobs completed before ``cutoff``; attempts, logs and transitions cascade.
    Queued and running jobs are never deleted, whatever their age."""
    where = [Job.status.in_(FINISHED_STATUSES), Job.completed_at < cutoff]
    if keep_job_id is not None:
        where.append(Job.id != keep_job_id)
    n = await delete_in_chunks(db, Job, where, chunk=chunk, progress=progress, dry_run=dry_run)
    ticks = 0
    if not dry_run:
        async with db.transaction() as s:
            result = await s.execute(
                delete(JobPeriodicTick).where(JobPeriodicTick.tick_at < cutoff)
            )
            ticks = int(getattr(result, "rowcount", 0) or 0)
    return {"cutoff": cutoff.isoformat(), "deleted": n, "schedule_ticks_deleted": ticks}


PURGES = {
    "events": purge_events,
    "gpu_stats": purge_gpu_stats,
    "logs": purge_logs,
    "jobs": purge_jobs,
}
