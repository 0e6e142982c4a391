from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime

# The twelve model outputs an event's LLM prompt can draw on, in display order.
MODEL_FLAGS = (
    "has_yolo26",
    "has_florence",
    "has_clip",
    "has_violence",
    "has_clothing",
    "has_vehicle",
    "has_pet",
    "has_weather",
    "has_image_quality",
    "has_zones",
    "has_baseline",
    "has_cross_camera",
)
SCORE_COLUMNS = (
    "context_usage_score",
    "reasoning_coherence_score",
    "risk_justification_score",
    "consistency_score",
    "overall_quality_score",
)


def _score_range(column: str) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IS NULL OR ({column} >= 1.0 AND {column} <= 5.0)", name=f"{column}_range"
    )


def _flag() -> Mapped[bool]:
    return mapped_column(Boolean, nullable=False, server_default=false())


class EventAudit(Base):
    __tablename__ = "event_audits"
    __table_args__ = (
        CheckConstraint(
            "enrichment_utilization >= 0.0 AND enrichment_utilization <= 1.0",
            name="enrichment_utilization_range",
        ),
        *(_score_range(c) for c in SCORE_COLUMNS),
        Index("idx_event_audits_event_id", "event_id"),
        Index("idx_event_audits_audited_at", "audited_at"),
        Index("idx_event_audits_overall_score", "overall_quality_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    audited_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    has_yolo26: Mapped[bool] = _flag()
    has_florence: Mapped[bool] = _flag()
    has_clip: Mapped[bool] = _flag()
    has_violence: Mapped[bool] = _flag()
    has_clothing: Mapped[bool] = _flag()
    has_vehicle: Mapped[bool] = _flag()
    has_pet: Mapped[bool] = _flag()
    has_weather: Mapped[bool] = _flag()
    has_image_quality: Mapped[bool] = _flag()
    has_zones: Mapped[bool] = _flag()
    has_baseline: Mapped[bool] = _flag()
    has_cross_camera: Mapped[bool] = _flag()
    prompt_length: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    prompt_token_estimate: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )
    enrichment_utilization: Mapped[float] = mapped_column(
        Float, nullable=False, server_default=text("0.0")
    )
    context_usage_score: Mapped[float | None] = mapped_column(Float)
    reasoning_coherence_score: Mapped[float | None] = mapped_column(Float)
    risk_justification_score: Mapped[float | None] = mapped_column(Float)
    consistency_score: Mapped[float | None] = mapped_column(Float)
    overall_quality_score: Mapped[float | None] = mapped_column(Float)
    consistency_risk_score: Mapped[int | None] = mapped_column(Integer)
    consistency_diff: Mapped[int | None] = mapped_column(Integer)
    self_eval_critique: Mapped[str | None] = mapped_column(Text)
    self_eval_prompt: Mapped[str | None] = mapped_column(Text)
    self_eval_response: Mapped[str | None] = mapped_column(Text)
    missing_context: Mapped[str | None] = mapped_column(Text)
    confusing_sections: Mapped[str | None] = mapped_column(Text)
    unused_data: Mapped[str | None] = mapped_column(Text)
    format_suggestions: Mapped[str | None] = mapped_column(Text)
    model_gaps: Mapped[str | None] = mapped_column(Text)

    @property
    def is_fully_evaluated(self) -> bool:
        return self.overall_quality_score is not None
