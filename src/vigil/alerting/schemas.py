"""Alert rule and alert shapes. Everything a user writes is strict: unknown fields are an error."""

from __future__ import annotations

import re
import string
import uuid
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, field_validator, model_validator

from vigil.core.schemas import ReadModel, StrictModel
from vigil.models.enrichment import POSE_CLASSES, THREAT_SEVERITIES, THREAT_TYPES

Severity = Literal["low", "medium", "high", "critical"]
AlertStatus = Literal["pending", "delivered", "acknowledged", "dismissed"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PoseClass = Literal[POSE_CLASSES]  # type: ignore[valid-type]
ThreatType = Literal[THREAT_TYPES]  # type: ignore[valid-type]
ThreatSeverity = Literal[THREAT_SEVERITIES]  # type: ignore[valid-type]

DEDUP_PLACEHOLDERS = frozenset({"camera_id", "rule_id", "object_type", "zone_id"})
DEFAULT_DEDUP_TEMPLATE = "{camera_id}:{rule_id}"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CHANNEL_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
Unit = Field(default=0.0, ge=0.0, le=1.0)


def validate_dedup_template(template: str) -> str:
    """Only known placeholders, no format specs or conversions, at least one placeholder."""
    fields: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"dedup_key_template is malformed: {exc}") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in DEDUP_PLACEHOLDERS:
            raise ValueError(
                f"dedup_key_template: unknown placeholder {{{name}}}; allowed: "
                + ", ".join(f"{{{p}}}" for p in sorted(DEDUP_PLACEHOLDERS))
            )
        if spec or conversion:
            raise ValueError("dedup_key_template: placeholders take no format spec or conversion")
        fields.append(name)
    if not fields:
        raise ValueError("dedup_key_template needs at least one placeholder")
    return template


class Schedule(StrictModel):
    """When a rule may fire, in the schedule's own time zone. ``start_time > end_time`` is an
    overnight window; its after-midnight part belongs to the day it started on."""

    days: list[Weekday] = Field(default_factory=list, max_length=7)
    start_time: str | None = None
    end_time: str | None = None
    timezone: str = "UTC"

    @field_validator("days", mode="before")
    @classmethod
    def _lower_days(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [v.lower() if isinstance(v, str) else v for v in value]
        return value

    @field_validator("start_time", "end_time")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise ValueError("time must be HH:MM (00:00 to 23:59)")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _both_times(self) -> Schedule:
        if (self.start_time is None) != (self.end_time is None):
            raise ValueError("give both start_time and end_time, or neither")
        if not self.days and self.start_time is None:
            raise ValueError("a schedule needs days, a time window, or both")
        return self


class PoseCondition(StrictModel):
    classes: list[PoseClass] = Field(min_length=1)
    min_confidence: float = Unit


class ActionCondition(StrictModel):
    actions: list[str] = Field(min_length=1)
    min_confidence: float = Unit

    @field_validator("actions")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        cleaned = [a.strip().lower() for a in value]
        if any(not a or len(a) > 100 for a in cleaned):
            raise ValueError("actions must be non-empty names of at most 100 characters")
        return cleaned


class ThreatCondition(StrictModel):
    types: list[ThreatType] | None = None
    min_severity: ThreatSeverity = "low"
    min_confidence: float = Unit


class RuleConditions(StrictModel):
    """Conditions on enrichment results of the event's detections (all given ones must hold)."""

    pose: PoseCondition | None = None
    action: ActionCondition | None = None
    threat: ThreatCondition | None = None


class _RuleFields(StrictModel):
    description: str | None = Field(default=None, max_length=5000)
    risk_threshold: int | None = Field(default=None, ge=0, le=100)
    object_types: list[str] | None = Field(default=None, max_length=100)
    camera_ids: list[str] | None = Field(default=None, max_length=1000)
    zone_ids: list[str] | None = Field(default=None, max_length=1000)
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    schedule: Schedule | None = None
    conditions: RuleConditions | None = None
    channels: list[str] | None = Field(default=None, max_length=50)

    @field_validator("object_types", "camera_ids", "zone_ids")
    @classmethod
    def _clean_list(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [v.strip() for v in value]
        if any(not v or len(v) > 100 for v in cleaned):
            raise ValueError("entries must be non-empty strings of at most 100 characters")
        return list(dict.fromkeys(cleaned))

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for name in value:
            if not re.match(_CHANNEL_NAME, name):
                raise ValueError(f"invalid channel name {name!r}")
        return list(dict.fromkeys(value))

    @field_validator("object_types")
    @classmethod
    def _lower_types(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [v.lower() for v in value]


class RuleCreate(_RuleFields):
    name: str = Field(min_length=1, max_length=255)
    enabled: bool = True
    severity: Severity = "medium"
    dedup_key_template: str = Field(default=DEFAULT_DEDUP_TEMPLATE, min_length=1, max_length=255)
    cooldown_seconds: int = Field(default=300, ge=0, le=30 * 86400)

    @field_validator("dedup_key_template")
    @classmethod
    def _template(cls, value: str) -> str:
        return validate_dedup_template(value)


class RuleUpdate(_RuleFields):
    """Partial update: only the fields sent change. Required fields cannot be set to null."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    enabled: bool | None = None
    severity: Severity | None = None
    dedup_key_template: str | None = Field(default=None, min_length=1, max_length=255)
    cooldown_seconds: int | None = Field(default=None, ge=0, le=30 * 86400)

    @field_validator("dedup_key_template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return None if value is None else validate_dedup_template(value)

    @model_validator(mode="after")
    def _no_null_required(self) -> RuleUpdate:
        for name in ("name", "enabled", "severity", "dedup_key_template", "cooldown_seconds"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class RuleRead(ReadModel):
    id: uuid.UUID
    name: str
    description: str | None
    enabled: bool
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
    created_at: datetime
    updated_at: datetime


class RuleTestRequest(StrictModel):
    event_ids: list[int] | None = Field(default=None, min_length=1, max_length=1000)
    limit: int = Field(default=10, ge=1, le=1000)
    test_time: AwareDatetime | None = None


class RuleTestEvent(StrictModel):
    event_id: int
    camera_id: str
    matched: bool
    matched_conditions: list[str]
    reason: str | None
    dedup_key: str | None


class RuleTestResult(StrictModel):
    rule_id: uuid.UUID
    events_tested: int
    events_matched: int
    match_rate: float
    results: list[RuleTestEvent]


class AlertRead(ReadModel):
    id: uuid.UUID
    event_id: int
    rule_id: uuid.UUID | None
    camera_id: str | None = None
    severity: str
    status: str
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    channels: list[str] | None
    dedup_key: str
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="alert_metadata")
    version_id: int


class AlertAcknowledge(StrictModel):
    version_id: int | None = Field(default=None, ge=1)


class AlertDismiss(StrictModel):
    version_id: int | None = Field(default=None, ge=1)
    reason: str | None = Field(default=None, max_length=500)
