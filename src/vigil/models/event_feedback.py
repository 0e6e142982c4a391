from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime

# One vocabulary for the API and the database (the reference system had two).
FEEDBACK_TYPES = ("accurate", "correct", "false_positive", "missed_threat", "severity_wrong")
SEVERITIES = ("low", "medium", "high", "critical")


class EventFeedback(Base):
    __tablename__ = "event_feedback"
    __table_args__ = (
        CheckConstraint(
            "feedback_type IN ('accurate', 'correct', 'false_positive', 'missed_threat', "
            "'severity_wrong')",
            name="feedback_type_valid",
        ),
        CheckConstraint(
            "expected_severity IS NULL OR expected_severity IN ('low', 'medium', 'high', "
            "'critical')",
            name="expected_severity_valid",
        ),
        CheckConstraint(
            "suggested_score IS NULL OR (suggested_score >= 0 AND suggested_score <= 100)",
            name="suggested_score_range",
        ),
        Index("idx_event_feedback_event_id", "event_id"),
        Index("idx_event_feedback_type", "feedback_type"),
        Index("idx_event_feedback_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    feedback_type: Mapped[str] = mapped_column(String, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    expected_severity: Mapped[str | None] = mapped_column(String)
    # The risk score the user thinks was right (optional); feeds the per-camera mean.
    suggested_score: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
