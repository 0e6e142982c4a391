from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from vigil.core.schemas import StrictModel


class ReidSearch(StrictModel):
    """A similarity search. ``embedding`` is required for POST /api/reid/search; the detection's
    own stored embedding is used by GET /api/reid/similar/{id}."""

    embedding: list[float] | None = Field(default=None, min_length=1, max_length=8192)
    threshold: float | None = Field(default=None, ge=-1.0, le=1.0)
    limit: int = Field(default=10, ge=1, le=100)
    # Entity class: the detection's object_type (person, car, ...).
    object_type: str | None = Field(default=None, min_length=1, max_length=50)
    camera_ids: list[str] | None = Field(default=None, max_length=100)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    # Time the query subject was seen (default: the query detection's time, else now); the
    # window and the reported time gaps are measured from it.
    reference_time: AwareDatetime | None = None
    window_seconds: int | None = Field(default=None, ge=1, le=366 * 86_400)
    # Camera the query subject was seen on, for cross-camera links of a raw-embedding search.
    query_camera_id: str | None = Field(default=None, min_length=1, max_length=100)
    cross_camera_only: bool = False
    exclude_detection_id: int | None = None

    @model_validator(mode="after")
    def _window(self) -> ReidSearch:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since must not be after until")
        return self


class ReidMatch(BaseModel):
    detection_id: int
    camera_id: str
    camera_name: str
    object_type: str | None
    detected_at: datetime
    # Match time minus the reference time: negative = seen before the query subject.
    time_gap_seconds: float
    similarity: float
    # True/False: on another/the same camera as the query; None when the query has no camera.
    cross_camera: bool | None
    link: Literal["probably_same_subject"]
    statement: str


class ReidSearchResult(BaseModel):
    threshold: float
    reference_time: datetime
    query_detection_id: int | None
    query_camera_id: str | None
    # Embeddings that passed the filters (camera, class, time) and were compared.
    candidates: int
    matches: list[ReidMatch]
