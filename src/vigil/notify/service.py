"""Notification channels (CRUD) and alert delivery with a recorded attempt per channel."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from vigil.core import broadcast
from vigil.core.db import Database
from vigil.core.errors import Conflict, InvalidInput, NotFound
from vigil.core.logging import get_logger
from vigil.models import Alert, AlertDelivery, Event, NotificationChannel
from vigil.notify.schemas import ChannelCreate, ChannelRead, ChannelUpdate, _check_url, mask_url
from vigil.notify.senders import Message, SendResult, send

log = get_logger("notify")


class DeliveryFailed(Exception):
    """Some channels failed; raised so the job queue retries with backoff."""


def channel_read(channel: NotificationChannel) -> ChannelRead:
    return ChannelRead(
        id=channel.id,
        name=channel.name,
        kind=channel.kind,
        url_masked=mask_url(channel.kind, channel.url),
        has_secret=bool(channel.secret),
        enabled=channel.enabled,
        created_at=channel.created_at,
        updated_at=channel.updated_at,
    )


async def create_channel(session: AsyncSession, data: ChannelCreate) -> NotificationChannel:
    clash = await session.scalar(
        select(NotificationChannel.id).where(NotificationChannel.name == data.name)
    )
    if clash is not None:
        raise Conflict(f"a channel named {data.name!r} exists", code="duplicate_channel")
    channel = NotificationChannel(id=uuid.uuid4(), **data.model_dump())
    session.add(channel)
    await session.flush()
    await session.refresh(channel)
    log.info("notify.channel_created", channel=channel.name, kind=channel.kind)
    return channel


async def list_channels(session: AsyncSession) -> Sequence[NotificationChannel]:
    return (
        await session.scalars(select(NotificationChannel).order_by(NotificationChannel.name))
    ).all()


async def get_channel(session: AsyncSession, channel_id: uuid.UUID) -> NotificationChannel:
    channel = await session.get(NotificationChannel, channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found", code="channel_not_found")
    return channel


async def get_channel_by_name(session: AsyncSession, name: str) -> NotificationChannel:
    channel = await session.scalar(
        select(NotificationChannel).where(NotificationChannel.name == name)
    )
    if channel is None:
        raise NotFound(f"channel {name!r} not found", code="channel_not_found")
    return channel


async def update_channel(
    session: AsyncSession, channel_id: uuid.UUID, data: ChannelUpdate
) -> NotificationChannel:
    channel = await get_channel(session, channel_id)
    values = data.model_dump(exclude_unset=True)
    if values.get("enabled", True) is None:
        raise InvalidInput("enabled cannot be null")
    if "url" in values:
        if values["url"] is None:
            raise InvalidInput("url cannot be null")
        try:
            _check_url(channel.kind, values["url"])
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    if values.get("secret") is not None and channel.kind != "webhook":
        raise InvalidInput("secret is only used by webhook channels")
    for name, value in values.items():
        setattr(channel, name, value)
    await session.flush()
    await session.refresh(channel)
    return channel


async def delete_channel(session: AsyncSession, channel_id: uuid.UUID) -> None:
    channel = await get_channel(session, channel_id)
    await session.delete(channel)
    await session.flush()


def alert_message(alert: Alert, camera_id: str | None) -> Message:
    meta = alert.alert_metadata or {}
    rule_name = str(meta.get("rule_name") or "alert rule")
    conditions = [str(c) for c in meta.get("matched_conditions", [])]
    title = f"[{alert.severity.upper()}] {rule_name}"
    body = (
        f"Camera: {camera_id or '?'}\nRisk score: {meta.get('risk_score')}\n"
        f"Matched: {', '.join(conditions) or '-'}\nEvent: {alert.event_id}"
    )
    payload = {
        "type": "vigil.alert",
        "alert": {
            "id": str(alert.id),
            "event_id": alert.event_id,
            "rule_id": str(alert.rule_id) if alert.rule_id else None,
            "rule_name": rule_name,
            "camera_id": camera_id,
            "severity": alert.severity,
            "status": alert.status,
            "dedup_key": alert.dedup_key,
            "created_at": alert.created_at.isoformat(),
            "matched_conditions": conditions,
        },
        "timestamp": datetime.now(UTC).isoformat(),
    }
    return Message(title=title, body=body, payload=payload)


async def _targets(session: AsyncSession, alert: Alert) -> list[NotificationChannel]:
    """The alert's channels by name (all enabled channels when the rule named none)."""
    query = select(NotificationChannel).where(NotificationChannel.enabled.is_(True))
    if alert.channels:
        query = query.where(NotificationChannel.name.in_(alert.channels))
    return list((await session.scalars(query.order_by(NotificationChannel.name))).all())


async def _already_delivered(session: AsyncSession, alert_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(AlertDelivery.channel_id).where(
            AlertDelivery.alert_id == alert_id, AlertDelivery.ok.is_(True)
        )
    )
    return {r for r in rows.all() if r is not None}


async def _mark_delivered(session: AsyncSession, alert_id: uuid.UUID, camera_id: str) -> None:
    """pending -> delivered. An alert acknowledged or dismissed meanwhile keeps its status but
    still gets ``delivered_at``. A concurrent change (stale version) is re-read once."""
    for _ in range(2):
        alert = await session.get(Alert, alert_id, populate_existing=True)
        if alert is None:
            return
        now = datetime.now(UTC)
        alert.delivered_at = alert.delivered_at or now
        if alert.status == "pending":
            alert.status = "delivered"
            meta = dict(alert.alert_metadata or {})
            history = [*meta.get("history", []), {"status": "delivered", "at": now.isoformat()}]
            meta["history"] = history
            meta["delivered_at"] = now.isoformat()
            alert.alert_metadata = meta
        alert.updated_at = now
        try:
            await session.flush()
        except StaleDataError:
            session.expunge_all()
            continue
        await broadcast.publish(
            "alerts",
            {
                "type": "alert.updated",
                "alert": {
                    "id": str(alert.id),
                    "event_id": alert.event_id,
                    "camera_id": camera_id,
                    "status": alert.status,
                    "severity": alert.severity,
                    "version_id": alert.version_id,
                },
            },
            session,
        )
        return
    raise DeliveryFailed("alert kept changing while marking it delivered")


async def deliver_alert(
    db: Database, alert_id: uuid.UUID, *, attempt: int, timeout_s: float
) -> dict[str, Any]:
    """Send the alert to each of its channels not yet reached, record every attempt, mark it
    delivered when all succeeded, and raise ``DeliveryFailed`` otherwise (the job retries).
    Network sends happen outside any transaction."""
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(Alert, Event.camera_id)
                .join(Event, Event.id == Alert.event_id)
                .where(Alert.id == alert_id)
            )
        ).first()
        if row is None:
            return {"skipped": "alert no longer exists"}
        alert, camera_id = row
        targets = await _targets(session, alert)
        done = await _already_delivered(session, alert_id)
        message = alert_message(alert, camera_id)
    pending = [c for c in targets if c.id not in done]
    results: list[tuple[NotificationChannel, SendResult]] = []
    for channel in pending:
        results.append((channel, await send(channel, message, timeout_s=timeout_s)))
    failed = [c.name for c, r in results if not r.ok]
    async with db.transaction() as session:
        for channel, result in results:
            session.add(
                AlertDelivery(
                    alert_id=alert_id,
                    channel_id=channel.id,
                    channel_name=channel.name,
                    attempt=attempt,
                    ok=result.ok,
                    error=result.error,
                    at=datetime.now(UTC),
                )
            )
            log.info(
                "notify.delivery_attempt",
                alert_id=str(alert_id),
                channel=channel.name,
                attempt=attempt,
                ok=result.ok,
                error=result.error,
            )
        if targets and not failed:
            await _mark_delivered(session, alert_id, camera_id)
    if failed:
        raise DeliveryFailed(f"delivery failed for channels {failed} (attempt {attempt})")
    return {"delivered_to": [c.name for c, _ in results], "channels": len(targets)}


async def delivery_attempts(session: AsyncSession, alert_id: uuid.UUID) -> Sequence[AlertDelivery]:
    return (
        await session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.alert_id == alert_id)
            .order_by(AlertDelivery.id)
        )
    ).all()


async def send_test(session: AsyncSession, name: str, text: str, timeout_s: float) -> SendResult:
    channel = await get_channel_by_name(session, name)
    message = Message(
        title="Vigil test notification",
        body=text,
        payload={"type": "vigil.test", "message": text, "timestamp": datetime.now(UTC).isoformat()},
    )
    result = await send(channel, message, timeout_s=timeout_s)
    log.info("notify.test_sent", channel=channel.name, ok=result.ok, error=result.error)
    return result
