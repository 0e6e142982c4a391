"""Notification channels (named destinations) and the record of every delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime

CHANNEL_KINDS = ("apprise", "webhook")


class NotificationChannel(Base):
    """A user-configured destination. ``url`` (and ``secret``) may carry credentials: they are
    stored here and never returned by the API or written to logs."""

    __tablename__ = "notification_channels"
    __table_args__ = (
        CheckConstraint("kind IN ('apprise', 'webhook')", name="kind_valid"),
        Index("idx_notification_channels_name_unique", "name", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class AlertDelivery(Base):
    """One attempt to deliver one alert to one channel (kept for every try, failed or not)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("idx_alert_deliveries_alert_id", "alert_id"),
        Index("idx_alert_deliveries_channel_id", "channel_id"),
        Index("idx_alert_deliveries_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("notification_channels.id", ondelete="SET NULL"), nullable=True
    )
    channel_name: Mapped[str] = mapped_column(String(100), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # A short reason without secrets (status code, exception type), never a response body.
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, server_default=func.now())
