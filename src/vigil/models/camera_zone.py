from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import JSONB_TYPE, Base, UTCDateTime

ZONE_TYPES = ("entry_point", "driveway", "sidewalk", "yard", "other")
ZONE_SHAPES = ("rectangle", "polygon")


class CameraZone(Base):
    __tablename__ = "camera_zones"
    __table_args__ = (
        CheckConstraint("priority >= 0", name="priority_non_negative"),
        # The regex check is PostgreSQL syntax; SQLite gets an equivalent GLOB in the migration.
        CheckConstraint("color ~ '^#[0-9A-Fa-f]{6}$'", name="color_hex").ddl_if(
            dialect="postgresql"
        ),
        CheckConstraint(
            "length(color) = 7 AND color GLOB '#[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]"
            "[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]'",
            name="color_hex",
        ).ddl_if(dialect="sqlite"),
        Index("idx_camera_zones_camera_id", "camera_id"),
        Index("idx_camera_zones_enabled", "enabled"),
        Index("idx_camera_zones_camera_enabled", "camera_id", "enabled"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    camera_id: Mapped[str] = mapped_column(
        String, ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    zone_type: Mapped[str] = mapped_column(
        Enum(*ZONE_TYPES, name="camera_zone_type_enum", create_constraint=True),
        nullable=False,
        server_default=text("'other'"),
    )
    coordinates: Mapped[list[list[float]]] = mapped_column(JSONB_TYPE, nullable=False)
    shape: Mapped[str] = mapped_column(
        Enum(*ZONE_SHAPES, name="camera_zone_shape_enum", create_constraint=True),
        nullable=False,
        server_default=text("'rectangle'"),
    )
    color: Mapped[str] = mapped_column(String(7), nullable=False, server_default=text("'#3B82F6'"))
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    priority: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now(), onupdate=func.now()
    )
