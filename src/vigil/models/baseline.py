from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime


class ActivityBaseline(Base):
    __tablename__ = "activity_baselines"
    __table_args__ = (
        UniqueConstraint("camera_id", "hour", "day_of_week"),
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
        CheckConstraint("day_of_week >= 0 AND day_of_week <= 6", name="day_of_week_range"),
        Index("idx_activity_baseline_camera", "camera_id"),
        Index("idx_activity_baseline_slot", "camera_id", "hour", "day_of_week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(
        String, ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False
    )
    hour: Mapped[int] = mapped_column(Integer, nullable=False)
    day_of_week: Mapped[int] = mapped_column(Integer, nullable=False)
    avg_count: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0.0"))
    # EWMA variance of the per-slot count, next to the EWMA mean (over-dispersion, z-scores).
    count_variance: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0.0"))
    sample_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_updated: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )


class ClassBaseline(Base):
    __tablename__ = "class_baselines"
    __table_args__ = (
        UniqueConstraint("camera_id", "detection_class", "hour"),
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
        Index("idx_class_baseline_camera", "camera_id"),
        Index("idx_class_baseline_class", "camera_id", "detection_class"),
        Index("idx_class_baseline_slot", "camera_id", "detection_class", "hour"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(
        String, ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False
    )
    detection_class: Mapped[str] = mapped_column(String, nullable=False)
    hour: Mapped[int] = mapped_column(Integer, nullable=False)
    frequency: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0.0"))
    frequency_variance: Mapped[float] = mapped_column(
        Float, nullable=False, server_default=text("0.0")
    )
    sample_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_updated: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )


class BaselineConfig(Base):
    """Per-camera baseline settings (NULL = the deployment default) and learning state."""

    __tablename__ = "baseline_configs"
    __table_args__ = (
        CheckConstraint(
            "anomaly_threshold IS NULL OR (anomaly_threshold >= 0.5 AND anomaly_threshold < 1.0)",
            name="anomaly_threshold_range",
        ),
        CheckConstraint("min_samples IS NULL OR min_samples >= 1", name="min_samples_positive"),
    )

    camera_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    anomaly_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    min_samples: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Every hour slot that starts before this instant has been folded into the baselines; NULL
    # before the camera's first detection was seen (or after a reset).
    observed_through: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now(), onupdate=func.now()
    )


ANOMALY_KINDS = ("activity", "class")


class BaselineAnomaly(Base):
    """One unusual hour slot of a camera: overall activity, or one class. Later events in the
    same slot update the row (the count so far and the score only grow within a slot)."""

    __tablename__ = "baseline_anomalies"
    __table_args__ = (
        UniqueConstraint("camera_id", "slot_start", "kind", "detection_class"),
        CheckConstraint("kind IN ('activity', 'class')", name="kind_valid"),
        CheckConstraint("score >= 0.0 AND score <= 1.0", name="score_range"),
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
        CheckConstraint("day_of_week >= 0 AND day_of_week <= 6", name="day_of_week_range"),
        Index("idx_baseline_anomalies_camera_slot", "camera_id", "slot_start"),
        Index("idx_baseline_anomalies_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="SET NULL"), nullable=True
    )
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    hour: Mapped[int] = mapped_column(Integer, nullable=False)
    day_of_week: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # '' for overall activity, so the unique key works (NULLs never conflict).
    detection_class: Mapped[str] = mapped_column(
        String(50), nullable=False, server_default=text("''")
    )
    observed_count: Mapped[int] = mapped_column(Integer, nullable=False)
    expected_count: Mapped[float] = mapped_column(Float, nullable=False)
    p_value: Mapped[float] = mapped_column(Float, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now(), onupdate=func.now()
    )
