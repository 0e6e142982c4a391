from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from vigil.core.schemas import ReadModel, StrictModel


class ActivityRow(ReadModel):
    hour: int
    day_of_week: int
    avg_count: float
    count_variance: float
    sample_count: int
    last_updated: datetime


class ClassRow(ReadModel):
    detection_class: str
    hour: int
    frequency: float
    frequency_variance: float
    sample_count: int
    last_updated: datetime


class AnomalyRead(ReadModel):
    id: int
    camera_id: str
    event_id: int | None
    slot_start: datetime
    hour: int
    day_of_week: int
    kind: str
    detection_class: str
    observed_count: int
    expected_count: float
    p_value: float
    score: float
    created_at: datetime
    updated_at: datetime


class BaselineConfigRead(BaseModel):
    camera_id: str
    anomaly_threshold: float
    min_samples: int
    # Whether each value is the camera's own (True) or the deployment default (False).
    threshold_overridden: bool
    min_samples_overridden: bool
    observed_through: datetime | None


class BaselineConfigUpdate(StrictModel):
    """Camera overrides; ``null`` returns a value to the deployment default."""

    anomaly_threshold: float | None = Field(default=None, ge=0.5, lt=1.0)
    min_samples: int | None = Field(default=None, ge=1, le=10_000)


class HourPattern(BaseModel):
    hour: int
    mean: float
    std: float
    samples: int


class ClassSummary(BaseModel):
    detection_class: str
    expected_per_day: float
    peak_hour: int
    samples: int


class Deviation(BaseModel):
    slot_start: datetime
    hour: int
    day_of_week: int
    observed_count: int
    # Learned detections for the whole hour, and for the part of it that has passed.
    expected_count: float | None
    expected_so_far: float | None
    z_score: float | None
    interpretation: str | None
    p_value: float | None
    score: float | None
    established: bool


class BaselineSummary(BaseModel):
    camera_id: str
    timezone: str
    established: bool
    observed_through: datetime | None
    data_points: int
    config: BaselineConfigRead
    # heatmap[day_of_week][hour] = learned detections per hour (None: slot not learned yet)
    heatmap: list[list[float | None]]
    hourly_patterns: list[HourPattern]
    peak_hours: list[int]
    top_classes: list[ClassSummary]
    current_deviation: Deviation


class ResetResult(BaseModel):
    activity_rows_deleted: int
    class_rows_deleted: int


class RebuildQueued(BaseModel):
    job_id: str
    status: str
