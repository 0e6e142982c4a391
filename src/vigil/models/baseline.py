from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
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
        String(100), ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False
    )
    hour: Mapped[int] = mapped_column(Integer, nullable=False)
    day_of_week: Mapped[int] = mapped_column(Integer, nullable=False)
    avg_count: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0.0"))
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
        String(100), ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False
    )
    detection_class: Mapped[str] = mapped_column(String(50), nullable=False)
    hour: Mapped[int] = mapped_column(Integer, nullable=False)
    frequency: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0.0"))
    sample_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_updated: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
