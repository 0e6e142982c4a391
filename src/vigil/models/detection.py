from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import JSONB_TYPE, Base, UTCDateTime, pg_only_index


class Detection(Base):
    """One object the detector found in one image or clip. The bbox is in pixels of that image;
    ``image_width``/``image_height`` make it possible to normalise it (zones, re-ID crops)."""

    __tablename__ = "detections"
    __table_args__ = (
        CheckConstraint(
            "confidence IS NULL OR (confidence >= 0.0 AND confidence <= 1.0)",
            name="confidence_range",
        ),
        CheckConstraint("media_type IN ('image', 'video')", name="media_type_valid"),
        CheckConstraint(
            "(image_width IS NULL OR image_width > 0) AND "
            "(image_height IS NULL OR image_height > 0)",
            name="image_size_positive",
        ),
        Index("idx_detections_camera_id", "camera_id"),
        Index("idx_detections_detected_at", "detected_at"),
        Index("idx_detections_camera_time", "camera_id", "detected_at"),
        Index("idx_detections_camera_object_type", "camera_id", "object_type"),
        Index("idx_detections_object_type_time", "object_type", "detected_at"),
        pg_only_index("ix_detections_detected_at_brin", "detected_at", using="brin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False
    )
    file_path: Mapped[str] = mapped_column(String(1000), nullable=False)
    file_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    detected_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    object_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    bbox_x: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bbox_y: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bbox_width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bbox_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    image_width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    image_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    thumbnail_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    media_type: Mapped[str] = mapped_column(
        String(10), nullable=False, server_default=text("'image'")
    )
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    video_codec: Mapped[str | None] = mapped_column(String(50), nullable=True)
    video_width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    video_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enrichment_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE, nullable=True)
    # Ids of the enabled camera zones the bbox anchor (bottom-centre) was in when the detection
    # was ingested, highest priority first; NULL when it could not be computed (no bbox or image
    # size). Filled by ``vigil.zones.hooks``; alert rules with ``zone_ids`` read it.
    zone_ids: Mapped[list[str] | None] = mapped_column(JSONB_TYPE, nullable=True)
