"""Events export: a background job writing CSV or JSON under ``<data_dir>/exports``, with
progress, started by ``POST /api/events/export`` (202 + job id) and downloaded when done."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, status
from fastapi.responses import FileResponse
from pydantic import model_validator
from sqlalchemy import func, select

from vigil.core.deps import ActorDep, SessionDep, SettingsDep
from vigil.core.errors import Conflict, InvalidInput, NotFound, responses
from vigil.core.schemas import StrictModel
from vigil.jobs.registry import JobContext, task
from vigil.jobs.schemas import JobAccepted
from vigil.jobs.service import enqueue
from vigil.models import Event, Job

EXPORT_TASK = "events.export"
CHUNK = 500
FIELDS = (
    "id",
    "camera_id",
    "batch_id",
    "started_at",
    "ended_at",
    "risk_score",
    "risk_level",
    "summary",
    "reviewed",
    "object_types",
    "is_fast_path",
    "created_at",
)

router = APIRouter(prefix="/api/events", tags=["events"])


class ExportRequest(StrictModel):
    format: Literal["csv", "json"] = "csv"
    camera_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @model_validator(mode="after")
    def _window(self) -> ExportRequest:
        for value in (self.since, self.until):
            if value is not None and value.tzinfo is None:
                raise ValueError("since/until must include a timezone")
        if self.since and self.until and self.since > self.until:
            raise ValueError("since must not be after until")
        return self


def _row(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(event, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


@task(EXPORT_TASK, queue="default", priority=3, max_attempts=2, timeout_seconds=1800)
async def export_events(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Export events (CSV or JSON) to a file under the data directory."""
    request = ExportRequest.model_validate(payload)
    where: list[Any] = [Event.deleted_at.is_(None)]
    if request.camera_id:
        where.append(Event.camera_id == request.camera_id)
    if request.since:
        where.append(Event.started_at >= request.since)
    if request.until:
        where.append(Event.started_at <= request.until)
    async with ctx.db.sessionmaker() as s:
        total = int(await s.scalar(select(func.count()).select_from(Event).where(*where)) or 0)
    folder = Path(ctx.settings.data_dir) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"events-{ctx.job_id}.{request.format}"
    partial = final.with_suffix(final.suffix + ".part")  # renamed when complete
    await ctx.log("info", "export started", total=total, format=request.format)
    written = 0
    last_id = 0
    with partial.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS) if request.format == "csv" else None
        if writer is not None:
            writer.writeheader()
        else:
            fh.write("[")
        while True:
            await ctx.check_cancelled()
            async with ctx.db.sessionmaker() as s:
                events = list(
                    await s.scalars(
                        select(Event)
                        .where(*where, Event.id > last_id)
                        .order_by(Event.id)
                        .limit(CHUNK)
                    )
                )
            for event in events:
                row = _row(event)
                if writer is not None:
                    writer.writerow(row)
                else:
                    fh.write(("," if written else "") + "\n" + json.dumps(row))
                written += 1
            if events:
                last_id = events[-1].id
            await ctx.progress(
                99 * written // max(total, 1), f"exported {written}/{max(total, written)} events"
            )
            if len(events) < CHUNK:
                break
        if writer is None:
            fh.write("\n]\n")
    partial.replace(final)
    await ctx.log("info", "export finished", rows=written, file=final.name)
    return {"format": request.format, "rows": written, "file": final.name}


@router.post(
    "/export",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses=responses(422),
)
async def start_export(data: ExportRequest, session: SessionDep, actor: ActorDep) -> JobAccepted:
    """Start an events export job (CSV or JSON); follow it at ``/api/jobs/{job_id}``."""
    job = await enqueue(session, EXPORT_TASK, data.model_dump(mode="json"), triggered_by="user")
    return JobAccepted(job_id=job.id, status="queued")


@router.get(
    "/export/{job_id}/file",
    response_class=FileResponse,
    responses=responses(404, 409),
)
async def download_export(job_id: str, session: SessionDep, settings: SettingsDep) -> FileResponse:
    """Download a finished export's file."""
    job = await session.get(Job, job_id)
    if job is None or job.job_type != EXPORT_TASK:
        raise NotFound(f"export job {job_id} not found")
    if job.status != "completed" or not job.result:
        raise Conflict(f"export job {job_id} is {job.status}, not completed", code="not_ready")
    name = str(job.result.get("file", ""))
    path = (Path(settings.data_dir) / "exports" / name).resolve()
    if not name or path.parent != (Path(settings.data_dir) / "exports").resolve():
        raise InvalidInput("export file name is invalid")
    if not path.is_file():
        raise NotFound("the export file is gone (deleted or on another machine)")
    media = "text/csv" if path.suffix == ".csv" else "application/json"
    return FileResponse(path, media_type=media, filename=path.name)
