"""Alert rule CRUD and the dry run against stored events (which creates nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.alerting.facts import build_facts
from vigil.alerting.schemas import (
    RuleCreate,
    RuleTestEvent,
    RuleTestRequest,
    RuleTestResult,
    RuleUpdate,
)
from vigil.alerting.service import _parse, decide
from vigil.core.errors import InvalidInput, NotFound
from vigil.models import AlertRule, Detection, Event, EventDetection, NotificationChannel


async def _check_channels(session: AsyncSession, names: list[str] | None) -> None:
    if not names:
        return
    found = set(
        (
            await session.scalars(
                select(NotificationChannel.name).where(NotificationChannel.name.in_(names))
            )
        ).all()
    )
    missing = [n for n in names if n not in found]
    if missing:
        raise InvalidInput(
            f"unknown notification channels: {missing}; create them under "
            "/api/notification/channels first",
            code="unknown_channel",
        )


def _column_values(data: RuleCreate | RuleUpdate, *, partial: bool) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=partial)
    # Store the normalised, validated JSON (e.g. lower-cased days), not the raw input.
    if "schedule" in values and data.schedule is not None:
        values["schedule"] = data.schedule.model_dump()
    if "conditions" in values and data.conditions is not None:
        values["conditions"] = data.conditions.model_dump(exclude_none=True)
    return values


async def create_rule(session: AsyncSession, data: RuleCreate) -> AlertRule:
    await _check_channels(session, data.channels)
    rule = AlertRule(id=uuid.uuid4(), **_column_values(data, partial=False))
    session.add(rule)
    await session.flush()
    await session.refresh(rule)
    return rule


async def get_rule(session: AsyncSession, rule_id: uuid.UUID) -> AlertRule:
    rule = await session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(f"alert rule {rule_id} not found", code="rule_not_found")
    return rule


async def list_rules(
    session: AsyncSession,
    *,
    enabled: bool | None = None,
    severity: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AlertRule], int]:
    query = select(AlertRule)
    if enabled is not None:
        query = query.where(AlertRule.enabled.is_(enabled))
    if severity is not None:
        query = query.where(AlertRule.severity == severity)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(AlertRule.name, AlertRule.id).limit(limit).offset(offset)
    )
    return rows.all(), total


async def update_rule(session: AsyncSession, rule_id: uuid.UUID, data: RuleUpdate) -> AlertRule:
    rule = await get_rule(session, rule_id)
    values = _column_values(data, partial=True)
    if "channels" in values:
        await _check_channels(session, data.channels)
    for name, value in values.items():
        setattr(rule, name, value)
    await session.flush()
    await session.refresh(rule)
    return rule


async def delete_rule(session: AsyncSession, rule_id: uuid.UUID) -> None:
    """Delete a rule; its alerts stay (``rule_id`` becomes NULL through the foreign key)."""
    rule = await get_rule(session, rule_id)
    await session.delete(rule)
    await session.flush()


async def _events_for_test(session: AsyncSession, request: RuleTestRequest) -> list[Event]:
    query = select(Event).where(Event.deleted_at.is_(None))
    if request.event_ids:
        rows = (await session.scalars(query.where(Event.id.in_(request.event_ids)))).all()
        missing = sorted(set(request.event_ids) - {e.id for e in rows})
        if missing:
            raise NotFound(f"events not found: {missing}", code="event_not_found")
        order = {event_id: i for i, event_id in enumerate(request.event_ids)}
        return sorted(rows, key=lambda e: order[e.id])
    query = query.order_by(Event.started_at.desc(), Event.id.desc()).limit(request.limit)
    return list((await session.scalars(query)).all())


async def _detections_by_event(
    session: AsyncSession, event_ids: list[int]
) -> dict[int, list[Detection]]:
    grouped: dict[int, list[Detection]] = {i: [] for i in event_ids}
    if not event_ids:
        return grouped
    rows = await session.execute(
        select(EventDetection.event_id, Detection)
        .join(Detection, Detection.id == EventDetection.detection_id)
        .where(EventDetection.event_id.in_(event_ids))
        .order_by(Detection.id)
    )
    for event_id, detection in rows.all():
        grouped[event_id].append(detection)
    return grouped


async def dry_run_rule(
    session: AsyncSession, rule_id: uuid.UUID, request: RuleTestRequest
) -> RuleTestResult:
    """Evaluate one rule (enabled or not) against stored events, ignoring cooldown. Read-only."""
    rule = await get_rule(session, rule_id)
    parsed = _parse(rule)
    events = await _events_for_test(session, request)
    detections = await _detections_by_event(session, [e.id for e in events])
    results: list[RuleTestEvent] = []
    for event in events:
        facts = await build_facts(
            session, event, detections[event.id], with_enrichment=bool(rule.conditions)
        )
        decision = decide(parsed, facts, at=request.test_time)
        results.append(
            RuleTestEvent(
                event_id=event.id,
                camera_id=event.camera_id,
                matched=decision.matched,
                matched_conditions=decision.matched_conditions,
                reason=decision.reason,
                dedup_key=decision.dedup_key,
            )
        )
    matched = sum(1 for r in results if r.matched)
    return RuleTestResult(
        rule_id=rule.id,
        events_tested=len(results),
        events_matched=matched,
        match_rate=round(matched / len(results), 4) if results else 0.0,
        results=results,
    )
