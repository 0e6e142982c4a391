"""Calibration state learned from event feedback (vigil.feedback.calibration).

Both tables are independent of ``events``: deleting old events never loses what was learned.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime

DEFAULT_USER = "default"


def _count() -> Mapped[int]:
    return mapped_column(Integer, nullable=False, server_default=text("0"))


class UserCalibration(Base):
    """A user's severity thresholds (risk score at which low/medium/high start)."""

    __tablename__ = "user_calibrations"
    __table_args__ = (
        CheckConstraint(
            "low_threshold >= 0 AND low_threshold < medium_threshold "
            "AND medium_threshold < high_threshold AND high_threshold <= 100",
            name="thresholds_ordered",
        ),
    )

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    low_threshold: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("30"))
    medium_threshold: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("60")
    )
    high_threshold: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("85"))
    decay_factor: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0.1"))
    false_positive_count: Mapped[int] = _count()
    missed_threat_count: Mapped[int] = _count()
    feedback_count: Mapped[int] = _count()
    # The evidence window: feedback since the last adjustment and their summed pull (points).
    window_count: Mapped[int] = _count()
    window_pull: Mapped[int] = _count()
    adjustments: Mapped[int] = _count()
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )


class CameraCalibration(Base):
    """A camera's risk offset, learned from its false-positive rate one evidence window at a
    time."""

    __tablename__ = "camera_calibrations"
    __table_args__ = (
        CheckConstraint("risk_offset >= -100 AND risk_offset <= 100", name="risk_offset_range"),
    )

    camera_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    total_feedback_count: Mapped[int] = _count()
    false_positive_count: Mapped[int] = _count()
    false_positive_rate: Mapped[float] = mapped_column(
        Float, nullable=False, server_default=text("0.0")
    )
    risk_offset: Mapped[int] = _count()
    window_count: Mapped[int] = _count()
    window_false_positive_count: Mapped[int] = _count()
    adjustments: Mapped[int] = _count()
    suggested_score_count: Mapped[int] = _count()
    avg_user_suggested_score: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
