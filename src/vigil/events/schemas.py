from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from vigil.core.schemas import ReadModel, StrictModel
from vigil.enrichment.schemas import EnrichmentIn

RiskLevel = Literal["low", "medium", "high", "critical"]


class BBox(StrictModel):
    """Pixel box in the detection's own image: top-left corner plus size."""

    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)


class DetectionFields(StrictModel):
    file_path: str = Field(min_length=1, max_length=1000)
    file_type: str | None = Field(default=None, max_length=50)
    detected_at: AwareDatetime | None = None
    object_type: str | None = Field(default=None, min_length=1, max_length=50)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    bbox: BBox | None = None
    image_width: int | None = Field(default=None, gt=0, le=100_000)
    image_height: int | None = Field(default=None, gt=0, le=100_000)
    thumbnail_path: str | None = Field(default=None, max_length=1000)
    media_type: Literal["image", "video"] = "image"
    duration: float | None = Field(default=None, ge=0)
    video_codec: str | None = Field(default=None, max_length=50)
    video_width: int | None = Field(default=None, gt=0)
    video_height: int | None = Field(default=None, gt=0)
    enrichment_data: dict[str, Any] | None = None
    enrichment: EnrichmentIn | None = None

    @model_validator(mode="after")
    def _bbox_inside_image(self) -> DetectionFields:
        if self.bbox is None:
            return self
        if self.image_width is None or self.image_height is None:
            raise ValueError(
                "bbox needs image_width and image_height (the image it is measured in)"
            )
        if self.bbox.x + self.bbox.width > self.image_width:
            raise ValueError("bbox extends past the image's right edge (x + width > image_width)")
        if self.bbox.y + self.bbox.height > self.image_height:
            raise ValueError(
                "bbox extends past the image's bottom edge (y + height > image_height)"
            )
        return self


class DetectionCreate(DetectionFields):
    camera_id: str = Field(min_length=1, max_length=100)


class DetectionRead(ReadModel):
    id: int
    camera_id: str
    file_path: str
    file_type: str | None
    detected_at: datetime
    object_type: str | None
    confidence: float | None
    bbox_x: int | None
    bbox_y: int | None
    bbox_width: int | None
    bbox_height: int | None
    image_width: int | None
    image_height: int | None
    thumbnail_path: str | None
    media_type: str
    enrichment_data: dict[str, Any] | None
    # Zones its anchor point was in at ingest (highest priority first); None = not computable.
    zone_ids: list[str] | None = None


class EventFields(StrictModel):
    batch_id: str | None = Field(default=None, min_length=1, max_length=100)
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    risk_score: int | None = Field(default=None, ge=0, le=100)
    summary: str | None = Field(default=None, max_length=20_000)
    reasoning: str | None = Field(default=None, max_length=50_000)
    llm_prompt: str | None = Field(default=None, max_length=200_000)
    is_fast_path: bool = False
    clip_path: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _ends_after_start(self) -> EventFields:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self


class EventCreate(EventFields):
    camera_id: str = Field(min_length=1, max_length=100)
    detection_ids: list[int] = Field(default_factory=list, max_length=1000)


class EventUpdate(StrictModel):
    reviewed: bool | None = None
    notes: str | None = Field(default=None, max_length=10_000)


class IngestRequest(EventFields):
    """One event with its detections and their enrichment, stored in one transaction."""

    camera_id: str = Field(min_length=1, max_length=100)
    detections: list[DetectionFields] = Field(default_factory=list, max_length=500)


class EventRead(ReadModel):
    id: int
    batch_id: str
    camera_id: str
    started_at: datetime
    ended_at: datetime | None
    risk_score: int | None
    risk_level: str | None
    summary: str | None
    reasoning: str | None
    reviewed: bool
    notes: str | None
    is_fast_path: bool
    object_types: str | None
    # How unusual this event's activity was for its camera and hour (0 to 1), once learned.
    anomaly_score: float | None = None
    created_at: datetime


class EventDetail(EventRead):
    llm_prompt: str | None
    detection_ids: list[int]


class IngestResult(StrictModel):
    event: EventRead
    detection_ids: list[int]
    # What the ingest pipeline decided (alerts created, anomaly score, zones…), for the caller.
    pipeline: dict[str, Any] = Field(default_factory=dict)
