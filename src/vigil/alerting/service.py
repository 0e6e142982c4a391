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
from functools import cache
from typing import Any

from sqlalchemy import TextClause, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.alerting.engine import Decision, EventFacts, RuleView, evaluate
from vigil.alerting.facts import build_facts, needs_enrichment
from vigil.alerting.schemas import RuleConditions, Schedule
from vigil.core import broadcast
from vigil.core.logging import get_logger
from vigil.events.pipeline import IngestedEvent
from vigil.models import Alert, AlertRule, AlertRulesGeneration, NotificationChannel

log = get_logger("alerting")

ALERTS_CHANNEL = "alerts"
DELIVERY_TASK = "notify.deliver"


@dataclass
class _ParsedRule:
    rule: RuleView
    schedule: Schedule | None
    conditions: RuleConditions | None
    error: str | None = None


def lock_key(dedup_key: str, rule_id: uuid.UUID) -> int:
    """A signed 64-bit advisory-lock key for one (dedup key, rule) pair."""
    digest = hashlib.sha256(f"vigil.alert:{rule_id}:{dedup_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@cache
def _lock_statement(n: int) -> TextClause:
    """``SELECT pg_advisory_xact_lock(:k0), ..., pg_advisory_xact_lock(:kN)``: all of an event's
    dedup locks in one round trip. A target list is evaluated left to right, so the locks are
    still taken one after another in the (sorted) order of the parameters."""
    return text("SELECT " + ", ".join(f"pg_advisory_xact_lock(:k{i})" for i in range(n)))


def _lock_params(keys: list[int]) -> dict[str, int]:
    return {f"k{i}": key for i, key in enumerate(keys)}


def _parse(rule: RuleView | AlertRule) -> _ParsedRule:
    view = rule if isinstance(rule, RuleView) else RuleView.of(rule)
    try:
        schedule = Schedule.model_validate(view.schedule) if view.schedule else None
        conditions = RuleConditions.model_validate(view.conditions) if view.conditions else None
    except ValueError as exc:
        return _ParsedRule(view, None, None, f"evaluation_error: invalid stored rule: {exc}")
    return _ParsedRule(view, schedule, conditions)


def decide(parsed: _ParsedRule, facts: EventFacts, at: datetime | None = None) -> Decision:
    if parsed.error:
        return Decision(parsed.rule.id, parsed.rule.name, False, [], reason=parsed.error[:300])
    return evaluate(
        parsed.rule, facts, at=at, schedule=parsed.schedule, conditions=parsed.conditions
    )


# Per process: database -> (generation token, parsed enabled rules). See AlertRulesGeneration.
_RULES_CACHE: dict[str, tuple[str, list[_ParsedRule]]] = {}


def _cache_key(session: AsyncSession) -> str:
    bind = session.bind
    url = getattr(bind, "url", None)
    return url.render_as_string(hide_password=True) if url is not None else ""


async def _enabled_rules(session: AsyncSession) -> list[_ParsedRule]:
    """The enabled rules, parsed. Reloaded only when the rules' generation token changed (any
    insert/update/delete on alert_rules, by anyone, replaces it); without a token, always."""
    token = await session.scalar(
        select(AlertRulesGeneration.token).where(AlertRulesGeneration.id == 1)
    )
    key = _cache_key(session)
    cached = _RULES_CACHE.get(key)
    if token is not None and cached is not None and cached[0] == token:
        return cached[1]
    # Plain rows, not ORM instances: cheaper, and nothing here is ever written back.
    columns = [AlertRule.__table__.c[name] for name in RuleView.__dataclass_fields__]
    rows = await session.execute(
        select(*columns).where(AlertRule.enabled.is_(True)).order_by(AlertRule.id)
    )
    parsed = [_parse(RuleView.of(row)) for row in rows.all()]
    if token is not None:
        _RULES_CACHE[key] = (token, parsed)
    return parsed


async def _cooling(
    session: AsyncSession, fired: list[tuple[RuleView, Decision]]
) -> set[tuple[uuid.UUID, str]]:
    """The (rule, dedup key) pairs among ``fired`` that have an alert inside their rule's
    cooldown window. One query for all of them; ``cooldown_seconds = 0`` never cools down."""
    cooled = [(r, d) for r, d in fired if r.cooldown_seconds > 0]
    if not cooled:
        return set()
    now = datetime.now(UTC)
    since = now - timedelta(seconds=max(r.cooldown_seconds for r, _ in cooled))
    rows = await session.execute(
        select(Alert.rule_id, Alert.dedup_key, func.max(Alert.created_at))
        .where(
            Alert.rule_id.in_([r.id for r, _ in cooled]),
            Alert.dedup_key.in_({d.dedup_key for _, d in cooled if d.dedup_key}),
            Alert.created_at >= since,
        )
        .group_by(Alert.rule_id, Alert.dedup_key)
    )
    latest = {(rule_id, key): at for rule_id, key, at in rows.all()}
    found: set[tuple[uuid.UUID, str]] = set()
    for rule, decision in cooled:
        key = (rule.id, decision.dedup_key or "")
        at = latest.get(key)
        if at is not None and at >= now - timedelta(seconds=rule.cooldown_seconds):
            found.add(key)
    return found


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


async def _channel_names(session: AsyncSession) -> set[str]:
    rows = await session.scalars(
        select(NotificationChannel.name).where(NotificationChannel.enabled.is_(True))
    )
    return set(rows.all())


def _new_alert(rule: RuleView, decision: Decision, facts: EventFacts) -> Alert:
    now = datetime.now(UTC)
    assert decision.dedup_key is not None
    return Alert(
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


async def _after_create(
    session: AsyncSession, alerts: list[Alert], facts: EventFacts, channels: set[str]
) -> None:
    """Queue delivery (when some enabled channel is targeted) and tell live subscribers; both
    happen only if the ingest transaction commits."""
    from vigil.jobs.service import enqueue_many  # the job queue imports task modules: lazy

    # One statement each for all of this event's alerts (an ingest can fire many rules). The
    # alerts are new, so no delivery job for them can exist yet: no uniqueness key is needed.
    deliveries = [
        {"alert_id": str(alert.id)}
        for alert in alerts
        if (set(alert.channels or []) & channels if alert.channels else channels)
    ]
    await enqueue_many(session, DELIVERY_TASK, deliveries)
    await broadcast.publish_many(
        ALERTS_CHANNEL,
        [
            {"type": "alert.created", "alert": alert_summary(alert, facts.camera_id)}
            for alert in alerts
        ],
        session,
    )


async def run_rules(session: AsyncSession, ingested: IngestedEvent) -> dict[str, Any]:
    """Evaluate every enabled rule for the ingested event and create the alerts that fire."""
    started = time.perf_counter()
    rules = await _enabled_rules(session)
    result: dict[str, Any] = {"evaluated": len(rules), "created": [], "decisions": []}
    if not rules:
        return result
    facts = await build_facts(
        session,
        ingested.event,
        ingested.detections,
        zones=ingested.detection_zones,
        with_enrichment=not ingested.fresh_unenriched and needs_enrichment([p.rule for p in rules]),
    )
    decisions = [(p.rule, decide(p, facts)) for p in rules]
    fired = [(rule, d) for rule, d in decisions if d.matched]
    if fired:
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            # Sorted, so two events firing the same rules lock in the same order (no deadlock).
            keys = sorted(
                {lock_key(d.dedup_key or "", r.id) for r, d in fired if r.cooldown_seconds}
            )
            if keys:
                await session.execute(_lock_statement(len(keys)), _lock_params(keys))
        cooling = await _cooling(session, fired)
        new: list[Alert] = []
        for rule, decision in fired:
            if (rule.id, decision.dedup_key or "") in cooling:
                decision.matched = False
                decision.reason = "in_cooldown"
                continue
            new.append(_new_alert(rule, decision, facts))
        if new:
            session.add_all(new)
            await session.flush()
            await _after_create(session, new, facts, await _channel_names(session))
            for alert in new:
                log.info(
                    "alerting.alert_created",
                    alert_id=str(alert.id),
                    rule_id=str(alert.rule_id),
                    event_id=facts.event_id,
                    camera_id=facts.camera_id,
                    severity=alert.severity,
                )
        result["created"] = [str(a.id) for a in new]
    result["decisions"] = [d.as_dict() for _, d in decisions]
    result["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result
