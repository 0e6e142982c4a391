from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime

CAMERA_STATUSES = ("online", "offline", "error", "unknown")


class Camera(Base):
    __tablename__ = "cameras"
    __table_args__ = (
        CheckConstraint("status IN ('online', 'offline', 'error', 'unknown')", name="status_valid"),
        Index("idx_cameras_name_unique", "name", unique=True),
        Index("idx_cameras_folder_path_unique", "folder_path", unique=True),
        Index("idx_cameras_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    folder_path: Mapped[str] = mapped_column(String(500), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'online'"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
