"""Log search, statistics and browser-log ingestion. Services flush; the request commits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import and_, false, func, literal_column, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from vigil.core.config import Settings
from vigil.core.errors import InvalidInput, NotFound
from vigil.logs.handler import json_safe
from vigil.logs.query import (
    decode_cursor,
    encode_cursor,
    fts5_any,
    fts5_group,
    parse_websearch,
    validate_query,
)
from vigil.logs.schemas import FrontendLogCreate
from vigil.models import Log

_FTS = table("logs_fts", literal_column("rowid"))


@dataclass
class LogFilter:
    levels: list[str] | None = None
    component: str | None = None
    camera_id: str | None = None
    source: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


def _fts_rowids(expression: str) -> Any:
    # A subquery over the FTS5 index only; the expression is bound as a parameter.
    return (
        select(literal_column("rowid"))
        .select_from(_FTS)
        .where(literal_column("logs_fts").op("MATCH")(expression))
    )


def text_condition(dialect: str, q: str) -> ColumnElement[bool]:
    """Full-text match that uses each database's index (GIN tsvector / FTS5)."""
    q = validate_query(q)
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'english'::regconfig"), q)
        return Log.search_vector.op("@@")(query)
    groups = parse_websearch(q)
    conditions: list[ColumnElement[bool]] = []
    with_terms = [g for g in groups if g.positive]
    if with_terms:
        expression = " OR ".join(fts5_group(g) for g in with_terms)
        conditions.append(Log.id.in_(_fts_rowids(expression)))
    # FTS5 cannot express "NOT x" alone; a group of only exclusions becomes NOT IN.
    for group in groups:
        if not group.positive:
            conditions.append(Log.id.not_in(_fts_rowids(fts5_any(group.negative))))
    return or_(*conditions) if conditions else false()


def _conditions(dialect: str, f: LogFilter) -> list[ColumnElement[bool]]:
    if f.since is not None and f.until is not None and f.since > f.until:
        raise InvalidInput("since must not be after until", code="invalid_range")
    conditions: list[ColumnElement[bool]] = []
    if f.levels:
        conditions.append(Log.level.in_(f.levels))
    if f.component is not None:
        conditions.append(Log.component == f.component)
    if f.camera_id is not None:
        conditions.append(Log.camera_id == f.camera_id)
    if f.source is not None:
        conditions.append(Log.source == f.source)
    if f.request_id is not None:
        conditions.append(Log.request_id == f.request_id)
    if f.since is not None:
        conditions.append(Log.timestamp >= f.since)
    if f.until is not None:
        conditions.append(Log.timestamp <= f.until)
    if f.q:
        conditions.append(text_condition(dialect, f.q))
    return conditions


async def search_logs(
    session: AsyncSession, f: LogFilter, *, limit: int, cursor: str | None = None
) -> tuple[list[Log], str | None]:
    """Newest first, keyset-paginated on (timestamp, id): stable while new rows arrive."""
    dialect = session.get_bind().dialect.name
    newest_first = (Log.timestamp.desc(), Log.id.desc())
    page_ids = select(Log.id).where(*_conditions(dialect, f))
    if cursor:
        at, row_id = decode_cursor(cursor)
        page_ids = page_ids.where(
            or_(Log.timestamp < at, and_(Log.timestamp == at, Log.id < row_id))
        )
    # Pick the page's ids first and load whole rows only for them: when a search term matches
    # thousands of rows, sorting narrow (timestamp, id) pairs instead of full rows is what keeps
    # it fast (several times faster on SQLite FTS5 for common terms).
    page_ids = page_ids.order_by(*newest_first).limit(limit + 1)
    query = select(Log).where(Log.id.in_(page_ids.scalar_subquery())).order_by(*newest_first)
    rows = list((await session.scalars(query)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].timestamp, rows[-1].id)


async def newer_than(
    session: AsyncSession, f: LogFilter, *, after_id: int, limit: int
) -> list[Log]:
    """Rows inserted after ``after_id``, oldest first (for ``vigil logs tail -f``)."""
    dialect = session.get_bind().dialect.name
    query = (
        select(Log).where(Log.id > after_id, *_conditions(dialect, f)).order_by(Log.id).limit(limit)
    )
    return list((await session.scalars(query)).all())


async def max_log_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(Log.id))) or 0)


async def get_log(session: AsyncSession, log_id: int) -> Log:
    row = await session.get(Log, log_id)
    if row is None:
        raise NotFound(f"log entry {log_id} not found", code="log_not_found")
    return row


async def stats_today(session: AsyncSession, now: datetime) -> dict[str, Any]:
    since = datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)
    count = func.count().label("n")
    by_level = {
        level: n
        for level, n in await session.execute(
            select(Log.level, count).where(Log.timestamp >= since).group_by(Log.level)
        )
    }
    by_component = {
        component: n
        for component, n in await session.execute(
            select(Log.component, count)
            .where(Log.timestamp >= since)
            .group_by(Log.component)
            .order_by(count.desc(), Log.component)
        )
    }
    return {
        "since": since,
        "total_today": sum(by_level.values()),
        "errors_today": by_level.get("ERROR", 0) + by_level.get("CRITICAL", 0),
        "warnings_today": by_level.get("WARNING", 0),
        "by_level": by_level,
        "by_component": by_component,
        "top_component": next(iter(by_component), None),
    }


def _check_limits(entry: FrontendLogCreate, settings: Settings, where: str) -> dict[str, Any]:
    if len(entry.message) > settings.frontend_log_max_message_chars:
        raise InvalidInput(
            f"{where}message is longer than {settings.frontend_log_max_message_chars} characters",
            code="message_too_long",
        )
    extra = dict(entry.extra or {})
    if entry.url:
        extra["url"] = entry.url
    if not extra:
        return {}
    size = len(json.dumps(extra, default=str).encode("utf-8"))
    if size > settings.frontend_log_max_extra_bytes:
        raise InvalidInput(
            f"{where}extra is {size} bytes; the limit is {settings.frontend_log_max_extra_bytes}",
            code="extra_too_large",
        )
    return json_safe(extra)


async def add_frontend_logs(
    session: AsyncSession,
    entries: list[FrontendLogCreate],
    *,
    settings: Settings,
    user_agent: str | None,
) -> list[Log]:
    """Store browser log entries (source ``frontend``, server time). All or none."""
    many = len(entries) > 1
    extras = [
        _check_limits(entry, settings, f"entries.{i}: " if many else "")
        for i, entry in enumerate(entries)
    ]
    now = datetime.now(UTC)
    rows = [
        Log(
            timestamp=now,
            level=entry.level,
            component=entry.component,
            message=entry.message,
            camera_id=entry.camera_id,
            event_id=entry.event_id,
            detection_id=entry.detection_id,
            request_id=entry.request_id,
            duration_ms=entry.duration_ms,
            extra=extra or None,
            source="frontend",
            user_agent=(entry.user_agent or user_agent or None),
        )
        for entry, extra in zip(entries, extras, strict=True)
    ]
    session.add_all(rows)
    await session.flush()
    return rows
