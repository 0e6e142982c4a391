from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime

ALERT_SEVERITIES = ("low", "medium", "high", "critical")
ALERT_STATUSES = ("pending", "delivered", "acknowledged", "dismissed")

AlertSeverityEnum = Enum(*ALERT_SEVERITIES, name="alert_severity", create_constraint=True)
AlertStatusEnum = Enum(*ALERT_STATUSES, name="alert_status", create_constraint=True)


class AlertRule(Base):
    __tablename__ = "alert_rules"
    __table_args__ = (
        CheckConstraint(
            "risk_threshold IS NULL OR (risk_threshold >= 0 AND risk_threshold <= 100)",
            name="risk_threshold_range",
        ),
        CheckConstraint(
            "min_confidence IS NULL OR (min_confidence >= 0.0 AND min_confidence <= 1.0)",
            name="min_confidence_range",
        ),
        CheckConstraint("cooldown_seconds >= 0", name="cooldown_non_negative"),
        Index("idx_alert_rules_name", "name"),
        Index("idx_alert_rules_enabled", "enabled"),
        Index("idx_alert_rules_severity", "severity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    severity: Mapped[str] = mapped_column(
        AlertSeverityEnum, nullable=False, server_default=text("'medium'")
    )
    risk_threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    object_types: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    camera_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    zone_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    min_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    dedup_key_template: Mapped[str] = mapped_column(
        String(255), nullable=False, server_default=text("'{camera_id}:{rule_id}'")
    )
    cooldown_seconds: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("300")
    )
    channels: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("idx_alerts_event_id", "event_id"),
        Index("idx_alerts_rule_id", "rule_id"),
        Index("idx_alerts_severity", "severity"),
        Index("idx_alerts_status", "status"),
        Index("idx_alerts_created_at", "created_at"),
        Index("idx_alerts_dedup_key", "dedup_key"),
        Index("idx_alerts_dedup_key_created_at", "dedup_key", "created_at"),
        Index("idx_alerts_delivered_at", "delivered_at"),
        Index("idx_alerts_event_rule_delivered", "event_id", "rule_id", "delivered_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False
    )
    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("alert_rules.id", ondelete="SET NULL"), nullable=True
    )
    severity: Mapped[str] = mapped_column(
        AlertSeverityEnum, nullable=False, server_default=text("'medium'")
    )
    status: Mapped[str] = mapped_column(
        AlertStatusEnum, nullable=False, server_default=text("'pending'")
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now(), onupdate=func.now()
    )
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    channels: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    dedup_key: Mapped[str] = mapped_column(String(255), nullable=False)
    alert_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version_id}


class AlertRulesGeneration(Base):
    """One row whose ``token`` changes (by database triggers) whenever any alert rule is
    inserted, updated or deleted, by any process or tool. The engine caches the enabled rules
    per process and reloads them only when the token differs: one tiny read per ingest instead
    of every rule."""

    __tablename__ = "alert_rules_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(64), nullable=False)
