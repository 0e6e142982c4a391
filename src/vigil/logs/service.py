"""Log statistics, single entries and browser-log ingestion. Services flush; the request
commits. Search lives in ``vigil.logs.search``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import Settings
from vigil.core.errors import InvalidInput, NotFound
from vigil.logs.handler import json_safe
from vigil.logs.schemas import FrontendLogCreate
from vigil.models import Log


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
