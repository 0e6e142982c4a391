from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from vigil.core.schemas import ReadModel, StrictModel
from vigil.models.event_feedback import FEEDBACK_TYPES, SEVERITIES

# Built from the model's tuples: the API accepts exactly what the database CHECK allows.
FeedbackType = Literal[FEEDBACK_TYPES]  # type: ignore[valid-type]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]


class FeedbackCreate(StrictModel):
    event_id: int = Field(gt=0)
    feedback_type: FeedbackType
    notes: str | None = Field(default=None, max_length=1000)
    # Required for severity_wrong (it says which way the severity was wrong); refused otherwise.
    expected_severity: Severity | None = None
    suggested_score: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _severity_only_when_wrong(self) -> FeedbackCreate:
        if self.feedback_type == "severity_wrong" and self.expected_severity is None:
            raise ValueError("severity_wrong needs expected_severity (low, medium, high, critical)")
        if self.feedback_type != "severity_wrong" and self.expected_severity is not None:
            raise ValueError("expected_severity is only meaningful with severity_wrong")
        return self


class FeedbackRead(ReadModel):
    id: int
    event_id: int
    feedback_type: str
    notes: str | None
    expected_severity: str | None
    suggested_score: int | None
    created_at: datetime


class CameraFeedbackStats(BaseModel):
    camera_id: str
    total: int
    false_positives: int
    false_positive_rate: float


class FeedbackStats(BaseModel):
    total: int
    by_type: dict[str, int]
    by_camera: list[CameraFeedbackStats]
    by_object_class: dict[str, dict[str, int]]


class UserCalibrationRead(ReadModel):
    user_id: str
    low_threshold: int
    medium_threshold: int
    high_threshold: int
    decay_factor: float
    false_positive_count: int
    missed_threat_count: int
    feedback_count: int
    window_count: int
    window_pull: int
    adjustments: int
    updated_at: datetime


class CameraCalibrationRead(ReadModel):
    camera_id: str
    total_feedback_count: int
    false_positive_count: int
    false_positive_rate: float
    risk_offset: int
    window_count: int
    window_false_positive_count: int
    adjustments: int
    suggested_score_count: int
    avg_user_suggested_score: float | None
    updated_at: datetime


class CalibrationRead(BaseModel):
    user: UserCalibrationRead
    is_calibrated: bool
    window_size: int
    cameras: list[CameraCalibrationRead]


class CalibrationReset(StrictModel):
    # Reset only this camera's offset; without it, the user thresholds and every camera reset.
    camera_id: str | None = Field(default=None, min_length=1, max_length=100)
