from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import JSONB_TYPE, TSVECTOR_TYPE, Base, UTCDateTime, pg_only_index

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_SOURCES = ("backend", "frontend")


class Log(Base):
    """Application and browser log records. ``search_vector`` is maintained by a PostgreSQL
    trigger (message A, component B, level C); SQLite keeps the FTS5 table ``logs_fts``."""

    __tablename__ = "logs"
    __table_args__ = (
        CheckConstraint(
            "level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')", name="level_valid"
        ),
        CheckConstraint("source IN ('backend', 'frontend')", name="source_valid"),
        Index("idx_logs_timestamp", "timestamp"),
        Index("idx_logs_level", "level"),
        Index("idx_logs_component", "component"),
        Index("idx_logs_camera_id", "camera_id"),
        Index("idx_logs_source", "source"),
        pg_only_index("ix_logs_timestamp_brin", "timestamp", using="brin"),
        pg_only_index("idx_logs_search_vector", "search_vector", using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    component: Mapped[str] = mapped_column(String(50), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    camera_id: Mapped[str | None] = mapped_column(String(100))
    event_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(36))
    detection_id: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE)
    source: Mapped[str] = mapped_column(
        String(10), nullable=False, server_default=text("'backend'")
    )
    user_agent: Mapped[str | None] = mapped_column(Text)
    search_vector: Mapped[Any] = mapped_column(TSVECTOR_TYPE, nullable=True)
