"""Reading the audit trail: filtered lists, statistics, export, verification and retention."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.audit import verification
from vigil.audit.chain import prune
from vigil.audit.verification import ChainCheck
from vigil.core.db import Database
from vigil.core.errors import InvalidInput, NotFound, ServiceUnavailable
from vigil.core.logging import get_logger
from vigil.models import AuditLog

EXPORT_COLUMNS = (
    "id",
    "timestamp",
    "action",
    "resource_type",
    "resource_id",
    "actor",
    "ip_address",
    "user_agent",
    "status",
    "details",
    "prev_hash",
    "row_hash",
)
TOP_ACTORS = 10
log = get_logger("audit")
RECENT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    actor: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def validate(self) -> None:
        """Refuse what no database can compare: PostgreSQL text cannot hold NUL, and would
        fail the query (mid-stream, for an export) instead of matching nothing."""
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("since is after until")
        for name in ("action", "resource_type", "resource_id", "actor", "status"):
            value = getattr(self, name)
            if value is not None and "\x00" in value:
                raise InvalidInput(f"{name} must not contain NUL characters")

    def apply(self, query: Select[Any]) -> Select[Any]:
        self.validate()
        for column, value in (
            (AuditLog.action, self.action),
            (AuditLog.resource_type, self.resource_type),
            (AuditLog.resource_id, self.resource_id),
            (AuditLog.actor, self.actor),
            (AuditLog.status, self.status),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.since is not None:
            query = query.where(AuditLog.timestamp >= self.since)
        if self.until is not None:
            query = query.where(AuditLog.timestamp <= self.until)
        return query


async def list_logs(
    session: AsyncSession, filters: AuditFilter, *, limit: int, offset: int
) -> tuple[list[AuditLog], int]:
    total = await session.scalar(filters.apply(select(func.count()).select_from(AuditLog)))
    rows = await session.scalars(
        filters.apply(select(AuditLog))
        .order_by(AuditLog.timestamp.desc(), AuditLog.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total or 0)


async def get_log(session: AsyncSession, audit_id: int) -> AuditLog:
    row = await session.get(AuditLog, audit_id)
    if row is None:
        raise NotFound(f"audit entry {audit_id} not found")
    return row


async def _grouped(session: AsyncSession, column: Any) -> dict[str, int]:
    rows = await session.execute(select(column, func.count()).group_by(column))
    return {str(key): int(count) for key, count in rows.all()}


async def stats(session: AsyncSession, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # A real 7-day window (timedelta), not "day - 7" clamped to the 1st of the month.
    week_ago = now - RECENT_WINDOW
    total = await session.scalar(select(func.count()).select_from(AuditLog))
    today = await session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.timestamp >= start_of_day)
    )
    actors = await session.execute(
        select(AuditLog.actor, func.count().label("n"))
        .where(AuditLog.timestamp >= week_ago)
        .group_by(AuditLog.actor)
        .order_by(func.count().desc(), AuditLog.actor)
        .limit(TOP_ACTORS)
    )
    return {
        "total_logs": int(total or 0),
        "logs_today": int(today or 0),
        "by_action": await _grouped(session, AuditLog.action),
        "by_resource_type": await _grouped(session, AuditLog.resource_type),
        "by_status": await _grouped(session, AuditLog.status),
        "recent_actors": [{"key": a, "count": int(n)} for a, n in actors.all()],
    }


def _export_row(row: AuditLog) -> dict[str, Any]:
    data = {name: getattr(row, name) for name in EXPORT_COLUMNS}
    data["timestamp"] = row.timestamp.isoformat()
    return data


async def _export_batch(
    session: AsyncSession, filters: AuditFilter, after_id: int, batch_size: int
) -> list[AuditLog]:
    query = filters.apply(select(AuditLog)).where(AuditLog.id > after_id)
    return list((await session.scalars(query.order_by(AuditLog.id).limit(batch_size))).all())


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "json"):
        raise InvalidInput("format must be csv or json")


async def iter_export(
    session: AsyncSession,
    filters: AuditFilter,
    fmt: str,
    batch_size: int = 500,
    *,
    first_batch: list[AuditLog] | None = None,
) -> AsyncIterator[str]:
    """CSV, or a JSON array, in chunks, oldest first, read in id-ordered batches (bounded
    memory). ``first_batch``: rows already read (by ``start_export``), continued from."""
    _check_format(fmt)
    filters.validate()
    last_id = 0
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(EXPORT_COLUMNS)
        yield buffer.getvalue()
    else:
        yield "["
    first = True
    rows = first_batch
    while True:
        if rows is None:
            rows = await _export_batch(session, filters, last_id, batch_size)
        if not rows:
            break
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            data = _export_row(row)
            if fmt == "csv":
                data["details"] = json.dumps(data["details"], sort_keys=True)
                writer.writerow([data[c] for c in EXPORT_COLUMNS])
            else:
                buffer.write(("" if first else ",\n") + json.dumps(data, sort_keys=True))
                first = False
            last_id = row.id
        yield buffer.getvalue()
        # A short batch is the last one: no query for an empty one.
        rows = [] if len(rows) < batch_size else None
    if fmt == "json":
        yield "]\n"


async def start_export(
    database: Database, filters: AuditFilter, fmt: str, batch_size: int = 500
) -> AsyncIterator[str]:
    """Validate and run the first query *before* a response starts, so bad input is a clean 422
    and an unreadable database a clean 503 (once streaming has begun, the status is sent and an
    error can only cut the body short). The stream reads the rest from its own read-only
    session: it outlives the request's dependencies."""
    _check_format(fmt)
    filters.validate()
    try:
        async with database.read_sessionmaker() as session:
            first = await _export_batch(session, filters, 0, batch_size)
    except DBAPIError as exc:
        if isinstance(exc, DataError):
            raise InvalidInput("a filter value cannot be compared by the database") from exc
        log.warning("audit.export_unavailable", error=str(exc.orig)[:200])
        raise ServiceUnavailable("the audit trail cannot be read now; retry shortly") from exc

    async def stream() -> AsyncIterator[str]:
        async with database.read_sessionmaker() as session:
            async for chunk in iter_export(session, filters, fmt, batch_size, first_batch=first):
                yield chunk

    return stream()


async def verify_chain(session: AsyncSession, *, full: bool = False) -> ChainCheck:
    """Read-only check: from the verified checkpoint (routine) or every row (``full``)."""
    return await verification.verify_chain(session, full=full)


async def check_chain(database: Database, *, full: bool = False) -> ChainCheck:
    """Verify, then move the checkpoint forward (its own short write transaction)."""
    return await verification.check_chain(database, full=full)


async def apply_retention(session: AsyncSession, days: int, now: datetime | None = None) -> int:
    if days < 1:
        raise InvalidInput("retention must keep at least 1 day")
    return await prune(session, (now or datetime.now(UTC)) - timedelta(days=days))
