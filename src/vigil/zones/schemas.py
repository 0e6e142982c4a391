"""Zone input and output. Shape/point consistency is checked here so every API error is a 422
with a readable message; the service re-checks the merged result of a partial update."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from vigil.core.schemas import ReadModel, StrictModel
from vigil.models.camera_zone import ZONE_SHAPES, ZONE_TYPES
from vigil.zones.geometry import Point, is_self_intersecting, polygon_area, rectangle_points

ZoneType = Literal[ZONE_TYPES]  # type: ignore[valid-type]
ZoneShape = Literal[ZONE_SHAPES]  # type: ignore[valid-type]
Coordinate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
XY = Annotated[list[Coordinate], Field(min_length=2, max_length=2)]
Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Priority = Annotated[int, Field(ge=0, le=100)]
MAX_POINTS = 256


def validate_shape(shape: str, coordinates: list[list[float]]) -> list[list[float]]:
    """The canonical stored points for a shape: rectangles become their 4 corners; polygons must
    have ≥ 3 points, a non-zero area and no self-intersection. Raises ``ValueError``."""
    points: list[Point] = [(float(p[0]), float(p[1])) for p in coordinates]
    if shape == "rectangle":
        return [[x, y] for x, y in rectangle_points(points)]
    if len(points) < 3:
        raise ValueError("a polygon needs at least 3 points")
    if is_self_intersecting(points):
        raise ValueError("polygon edges cross or touch each other (self-intersecting)")
    if polygon_area(points) <= 1e-12:
        raise ValueError("polygon has no area (all points on one line)")
    return [[x, y] for x, y in points]


def infer_shape(coordinates: list[list[float]]) -> str:
    """Shape when the caller gives none: 2 points can only be a rectangle's corners."""
    return "rectangle" if len(coordinates) == 2 else "polygon"


class ZoneCreate(StrictModel):
    id: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$"
    )
    name: str = Field(min_length=1, max_length=255)
    zone_type: ZoneType = "other"
    shape: ZoneShape | None = None
    coordinates: list[XY] = Field(min_length=2, max_length=MAX_POINTS)
    color: Colour = "#3B82F6"
    enabled: bool = True
    priority: Priority = 0

    @model_validator(mode="after")
    def _consistent(self) -> ZoneCreate:
        self.shape = self.shape or infer_shape(self.coordinates)
        self.coordinates = validate_shape(self.shape, self.coordinates)
        return self


class ZoneUpdate(StrictModel):
    """Partial update: only the fields given change. Shape and coordinates are validated together
    against the zone's current values."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    zone_type: ZoneType | None = None
    shape: ZoneShape | None = None
    coordinates: list[XY] | None = Field(default=None, min_length=2, max_length=MAX_POINTS)
    color: Colour | None = None
    enabled: bool | None = None
    priority: Priority | None = None


class ZoneRead(ReadModel):
    id: str
    camera_id: str
    name: str
    zone_type: str
    shape: str
    coordinates: list[list[float]]
    color: str
    enabled: bool
    priority: int
    created_at: datetime
    updated_at: datetime
