"""Rule evaluation: pure functions from (rule, facts about one event, time) to a decision.

No database here, so the live engine and the dry run share exactly the same logic. All of a rule's
conditions are ANDed. The detection-level conditions (object types, min confidence, zones) must
hold for the *same* detection: "a person in the driveway" does not fire for a car in the driveway
and a person on the sidewalk.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vigil.alerting.schemas import RuleConditions, Schedule

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
THREAT_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
SEVERITY_RANK = THREAT_RANK
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class RuleView:
    """The columns of an ``alert_rules`` row the engine reads (built from the row or the ORM
    object, so the hot path never builds ORM instances)."""

    id: uuid.UUID
    name: str
    severity: str
    risk_threshold: int | None
    object_types: list[str] | None
    camera_ids: list[str] | None
    zone_ids: list[str] | None
    min_confidence: float | None
    schedule: dict[str, Any] | None
    conditions: dict[str, Any] | None
    dedup_key_template: str
    cooldown_seconds: int
    channels: list[str] | None

    @classmethod
    def of(cls, row: Any) -> RuleView:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class DetectionFacts:
    id: int
    object_type: str | None
    confidence: float | None
    zone_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PoseFact:
    detection_id: int
    pose_class: str
    confidence: float | None


@dataclass(frozen=True)
class ActionFact:
    detection_id: int
    action: str
    confidence: float | None


@dataclass(frozen=True)
class ThreatFact:
    detection_id: int
    threat_type: str
    severity: str
    confidence: float


@dataclass
class EventFacts:
    event_id: int
    camera_id: str
    risk_score: int | None
    started_at: datetime
    detections: list[DetectionFacts]
    poses: list[PoseFact] = field(default_factory=list)
    actions: list[ActionFact] = field(default_factory=list)
    threats: list[ThreatFact] = field(default_factory=list)


@dataclass
class Decision:
    rule_id: uuid.UUID
    rule_name: str
    matched: bool
    matched_conditions: list[str]
    reason: str | None = None
    dedup_key: str | None = None
    object_type: str | None = None
    zone_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": str(self.rule_id),
            "rule_name": self.rule_name,
            "matched": self.matched,
            "matched_conditions": self.matched_conditions,
            "reason": self.reason,
            "dedup_key": self.dedup_key,
        }


class _Skip(Exception):
    """A condition failed: the reason becomes the decision's ``reason``."""


def in_schedule(schedule: Schedule, at: datetime) -> bool:
    """Is ``at`` (aware) inside the schedule? Overnight windows (start > end) run past midnight
    and their early-morning part counts for the day the window started on."""
    local = at.astimezone(ZoneInfo(schedule.timezone))
    minute = local.hour * 60 + local.minute
    day = WEEKDAYS[local.weekday()]
    if schedule.start_time is None or schedule.end_time is None:
        return not schedule.days or day in schedule.days
    start = _minutes(schedule.start_time)
    end = _minutes(schedule.end_time)
    if start <= end:
        return start <= minute <= end and (not schedule.days or day in schedule.days)
    if minute >= start:
        return not schedule.days or day in schedule.days
    if minute <= end:
        previous = WEEKDAYS[(local - timedelta(days=1)).weekday()]
        return not schedule.days or previous in schedule.days
    return False


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _candidates(rule: RuleView, facts: EventFacts, matched: list[str]) -> list[DetectionFacts]:
    """Detections satisfying every detection-level condition of the rule."""
    candidates = list(facts.detections)
    if rule.object_types:
        wanted = {t.lower() for t in rule.object_types}
        candidates = [d for d in candidates if d.object_type and d.object_type.lower() in wanted]
        if not candidates:
            raise _Skip(f"no detection of object_types {sorted(wanted)}")
        matched.append(f"object_type in {sorted(wanted)}")
    if rule.min_confidence is not None:
        floor = rule.min_confidence
        candidates = [d for d in candidates if d.confidence is not None and d.confidence >= floor]
        if not candidates:
            raise _Skip(f"no matching detection with confidence >= {floor}")
        matched.append(f"confidence >= {floor}")
    if rule.zone_ids:
        zones = set(rule.zone_ids)
        candidates = [d for d in candidates if zones.intersection(d.zone_ids)]
        if not candidates:
            raise _Skip("no matching detection inside the rule's zones")
        matched.append(f"zone in {sorted(zones)}")
    return candidates


def _check_enrichment(conditions: RuleConditions, facts: EventFacts, matched: list[str]) -> None:
    if conditions.pose is not None:
        pose = conditions.pose
        if not any(
            p.pose_class.lower() in pose.classes
            and (p.confidence is None or p.confidence >= pose.min_confidence)
            for p in facts.poses
        ):
            raise _Skip(f"no pose in {pose.classes} with confidence >= {pose.min_confidence}")
        matched.append(f"pose in {pose.classes}")
    if conditions.action is not None:
        action = conditions.action
        if not any(
            a.action.lower() in action.actions
            and (a.confidence is None or a.confidence >= action.min_confidence)
            for a in facts.actions
        ):
            raise _Skip(f"no action in {action.actions} with confidence >= {action.min_confidence}")
        matched.append(f"action in {action.actions}")
    if conditions.threat is not None:
        threat = conditions.threat
        floor = THREAT_RANK[threat.min_severity]
        if not any(
            (threat.types is None or t.threat_type in threat.types)
            and THREAT_RANK.get(t.severity, -1) >= floor
            and t.confidence >= threat.min_confidence
            for t in facts.threats
        ):
            raise _Skip(
                f"no threat {threat.types or 'of any type'} of severity >= {threat.min_severity}"
            )
        matched.append(f"threat severity >= {threat.min_severity}")


def _representative(candidates: list[DetectionFacts]) -> DetectionFacts | None:
    """The detection that names the alert: most confident, ties broken by object type then id,
    so ``{object_type}`` never depends on the order detections arrived in."""
    if not candidates:
        return None
    return sorted(candidates, key=lambda d: (-(d.confidence or 0.0), d.object_type or "", d.id))[0]


def render_dedup_key(
    template: str, *, camera_id: str, rule_id: uuid.UUID, object_type: str, zone_id: str
) -> str:
    key = template.format(
        camera_id=camera_id, rule_id=str(rule_id), object_type=object_type, zone_id=zone_id
    )
    if len(key) > MAX_KEY_LENGTH:
        # Still unique and stable: a readable prefix plus the digest of the full key.
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        key = f"{key[: MAX_KEY_LENGTH - 33]}#{digest}"
    return key


def evaluate(
    rule: RuleView,
    facts: EventFacts,
    *,
    at: datetime | None = None,
    schedule: Schedule | None = None,
    conditions: RuleConditions | None = None,
) -> Decision:
    """Decide whether ``rule`` fires for the event. ``at`` (default: the event's start) is the
    time the schedule is checked at; parsed ``schedule``/``conditions`` may be passed in to skip
    re-validation. Never raises for a bad rule: the error becomes the skip reason."""
    matched: list[str] = []
    decision = Decision(rule.id, rule.name, False, matched)
    try:
        if rule.risk_threshold is not None:
            if facts.risk_score is None or facts.risk_score < rule.risk_threshold:
                raise _Skip(f"risk_score {facts.risk_score} < {rule.risk_threshold}")
            matched.append(f"risk_score >= {rule.risk_threshold}")
        if rule.camera_ids:
            if facts.camera_id not in rule.camera_ids:
                raise _Skip(f"camera {facts.camera_id} not in camera_ids")
            matched.append(f"camera_id in {sorted(rule.camera_ids)}")
        candidates = _candidates(rule, facts, matched)
        if rule.schedule:
            schedule = schedule or Schedule.model_validate(rule.schedule)
            if not in_schedule(schedule, at or facts.started_at):
                raise _Skip("outside_schedule")
            matched.append("within_schedule")
        if rule.conditions:
            conditions = conditions or RuleConditions.model_validate(rule.conditions)
            _check_enrichment(conditions, facts, matched)
        if not matched:
            matched.append("no_conditions (always matches)")
        chosen = _representative(candidates)
        zone_id = ""
        if chosen is not None and chosen.zone_ids:
            allowed = [z for z in chosen.zone_ids if not rule.zone_ids or z in rule.zone_ids]
            zone_id = allowed[0] if allowed else ""
        decision.object_type = (chosen.object_type if chosen else None) or "unknown"
        decision.zone_id = zone_id
        decision.dedup_key = render_dedup_key(
            rule.dedup_key_template,
            camera_id=facts.camera_id,
            rule_id=rule.id,
            object_type=decision.object_type,
            zone_id=zone_id,
        )
        decision.matched = True
    except _Skip as skip:
        decision.reason = str(skip)
    except Exception as exc:  # one bad rule (e.g. edited in the database) never stops the rest
        decision.reason = f"evaluation_error: {type(exc).__name__}: {str(exc)[:200]}"
    return decision
