"""Alert instances: list, read, and the acknowledge/dismiss lifecycle with optimistic locking.

Every status move bumps ``version_id`` (SQLAlchemy ``version_id_col``): the UPDATE carries
``WHERE version_id = <the version we read>``, so of two concurrent moves only one can win and the
other gets 409. Clients may also send the ``version_id`` they saw; a stale one is a 409 too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from vigil.alerting.schemas import AlertRead
from vigil.alerting.service import ALERTS_CHANNEL, alert_summary
from vigil.core import broadcast
from vigil.core.errors import Conflict, NotFound
from vigil.models import Alert, Event

ACKNOWLEDGEABLE = ("pending", "delivered")


def _read(alert: Alert, camera_id: str | None) -> AlertRead:
    out = AlertRead.model_validate(alert)
    out.camera_id = camera_id
    return out


def _filtered(
    *,
    status: str | None,
    severity: str | None,
    camera_id: str | None,
    rule_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Alert, str]:
    query: Select[Alert, str] = select(Alert, Event.camera_id)
    query = query.join(Event, Event.id == Alert.event_id)
    if status:
        query = query.where(Alert.status == status)
    if severity:
        query = query.where(Alert.severity == severity)
    if camera_id:
        query = query.where(Event.camera_id == camera_id)
    if rule_id:
        query = query.where(Alert.rule_id == rule_id)
    if since:
        query = query.where(Alert.created_at >= since)
    if until:
        query = query.where(Alert.created_at <= until)
    return query


async def list_alerts(
    session: AsyncSession,
    *,
    status: str | None = None,
    severity: str | None = None,
    camera_id: str | None = None,
    rule_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AlertRead], int]:
    query = _filtered(
        status=status,
        severity=severity,
        camera_id=camera_id,
        rule_id=rule_id,
        since=since,
        until=until,
    )
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.execute(
        query.order_by(Alert.created_at.desc(), Alert.id).limit(limit).offset(offset)
    )
    return [_read(alert, camera) for alert, camera in rows.all()], total


async def _get(session: AsyncSession, alert_id: uuid.UUID) -> tuple[Alert, str]:
    row = (
        await session.execute(
            select(Alert, Event.camera_id)
            .join(Event, Event.id == Alert.event_id)
            .where(Alert.id == alert_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"alert {alert_id} not found", code="alert_not_found")
    return row[0], row[1]


async def get_alert(session: AsyncSession, alert_id: uuid.UUID) -> AlertRead:
    alert, camera_id = await _get(session, alert_id)
    return _read(alert, camera_id)


async def _move(
    session: AsyncSession,
    alert_id: uuid.UUID,
    *,
    to: str,
    allowed_from: Sequence[str] | None,
    expected_version: int | None,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> AlertRead:
    alert, camera_id = await _get(session, alert_id)
    if expected_version is not None and expected_version != alert.version_id:
        raise Conflict(
            f"alert {alert_id} changed (version {alert.version_id}, you sent {expected_version}); "
            "reload and retry",
            code="stale_version",
        )
    if alert.status == to or (allowed_from is not None and alert.status not in allowed_from):
        raise Conflict(f"cannot move alert from {alert.status} to {to}", code="invalid_transition")
    now = datetime.now(UTC)
    metadata = dict(alert.alert_metadata or {})
    history = list(metadata.get("history", []))
    history.append({"status": to, "at": now.isoformat(), "by": actor, "from": alert.status})
    metadata["history"] = history
    metadata[f"{to}_at"] = now.isoformat()
    metadata[f"{to}_by"] = actor
    metadata.update(extra or {})
    alert.alert_metadata = metadata  # reassigned, not mutated: the JSON column must see a change
    alert.status = to
    alert.updated_at = now
    try:
        await session.flush()
    except StaleDataError:
        raise Conflict(
            f"alert {alert_id} was changed concurrently; reload and retry", code="stale_version"
        ) from None
    await broadcast.publish(
        ALERTS_CHANNEL, {"type": "alert.updated", "alert": alert_summary(alert, camera_id)}, session
    )
    return _read(alert, camera_id)


async def acknowledge(
    session: AsyncSession, alert_id: uuid.UUID, *, expected_version: int | None, actor: str
) -> AlertRead:
    return await _move(
        session,
        alert_id,
        to="acknowledged",
        allowed_from=ACKNOWLEDGEABLE,
        expected_version=expected_version,
        actor=actor,
    )


async def dismiss(
    session: AsyncSession,
    alert_id: uuid.UUID,
    *,
    expected_version: int | None,
    actor: str,
    reason: str | None = None,
) -> AlertRead:
    return await _move(
        session,
        alert_id,
        to="dismissed",
        allowed_from=None,
        expected_version=expected_version,
        actor=actor,
        extra={"dismissed_reason": reason} if reason else None,
    )
