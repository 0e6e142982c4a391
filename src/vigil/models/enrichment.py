"""Per-detection outputs of the enrichment models. Vocabularies here are the single source for
both the database CHECK constraints and API validation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import JSONB_TYPE, Base, UTCDateTime

POSE_CLASSES = (
    "standing",
    "crouching",
    "bending_over",
    "arms_raised",
    "sitting",
    "lying_down",
    "unknown",
)
THREAT_TYPES = ("gun", "knife", "grenade", "explosive", "weapon", "other")
THREAT_SEVERITIES = ("critical", "high", "medium", "low")
AGE_RANGES = (
    "0-10",
    "11-20",
    "21-30",
    "31-40",
    "41-50",
    "51-60",
    "61-70",
    "71-80",
    "81+",
    "unknown",
)
GENDERS = ("male", "female", "unknown")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _unit(column: str, nullable: bool = True) -> str:
    rng = f"{column} >= 0.0 AND {column} <= 1.0"
    return f"{column} IS NULL OR ({rng})" if nullable else rng


def _detection_fk(unique: bool) -> Mapped[int]:
    return mapped_column(
        Integer, ForeignKey("detections.id", ondelete="CASCADE"), nullable=False, unique=unique
    )


def _created_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=False, server_default=func.now())


class PoseResult(Base):
    __tablename__ = "pose_results"
    __table_args__ = (
        CheckConstraint(_in("pose_class", POSE_CLASSES), name="pose_class_valid"),
        CheckConstraint(_unit("confidence"), name="confidence_range"),
        Index("idx_pose_results_created_at", "created_at"),
        Index("idx_pose_results_is_suspicious", "is_suspicious"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    detection_id: Mapped[int] = _detection_fk(unique=True)
    keypoints: Mapped[list[Any] | None] = mapped_column(JSONB_TYPE, nullable=True)
    pose_class: Mapped[str] = mapped_column(String(50), nullable=False)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_suspicious: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    created_at: Mapped[datetime] = _created_at()


class ThreatDetection(Base):
    __tablename__ = "threat_detections"
    __table_args__ = (
        CheckConstraint(_in("threat_type", THREAT_TYPES), name="threat_type_valid"),
        CheckConstraint(_in("severity", THREAT_SEVERITIES), name="severity_valid"),
        CheckConstraint(_unit("confidence", nullable=False), name="confidence_range"),
        Index("idx_threat_detections_detection_id", "detection_id"),
        Index("idx_threat_detections_created_at", "created_at"),
        Index("idx_threat_detections_type", "threat_type"),
        Index("idx_threat_detections_severity", "severity"),
        Index("idx_threat_detections_type_severity", "threat_type", "severity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    detection_id: Mapped[int] = _detection_fk(unique=False)
    threat_type: Mapped[str] = mapped_column(String(50), nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    bbox: Mapped[list[float] | None] = mapped_column(JSONB_TYPE, nullable=True)
    created_at: Mapped[datetime] = _created_at()


class DemographicsResult(Base):
    __tablename__ = "demographics_results"
    __table_args__ = (
        CheckConstraint(_in("age_range", AGE_RANGES), name="age_range_valid"),
        CheckConstraint(_in("gender", GENDERS), name="gender_valid"),
        CheckConstraint(_unit("age_confidence"), name="age_confidence_range"),
        CheckConstraint(_unit("gender_confidence"), name="gender_confidence_range"),
        Index("idx_demographics_results_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    detection_id: Mapped[int] = _detection_fk(unique=True)
    age_range: Mapped[str] = mapped_column(String(20), nullable=False)
    age_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    gender: Mapped[str] = mapped_column(String(20), nullable=False)
    gender_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = _created_at()


class ReidEmbedding(Base):
    __tablename__ = "reid_embeddings"
    __table_args__ = (
        Index("idx_reid_embeddings_hash", "embedding_hash"),
        Index("idx_reid_embeddings_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    detection_id: Mapped[int] = _detection_fk(unique=True)
    embedding: Mapped[list[float]] = mapped_column(JSONB_TYPE, nullable=False)
    embedding_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # The same unit vector as little-endian float32 bytes (dimension x 4 bytes): what the
    # in-process search index loads, ~10x faster than parsing the JSON list.
    embedding_f32: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = _created_at()


class ActionResult(Base):
    __tablename__ = "action_results"
    __table_args__ = (
        CheckConstraint(_unit("confidence"), name="confidence_range"),
        Index("idx_action_results_created_at", "created_at"),
        Index("idx_action_results_action", "action"),
        Index("idx_action_results_is_suspicious", "is_suspicious"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    detection_id: Mapped[int] = _detection_fk(unique=True)
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_suspicious: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    all_scores: Mapped[dict[str, float] | None] = mapped_column(JSONB_TYPE, nullable=True)
    created_at: Mapped[datetime] = _created_at()
