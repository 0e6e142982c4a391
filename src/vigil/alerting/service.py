"""The live engine: on every ingested event, in its transaction, decide and create alerts.

Dedup/cooldown is check-then-insert, made atomic per (dedup key, rule):
- PostgreSQL: ``pg_advisory_xact_lock`` on a 64-bit hash of the pair, taken before the check and
  held to the end of the transaction, so a concurrent ingest waits and then sees the committed
  alert. Locks are taken in a fixed (sorted) order so two events never deadlock each other.
- SQLite: the ingest has already written the event, so its transaction holds the database's
  single write lock; writers are serialised and the check cannot interleave.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.alerting.engine import Decision, EventFacts, evaluate
from vigil.alerting.facts import build_facts, needs_enrichment
from vigil.alerting.schemas import RuleConditions, Schedule
from vigil.core import broadcast
from vigil.core.logging import get_logger
from vigil.events.pipeline import IngestedEvent
from vigil.models import Alert, AlertRule, NotificationChannel

log = get_logger("alerting")

ALERTS_CHANNEL = "alerts"
DELIVERY_TASK = "notify.deliver"


@dataclass
class _ParsedRule:
    rule: AlertRule
    schedule: Schedule | None
    conditions: RuleConditions | None
    error: str | None = None


def lock_key(dedup_key: str, rule_id: uuid.UUID) -> int:
    """A signed 64-bit advisory-lock key for one (dedup key, rule) pair."""
    digest = hashlib.sha256(f"vigil.alert:{rule_id}:{dedup_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _parse(rule: AlertRule) -> _ParsedRule:
    try:
        schedule = Schedule.model_validate(rule.schedule) if rule.schedule else None
        conditions = RuleConditions.model_validate(rule.conditions) if rule.conditions else None
    except ValueError as exc:
        return _ParsedRule(rule, None, None, f"evaluation_error: invalid stored rule: {exc}")
    return _ParsedRule(rule, schedule, conditions)


def decide(parsed: _ParsedRule, facts: EventFacts, at: datetime | None = None) -> Decision:
    if parsed.error:
        return Decision(parsed.rule.id, parsed.rule.name, False, [], reason=parsed.error[:300])
    return evaluate(
        parsed.rule, facts, at=at, schedule=parsed.schedule, conditions=parsed.conditions
    )


async def _in_cooldown(session: AsyncSession, rule: AlertRule, dedup_key: str) -> bool:
    if rule.cooldown_seconds <= 0:
        return False  # 0 means no cooldown at all (not "the default")
    since = datetime.now(UTC) - timedelta(seconds=rule.cooldown_seconds)
    found = await session.scalar(
        select(Alert.id)
        .where(Alert.dedup_key == dedup_key, Alert.rule_id == rule.id, Alert.created_at >= since)
        .limit(1)
    )
    return found is not None


def alert_summary(alert: Alert, camera_id: str | None = None) -> dict[str, Any]:
    """What live subscribers get: small, no secrets, enough to refresh a list row."""
    return {
        "id": str(alert.id),
        "event_id": alert.event_id,
        "rule_id": str(alert.rule_id) if alert.rule_id else None,
        "camera_id": camera_id,
        "severity": alert.severity,
        "status": alert.status,
        "dedup_key": alert.dedup_key,
        "version_id": alert.version_id,
    }


async def _has_channels(session: AsyncSession, names: list[str] | None) -> bool:
    query = select(func.count()).select_from(NotificationChannel)
    query = query.where(NotificationChannel.enabled.is_(True))
    if names:
        query = query.where(NotificationChannel.name.in_(names))
    return bool(await session.scalar(query))


async def _create_alert(
    session: AsyncSession, rule: AlertRule, decision: Decision, facts: EventFacts
) -> Alert:
    from vigil.jobs.service import enqueue  # the job queue imports task modules; keep it lazy

    now = datetime.now(UTC)
    assert decision.dedup_key is not None
    alert = Alert(
        id=uuid.uuid4(),
        event_id=facts.event_id,
        rule_id=rule.id,
        severity=rule.severity,
        status="pending",
        created_at=now,
        updated_at=now,
        channels=list(rule.channels or []),
        dedup_key=decision.dedup_key,
        alert_metadata={
            "rule_name": rule.name,
            "matched_conditions": decision.matched_conditions,
            "camera_id": facts.camera_id,
            "risk_score": facts.risk_score,
            "object_type": decision.object_type,
            "zone_id": decision.zone_id or None,
            "history": [{"status": "pending", "at": now.isoformat(), "by": "engine"}],
        },
    )
    session.add(alert)
    await session.flush()
    if await _has_channels(session, rule.channels):
        await enqueue(
            session,
            DELIVERY_TASK,
            {"alert_id": str(alert.id)},
            unique_key=f"notify:{alert.id}",
        )
    await broadcast.publish(
        ALERTS_CHANNEL,
        {"type": "alert.created", "alert": alert_summary(alert, facts.camera_id)},
        session,
    )
    return alert


async def run_rules(session: AsyncSession, ingested: IngestedEvent) -> dict[str, Any]:
    """Evaluate every enabled rule for the ingested event and create the alerts that fire."""
    started = time.perf_counter()
    rules = (
        await session.scalars(
            select(AlertRule).where(AlertRule.enabled.is_(True)).order_by(AlertRule.id)
        )
    ).all()
    result: dict[str, Any] = {"evaluated": len(rules), "created": [], "decisions": []}
    if not rules:
        return result
    facts = await build_facts(
        session,
        ingested.event,
        ingested.detections,
        zones=ingested.detection_zones,
        with_enrichment=needs_enrichment(rules),
    )
    decisions = [(rule, decide(_parse(rule), facts)) for rule in rules]
    fired = [(rule, d) for rule, d in decisions if d.matched]
    if fired and session.bind is not None and session.bind.dialect.name == "postgresql":
        keys = sorted({lock_key(d.dedup_key or "", r.id) for r, d in fired if r.cooldown_seconds})
        for key in keys:
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    for rule, decision in fired:
        assert decision.dedup_key is not None
        if await _in_cooldown(session, rule, decision.dedup_key):
            decision.matched = False
            decision.reason = "in_cooldown"
            continue
        alert = await _create_alert(session, rule, decision, facts)
        result["created"].append(str(alert.id))
        log.info(
            "alerting.alert_created",
            alert_id=str(alert.id),
            rule_id=str(rule.id),
            event_id=facts.event_id,
            camera_id=facts.camera_id,
            severity=alert.severity,
        )
    result["decisions"] = [d.as_dict() for _, d in decisions]
    result["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result
