"""Enrichment results as producers send them. Vocabularies come from the models, so the API
accepts exactly what the database CHECK constraints allow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator

from vigil.core.schemas import ReadModel, StrictModel
from vigil.models.enrichment import (
    AGE_RANGES,
    GENDERS,
    POSE_CLASSES,
    THREAT_SEVERITIES,
    THREAT_TYPES,
)

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
PoseClass = Literal[POSE_CLASSES]  # type: ignore[valid-type]
ThreatType = Literal[THREAT_TYPES]  # type: ignore[valid-type]
ThreatSeverity = Literal[THREAT_SEVERITIES]  # type: ignore[valid-type]
AgeRange = Literal[AGE_RANGES]  # type: ignore[valid-type]
Gender = Literal[GENDERS]  # type: ignore[valid-type]
COCO_KEYPOINTS = 17


class PoseIn(StrictModel):
    pose_class: PoseClass
    confidence: Unit | None = None
    is_suspicious: bool = False
    keypoints: list[list[float]] | None = None

    @field_validator("keypoints")
    @classmethod
    def _coco(cls, value: list[list[float]] | None) -> list[list[float]] | None:
        if value is None:
            return None
        if len(value) != COCO_KEYPOINTS or any(len(p) != 3 for p in value):
            raise ValueError(
                f"keypoints must be {COCO_KEYPOINTS} COCO points of [x, y, confidence]"
            )
        return value


class ThreatIn(StrictModel):
    threat_type: ThreatType
    confidence: Unit
    severity: ThreatSeverity
    bbox: list[float] | None = Field(default=None, min_length=4, max_length=4)


class DemographicsIn(StrictModel):
    age_range: AgeRange
    age_confidence: Unit | None = None
    gender: Gender
    gender_confidence: Unit | None = None


class ReidIn(StrictModel):
    # The deployment's dimension (VIGIL_REID_DIMENSION) is enforced by the re-ID service; the
    # ceiling here only stops absurd payloads before they are parsed further.
    embedding: list[float] = Field(min_length=1, max_length=8192)


class ActionIn(StrictModel):
    action: str = Field(min_length=1, max_length=100)
    confidence: Unit | None = None
    is_suspicious: bool = False
    all_scores: dict[str, Unit] | None = None


class EnrichmentIn(StrictModel):
    pose: PoseIn | None = None
    threats: list[ThreatIn] = Field(default_factory=list, max_length=50)
    demographics: DemographicsIn | None = None
    reid: ReidIn | None = None
    action: ActionIn | None = None


class PoseRead(ReadModel):
    pose_class: str
    confidence: float | None
    is_suspicious: bool
    keypoints: list[list[float]] | None
    created_at: datetime


class ThreatRead(ReadModel):
    id: int
    threat_type: str
    confidence: float
    severity: str
    bbox: list[float] | None
    created_at: datetime


class DemographicsRead(ReadModel):
    age_range: str
    age_confidence: float | None
    gender: str
    gender_confidence: float | None
    created_at: datetime


class ActionRead(ReadModel):
    action: str
    confidence: float | None
    is_suspicious: bool
    all_scores: dict[str, float] | None
    created_at: datetime


class EnrichmentRead(StrictModel):
    pose: PoseRead | None = None
    threats: list[ThreatRead] = Field(default_factory=list)
    demographics: DemographicsRead | None = None
    action: ActionRead | None = None
    has_reid_embedding: bool = False
