"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26 13:29:34.356551
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _is_pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _pg_index(name: str, table: str, columns: list[str], using: str) -> None:
    """BRIN and GIN exist only on PostgreSQL; SQLite gets its own search (FTS5) instead."""
    if _is_pg():
        op.create_index(name, table, columns, unique=False, postgresql_using=using)


def _pg_drop_index(name: str, table: str) -> None:
    if _is_pg():
        op.drop_index(name, table_name=table)


# logs.search_vector: message weighs most (A), then component (B), then level (C).
PG_LOGS_SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION logs_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.message, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.component, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.level, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""
PG_LOGS_SEARCH_TRIGGER = """
CREATE TRIGGER logs_search_vector_trigger
BEFORE INSERT OR UPDATE OF message, component, level ON logs
FOR EACH ROW EXECUTE FUNCTION logs_search_vector_update();
"""

# SQLite: an external-content FTS5 index over the same three fields (porter stemming), kept in
# step with ``logs`` by triggers.
SQLITE_LOGS_FTS = [
    """CREATE VIRTUAL TABLE logs_fts USING fts5(
        message, component, level, content='logs', content_rowid='id',
        tokenize='porter unicode61')""",
    """CREATE TRIGGER logs_fts_ai AFTER INSERT ON logs BEGIN
        INSERT INTO logs_fts(rowid, message, component, level)
        VALUES (new.id, new.message, new.component, new.level);
    END""",
    """CREATE TRIGGER logs_fts_ad AFTER DELETE ON logs BEGIN
        INSERT INTO logs_fts(logs_fts, rowid, message, component, level)
        VALUES ('delete', old.id, old.message, old.component, old.level);
    END""",
    """CREATE TRIGGER logs_fts_au AFTER UPDATE OF message, component, level ON logs BEGIN
        INSERT INTO logs_fts(logs_fts, rowid, message, component, level)
        VALUES ('delete', old.id, old.message, old.component, old.level);
        INSERT INTO logs_fts(rowid, message, component, level)
        VALUES (new.id, new.message, new.component, new.level);
    END""",
]


def _create_log_search() -> None:
    if _is_pg():
        op.execute(PG_LOGS_SEARCH_FUNCTION)
        op.execute(PG_LOGS_SEARCH_TRIGGER)
    else:
        for statement in SQLITE_LOGS_FTS:
            op.execute(statement)


def _drop_log_search() -> None:
    if _is_pg():
        op.execute("DROP TRIGGER IF EXISTS logs_search_vector_trigger ON logs")
        op.execute("DROP FUNCTION IF EXISTS logs_search_vector_update()")
    else:
        for name in ("logs_fts_ai", "logs_fts_ad", "logs_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS logs_fts")


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "severity",
            sa.Enum(
                "low", "medium", "high", "critical", name="alert_severity", create_constraint=True
            ),
            server_default=sa.text("'medium'"),
            nullable=False,
        ),
        sa.Column("risk_threshold", sa.Integer(), nullable=True),
        sa.Column("object_types", sa.JSON(), nullable=True),
        sa.Column("camera_ids", sa.JSON(), nullable=True),
        sa.Column("zone_ids", sa.JSON(), nullable=True),
        sa.Column("min_confidence", sa.Float(), nullable=True),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=True),
        sa.Column(
            "dedup_key_template",
            sa.String(length=255),
            server_default=sa.text("'{camera_id}:{rule_id}'"),
            nullable=False,
        ),
        sa.Column("cooldown_seconds", sa.Integer(), server_default=sa.text("300"), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "cooldown_seconds >= 0", name=op.f("ck_alert_rules_cooldown_non_negative")
        ),
        sa.CheckConstraint(
            "min_confidence IS NULL OR (min_confidence >= 0.0 AND min_confidence <= 1.0)",
            name=op.f("ck_alert_rules_min_confidence_range"),
        ),
        sa.CheckConstraint(
            "risk_threshold IS NULL OR (risk_threshold >= 0 AND risk_threshold <= 100)",
            name=op.f("ck_alert_rules_risk_threshold_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
    )
    op.create_index("idx_alert_rules_enabled", "alert_rules", ["enabled"], unique=False)
    op.create_index("idx_alert_rules_name", "alert_rules", ["name"], unique=False)
    op.create_index("idx_alert_rules_severity", "alert_rules", ["severity"], unique=False)
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "timestamp", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("resource_type", sa.String(length=50), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'success'"), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('success', 'failure')", name=op.f("ck_audit_logs_status_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_logs")),
        # Audit ids must never be reused (the hash chain and its retention anchor rely on it).
        sqlite_autoincrement=True,
    )
    op.create_index("idx_audit_logs_action", "audit_logs", ["action"], unique=False)
    op.create_index("idx_audit_logs_actor", "audit_logs", ["actor"], unique=False)
    op.create_index(
        "idx_audit_logs_resource", "audit_logs", ["resource_type", "resource_id"], unique=False
    )
    op.create_index("idx_audit_logs_resource_type", "audit_logs", ["resource_type"], unique=False)
    op.create_index("idx_audit_logs_status", "audit_logs", ["status"], unique=False)
    op.create_index("idx_audit_logs_timestamp", "audit_logs", ["timestamp"], unique=False)
    _pg_index("ix_audit_logs_timestamp_brin", "audit_logs", ["timestamp"], "brin")
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder_path", sa.String(length=500), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'online'"), nullable=False
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('online', 'offline', 'error', 'unknown')",
            name=op.f("ck_cameras_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
    )
    op.create_index("idx_cameras_folder_path_unique", "cameras", ["folder_path"], unique=True)
    op.create_index("idx_cameras_name_unique", "cameras", ["name"], unique=True)
    op.create_index("idx_cameras_status", "cameras", ["status"], unique=False)
    op.create_table(
        "gpu_stats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("gpu_name", sa.String(length=255), nullable=True),
        sa.Column("gpu_utilization", sa.Float(), nullable=True),
        sa.Column("memory_used", sa.Integer(), nullable=True),
        sa.Column("memory_total", sa.Integer(), nullable=True),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("power_usage", sa.Float(), nullable=True),
        sa.Column("inference_fps", sa.Float(), nullable=True),
        sa.Column("fan_speed", sa.Integer(), nullable=True),
        sa.Column("sm_clock", sa.Integer(), nullable=True),
        sa.Column("memory_bandwidth_utilization", sa.Float(), nullable=True),
        sa.Column("pstate", sa.Integer(), nullable=True),
        sa.Column("throttle_reasons", sa.Integer(), nullable=True),
        sa.Column("power_limit", sa.Float(), nullable=True),
        sa.Column("sm_clock_max", sa.Integer(), nullable=True),
        sa.Column("compute_processes_count", sa.Integer(), nullable=True),
        sa.Column("pcie_replay_counter", sa.Integer(), nullable=True),
        sa.Column("temp_slowdown_threshold", sa.Float(), nullable=True),
        sa.Column("memory_clock", sa.Integer(), nullable=True),
        sa.Column("memory_clock_max", sa.Integer(), nullable=True),
        sa.Column("pcie_link_gen", sa.Integer(), nullable=True),
        sa.Column("pcie_link_width", sa.Integer(), nullable=True),
        sa.Column("pcie_tx_throughput", sa.Integer(), nullable=True),
        sa.Column("pcie_rx_throughput", sa.Integer(), nullable=True),
        sa.Column("encoder_utilization", sa.Integer(), nullable=True),
        sa.Column("decoder_utilization", sa.Integer(), nullable=True),
        sa.Column("bar1_used", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gpu_stats")),
    )
    _pg_index("ix_gpu_stats_recorded_at_brin", "gpu_stats", ["recorded_at"], "brin")
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("job_type", sa.String(length=50), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'queued'"), nullable=False
        ),
        sa.Column("queue_name", sa.String(length=100), nullable=True),
        sa.Column("priority", sa.Integer(), server_default=sa.text("2"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_percent", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("current_step", sa.String(length=255), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_traceback", sa.Text(), nullable=True),
        sa.Column("attempt_number", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("max_attempts", sa.Integer(), server_default=sa.text("3"), nullable=False),
        sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unique_key", sa.String(length=255), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'completed', 'failed', 'cancelled')",
            name=op.f("ck_jobs_status_valid"),
        ),
        sa.CheckConstraint("attempt_number >= 1", name=op.f("ck_jobs_attempt_number_positive")),
        sa.CheckConstraint(
            "completed_at IS NULL OR completed_at >= created_at",
            name=op.f("ck_jobs_completed_after_created"),
        ),
        sa.CheckConstraint("max_attempts >= 1", name=op.f("ck_jobs_max_attempts_positive")),
        sa.CheckConstraint("priority >= 0 AND priority <= 4", name=op.f("ck_jobs_priority_range")),
        sa.CheckConstraint(
            "progress_percent >= 0 AND progress_percent <= 100", name=op.f("ck_jobs_progress_range")
        ),
        sa.CheckConstraint(
            "started_at IS NULL OR started_at >= created_at",
            name=op.f("ck_jobs_started_after_created"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("idx_jobs_created_at", "jobs", ["created_at"], unique=False)
    op.create_index("idx_jobs_job_type", "jobs", ["job_type"], unique=False)
    op.create_index("idx_jobs_job_type_status", "jobs", ["job_type", "status"], unique=False)
    op.create_index("idx_jobs_priority", "jobs", ["priority"], unique=False)
    op.create_index("idx_jobs_queue_name", "jobs", ["queue_name"], unique=False)
    op.create_index("idx_jobs_status", "jobs", ["status"], unique=False)
    op.create_index("idx_jobs_status_created_at", "jobs", ["status", "created_at"], unique=False)
    _pg_index("ix_jobs_created_at_brin", "jobs", ["created_at"], "brin")
    op.create_index(
        "uq_jobs_unique_key_queued",
        "jobs",
        ["unique_key"],
        unique=True,
        postgresql_where=sa.text("status = 'queued' AND unique_key IS NOT NULL"),
        sqlite_where=sa.text("status = 'queued' AND unique_key IS NOT NULL"),
    )
    op.create_table(
        "logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "timestamp", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("component", sa.String(length=50), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("camera_id", sa.String(length=100), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("detection_id", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "source", sa.String(length=10), server_default=sa.text("'backend'"), nullable=False
        ),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column(
            "search_vector",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')",
            name=op.f("ck_logs_level_valid"),
        ),
        sa.CheckConstraint("source IN ('backend', 'frontend')", name=op.f("ck_logs_source_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logs")),
    )
    op.create_index("idx_logs_camera_id", "logs", ["camera_id"], unique=False)
    op.create_index("idx_logs_component", "logs", ["component"], unique=False)
    op.create_index("idx_logs_level", "logs", ["level"], unique=False)
    _pg_index("idx_logs_search_vector", "logs", ["search_vector"], "gin")
    op.create_index("idx_logs_source", "logs", ["source"], unique=False)
    op.create_index("idx_logs_timestamp", "logs", ["timestamp"], unique=False)
    _pg_index("ix_logs_timestamp_brin", "logs", ["timestamp"], "brin")
    op.create_table(
        "activity_baselines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("day_of_week", sa.Integer(), nullable=False),
        sa.Column("avg_count", sa.Float(), server_default=sa.text("0.0"), nullable=False),
        sa.Column("sample_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "last_updated", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "day_of_week >= 0 AND day_of_week <= 6",
            name=op.f("ck_activity_baselines_day_of_week_range"),
        ),
        sa.CheckConstraint(
            "hour >= 0 AND hour <= 23", name=op.f("ck_activity_baselines_hour_range")
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_activity_baselines_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_baselines")),
        sa.UniqueConstraint(
            "camera_id",
            "hour",
            "day_of_week",
            name=op.f("uq_activity_baselines_camera_id_hour_day_of_week"),
        ),
    )
    op.create_index(
        "idx_activity_baseline_camera", "activity_baselines", ["camera_id"], unique=False
    )
    op.create_index(
        "idx_activity_baseline_slot",
        "activity_baselines",
        ["camera_id", "hour", "day_of_week"],
        unique=False,
    )
    op.create_table(
        "camera_zones",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("camera_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "zone_type",
            sa.Enum(
                "entry_point",
                "driveway",
                "sidewalk",
                "yard",
                "other",
                name="camera_zone_type_enum",
                create_constraint=True,
            ),
            server_default=sa.text("'other'"),
            nullable=False,
        ),
        sa.Column(
            "coordinates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "shape",
            sa.Enum("rectangle", "polygon", name="camera_zone_shape_enum", create_constraint=True),
            server_default=sa.text("'rectangle'"),
            nullable=False,
        ),
        sa.Column(
            "color", sa.String(length=7), server_default=sa.text("'#3B82F6'"), nullable=False
        ),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("priority", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "color ~ '^#[0-9A-Fa-f]{6}$'", name=op.f("ck_camera_zones_color_hex")
        ).ddl_if(dialect="postgresql"),
        sa.CheckConstraint(
            "length(color) = 7 AND color GLOB '#[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]'",
            name=op.f("ck_camera_zones_color_hex"),
        ).ddl_if(dialect="sqlite"),
        sa.CheckConstraint("priority >= 0", name=op.f("ck_camera_zones_priority_non_negative")),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_camera_zones_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_zones")),
    )
    op.create_index(
        "idx_camera_zones_camera_enabled", "camera_zones", ["camera_id", "enabled"], unique=False
    )
    op.create_index("idx_camera_zones_camera_id", "camera_zones", ["camera_id"], unique=False)
    op.create_index("idx_camera_zones_enabled", "camera_zones", ["enabled"], unique=False)
    op.create_table(
        "class_baselines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(), nullable=False),
        sa.Column("detection_class", sa.String(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.Float(), server_default=sa.text("0.0"), nullable=False),
        sa.Column("sample_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "last_updated", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("hour >= 0 AND hour <= 23", name=op.f("ck_class_baselines_hour_range")),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_class_baselines_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_baselines")),
        sa.UniqueConstraint(
            "camera_id",
            "detection_class",
            "hour",
            name=op.f("uq_class_baselines_camera_id_detection_class_hour"),
        ),
    )
    op.create_index("idx_class_baseline_camera", "class_baselines", ["camera_id"], unique=False)
    op.create_index(
        "idx_class_baseline_class",
        "class_baselines",
        ["camera_id", "detection_class"],
        unique=False,
    )
    op.create_index(
        "idx_class_baseline_slot",
        "class_baselines",
        ["camera_id", "detection_class", "hour"],
        unique=False,
    )
    op.create_table(
        "detections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=100), nullable=False),
        sa.Column("file_path", sa.String(length=1000), nullable=False),
        sa.Column("file_type", sa.String(length=50), nullable=True),
        sa.Column(
            "detected_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("object_type", sa.String(length=50), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("bbox_x", sa.Integer(), nullable=True),
        sa.Column("bbox_y", sa.Integer(), nullable=True),
        sa.Column("bbox_width", sa.Integer(), nullable=True),
        sa.Column("bbox_height", sa.Integer(), nullable=True),
        sa.Column("image_width", sa.Integer(), nullable=True),
        sa.Column("image_height", sa.Integer(), nullable=True),
        sa.Column("thumbnail_path", sa.String(length=1000), nullable=True),
        sa.Column(
            "media_type", sa.String(length=10), server_default=sa.text("'image'"), nullable=False
        ),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("video_codec", sa.String(length=50), nullable=True),
        sa.Column("video_width", sa.Integer(), nullable=True),
        sa.Column("video_height", sa.Integer(), nullable=True),
        sa.Column(
            "enrichment_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "media_type IN ('image', 'video')", name=op.f("ck_detections_media_type_valid")
        ),
        sa.CheckConstraint(
            "(image_width IS NULL OR image_width > 0) AND (image_height IS NULL OR image_height > 0)",
            name=op.f("ck_detections_image_size_positive"),
        ),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0.0 AND confidence <= 1.0)",
            name=op.f("ck_detections_confidence_range"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_detections_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detections")),
    )
    op.create_index("idx_detections_camera_id", "detections", ["camera_id"], unique=False)
    op.create_index(
        "idx_detections_camera_object_type",
        "detections",
        ["camera_id", "object_type"],
        unique=False,
    )
    op.create_index(
        "idx_detections_camera_time", "detections", ["camera_id", "detected_at"], unique=False
    )
    op.create_index("idx_detections_detected_at", "detections", ["detected_at"], unique=False)
    op.create_index(
        "idx_detections_object_type_time",
        "detections",
        ["object_type", "detected_at"],
        unique=False,
    )
    _pg_index("ix_detections_detected_at_brin", "detections", ["detected_at"], "brin")
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=False),
        sa.Column("camera_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("risk_score", sa.Integer(), nullable=True),
        sa.Column("risk_level", sa.String(length=10), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("llm_prompt", sa.Text(), nullable=True),
        sa.Column("reviewed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("is_fast_path", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("object_types", sa.Text(), nullable=True),
        sa.Column("clip_path", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "risk_level IS NULL OR risk_level IN ('low', 'medium', 'high', 'critical')",
            name=op.f("ck_events_risk_level_valid"),
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_events_ended_after_started")
        ),
        sa.CheckConstraint(
            "risk_score IS NULL OR (risk_score >= 0 AND risk_score <= 100)",
            name=op.f("ck_events_risk_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_events_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("idx_events_batch_id", "events", ["batch_id"], unique=False)
    op.create_index("idx_events_camera_id", "events", ["camera_id"], unique=False)
    op.create_index(
        "idx_events_camera_started", "events", ["camera_id", "started_at"], unique=False
    )
    op.create_index("idx_events_risk_level", "events", ["risk_level"], unique=False)
    op.create_index("idx_events_started_at", "events", ["started_at"], unique=False)
    op.create_table(
        "job_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("attempt_number", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'started'"), nullable=False
        ),
        sa.Column("worker_id", sa.String(length=100), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_traceback", sa.Text(), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('started', 'succeeded', 'failed', 'cancelled')",
            name=op.f("ck_job_attempts_status_valid"),
        ),
        sa.CheckConstraint(
            "attempt_number >= 1", name=op.f("ck_job_attempts_attempt_number_positive")
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_job_attempts_ended_after_started"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_attempts_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_attempts")),
    )
    op.create_index(
        "idx_job_attempts_job_attempt", "job_attempts", ["job_id", "attempt_number"], unique=False
    )
    op.create_index("idx_job_attempts_job_id", "job_attempts", ["job_id"], unique=False)
    op.create_index("idx_job_attempts_status", "job_attempts", ["status"], unique=False)
    _pg_index("ix_job_attempts_started_at_brin", "job_attempts", ["started_at"], "brin")
    op.create_table(
        "job_logs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("attempt_number", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "timestamp", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("level", sa.String(length=10), server_default=sa.text("'info'"), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "level IN ('debug', 'info', 'warning', 'error')", name=op.f("ck_job_logs_level_valid")
        ),
        sa.CheckConstraint("attempt_number >= 1", name=op.f("ck_job_logs_attempt_number_positive")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_logs_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_logs")),
    )
    op.create_index(
        "idx_job_logs_job_attempt", "job_logs", ["job_id", "attempt_number"], unique=False
    )
    op.create_index("idx_job_logs_job_id", "job_logs", ["job_id"], unique=False)
    op.create_index("idx_job_logs_job_timestamp", "job_logs", ["job_id", "timestamp"], unique=False)
    op.create_index("idx_job_logs_level", "job_logs", ["level"], unique=False)
    _pg_index("ix_job_logs_timestamp_brin", "job_logs", ["timestamp"], "brin")
    op.create_table(
        "job_transitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("from_status", sa.String(length=50), nullable=True),
        sa.Column("to_status", sa.String(length=50), nullable=False),
        sa.Column(
            "transitioned_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "triggered_by", sa.String(length=50), server_default=sa.text("'worker'"), nullable=False
        ),
        sa.Column(
            "metadata_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "triggered_by IN ('worker', 'user', 'timeout', 'retry', 'system')",
            name=op.f("ck_job_transitions_triggered_by_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_transitions_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_transitions")),
    )
    op.create_index("idx_job_transitions_job_id", "job_transitions", ["job_id"], unique=False)
    op.create_index(
        "idx_job_transitions_job_time",
        "job_transitions",
        ["job_id", "transitioned_at"],
        unique=False,
    )
    op.create_index(
        "idx_job_transitions_transitioned_at", "job_transitions", ["transitioned_at"], unique=False
    )
    op.create_table(
        "action_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("is_suspicious", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "all_scores",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0.0 AND confidence <= 1.0)",
            name=op.f("ck_action_results_confidence_range"),
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detections.id"],
            name=op.f("fk_action_results_detection_id_detections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_results")),
        sa.UniqueConstraint("detection_id", name=op.f("uq_action_results_detection_id")),
    )
    op.create_index("idx_action_results_action", "action_results", ["action"], unique=False)
    op.create_index("idx_action_results_created_at", "action_results", ["created_at"], unique=False)
    op.create_index(
        "idx_action_results_is_suspicious", "action_results", ["is_suspicious"], unique=False
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=True),
        sa.Column(
            "severity",
            sa.Enum(
                "low", "medium", "high", "critical", name="alert_severity", create_constraint=True
            ),
            server_default=sa.text("'medium'"),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "acknowledged",
                "dismissed",
                name="alert_status",
                create_constraint=True,
            ),
            server_default=sa.text("'pending'"),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=True),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("version_id", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_alerts_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_alerts_rule_id_alert_rules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("idx_alerts_created_at", "alerts", ["created_at"], unique=False)
    op.create_index("idx_alerts_dedup_key", "alerts", ["dedup_key"], unique=False)
    op.create_index(
        "idx_alerts_dedup_key_created_at", "alerts", ["dedup_key", "created_at"], unique=False
    )
    op.create_index("idx_alerts_delivered_at", "alerts", ["delivered_at"], unique=False)
    op.create_index("idx_alerts_event_id", "alerts", ["event_id"], unique=False)
    op.create_index(
        "idx_alerts_event_rule_delivered",
        "alerts",
        ["event_id", "rule_id", "delivered_at"],
        unique=False,
    )
    op.create_index("idx_alerts_rule_id", "alerts", ["rule_id"], unique=False)
    op.create_index("idx_alerts_severity", "alerts", ["severity"], unique=False)
    op.create_index("idx_alerts_status", "alerts", ["status"], unique=False)
    op.create_table(
        "demographics_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column("age_range", sa.String(length=20), nullable=False),
        sa.Column("age_confidence", sa.Float(), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=False),
        sa.Column("gender_confidence", sa.Float(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "age_range IN ('0-10', '11-20', '21-30', '31-40', '41-50', '51-60', '61-70', '71-80', '81+', 'unknown')",
            name=op.f("ck_demographics_results_age_range_valid"),
        ),
        sa.CheckConstraint(
            "gender IN ('male', 'female', 'unknown')",
            name=op.f("ck_demographics_results_gender_valid"),
        ),
        sa.CheckConstraint(
            "age_confidence IS NULL OR (age_confidence >= 0.0 AND age_confidence <= 1.0)",
            name=op.f("ck_demographics_results_age_confidence_range"),
        ),
        sa.CheckConstraint(
            "gender_confidence IS NULL OR (gender_confidence >= 0.0 AND gender_confidence <= 1.0)",
            name=op.f("ck_demographics_results_gender_confidence_range"),
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detections.id"],
            name=op.f("fk_demographics_results_detection_id_detections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demographics_results")),
        sa.UniqueConstraint("detection_id", name=op.f("uq_demographics_results_detection_id")),
    )
    op.create_index(
        "idx_demographics_results_created_at", "demographics_results", ["created_at"], unique=False
    )
    op.create_table(
        "event_audits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column(
            "audited_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("has_yolo26", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_florence", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_clip", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_violence", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_clothing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_vehicle", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_pet", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_weather", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_image_quality", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_zones", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_baseline", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_cross_camera", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("prompt_length", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "prompt_token_estimate", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column(
            "enrichment_utilization", sa.Float(), server_default=sa.text("0.0"), nullable=False
        ),
        sa.Column("context_usage_score", sa.Float(), nullable=True),
        sa.Column("reasoning_coherence_score", sa.Float(), nullable=True),
        sa.Column("risk_justification_score", sa.Float(), nullable=True),
        sa.Column("consistency_score", sa.Float(), nullable=True),
        sa.Column("overall_quality_score", sa.Float(), nullable=True),
        sa.Column("consistency_risk_score", sa.Integer(), nullable=True),
        sa.Column("consistency_diff", sa.Integer(), nullable=True),
        sa.Column("self_eval_critique", sa.Text(), nullable=True),
        sa.Column("self_eval_prompt", sa.Text(), nullable=True),
        sa.Column("self_eval_response", sa.Text(), nullable=True),
        sa.Column("missing_context", sa.Text(), nullable=True),
        sa.Column("confusing_sections", sa.Text(), nullable=True),
        sa.Column("unused_data", sa.Text(), nullable=True),
        sa.Column("format_suggestions", sa.Text(), nullable=True),
        sa.Column("model_gaps", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "consistency_score IS NULL OR (consistency_score >= 1.0 AND consistency_score <= 5.0)",
            name=op.f("ck_event_audits_consistency_score_range"),
        ),
        sa.CheckConstraint(
            "context_usage_score IS NULL OR (context_usage_score >= 1.0 AND context_usage_score <= 5.0)",
            name=op.f("ck_event_audits_context_usage_score_range"),
        ),
        sa.CheckConstraint(
            "enrichment_utilization >= 0.0 AND enrichment_utilization <= 1.0",
            name=op.f("ck_event_audits_enrichment_utilization_range"),
        ),
        sa.CheckConstraint(
            "overall_quality_score IS NULL OR (overall_quality_score >= 1.0 AND overall_quality_score <= 5.0)",
            name=op.f("ck_event_audits_overall_quality_score_range"),
        ),
        sa.CheckConstraint(
            "reasoning_coherence_score IS NULL OR (reasoning_coherence_score >= 1.0 AND reasoning_coherence_score <= 5.0)",
            name=op.f("ck_event_audits_reasoning_coherence_score_range"),
        ),
        sa.CheckConstraint(
            "risk_justification_score IS NULL OR (risk_justification_score >= 1.0 AND risk_justification_score <= 5.0)",
            name=op.f("ck_event_audits_risk_justification_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_audits_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_audits")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_audits_event_id")),
    )
    op.create_index("idx_event_audits_audited_at", "event_audits", ["audited_at"], unique=False)
    op.create_index("idx_event_audits_event_id", "event_audits", ["event_id"], unique=False)
    op.create_index(
        "idx_event_audits_overall_score", "event_audits", ["overall_quality_score"], unique=False
    )
    op.create_table(
        "event_detections",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detections.id"],
            name=op.f("fk_event_detections_detection_id_detections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_detections_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "detection_id", name=op.f("pk_event_detections")),
    )
    op.create_index(
        "idx_event_detections_detection_id", "event_detections", ["detection_id"], unique=False
    )
    op.create_table(
        "event_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("feedback_type", sa.String(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("expected_severity", sa.String(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "expected_severity IS NULL OR expected_severity IN ('low', 'medium', 'high', 'critical')",
            name=op.f("ck_event_feedback_expected_severity_valid"),
        ),
        sa.CheckConstraint(
            "feedback_type IN ('accurate', 'correct', 'false_positive', 'missed_threat', 'severity_wrong')",
            name=op.f("ck_event_feedback_feedback_type_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_feedback_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_feedback")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_feedback_event_id")),
    )
    op.create_index("idx_event_feedback_created_at", "event_feedback", ["created_at"], unique=False)
    op.create_index("idx_event_feedback_event_id", "event_feedback", ["event_id"], unique=False)
    op.create_index("idx_event_feedback_type", "event_feedback", ["feedback_type"], unique=False)
    op.create_table(
        "pose_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column(
            "keypoints",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("pose_class", sa.String(length=50), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("is_suspicious", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "pose_class IN ('standing', 'crouching', 'bending_over', 'arms_raised', 'sitting', 'lying_down', 'unknown')",
            name=op.f("ck_pose_results_pose_class_valid"),
        ),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0.0 AND confidence <= 1.0)",
            name=op.f("ck_pose_results_confidence_range"),
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detections.id"],
            name=op.f("fk_pose_results_detection_id_detections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pose_results")),
        sa.UniqueConstraint("detection_id", name=op.f("uq_pose_results_detection_id")),
    )
    op.create_index("idx_pose_results_created_at", "pose_results", ["created_at"], unique=False)
    op.create_index(
        "idx_pose_results_is_suspicious", "pose_results", ["is_suspicious"], unique=False
    )
    op.create_table(
        "reid_embeddings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column(
            "embedding",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("embedding_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detections.id"],
            name=op.f("fk_reid_embeddings_detection_id_detections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reid_embeddings")),
        sa.UniqueConstraint("detection_id", name=op.f("uq_reid_embeddings_detection_id")),
    )
    op.create_index(
        "idx_reid_embeddings_created_at", "reid_embeddings", ["created_at"], unique=False
    )
    op.create_index("idx_reid_embeddings_hash", "reid_embeddings", ["embedding_hash"], unique=False)
    op.create_table(
        "threat_detections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("detection_id", sa.Integer(), nullable=False),
        sa.Column("threat_type", sa.String(length=50), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column(
            "bbox",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "severity IN ('critical', 'high', 'medium', 'low')",
            name=op.f("ck_threat_detections_severity_valid"),
        ),
        sa.CheckConstraint(
            "threat_type IN ('gun', 'knife', 'grenade', 'explosive', 'weapon', 'other')",
            name=op.f("ck_threat_detections_threat_type_valid"),
        ),
        sa.CheckConstraint(
            "confidence >= 0.0 AND confidence <= 1.0",
            name=op.f("ck_threat_detections_confidence_range"),
        ),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detections.id"],
            name=op.f("fk_threat_detections_detection_id_detections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat_detections")),
    )
    op.create_index(
        "idx_threat_detections_created_at", "threat_detections", ["created_at"], unique=False
    )
    op.create_index(
        "idx_threat_detections_detection_id", "threat_detections", ["detection_id"], unique=False
    )
    op.create_index(
        "idx_threat_detections_severity", "threat_detections", ["severity"], unique=False
    )
    op.create_index(
        "idx_threat_detections_type", "threat_detections", ["threat_type"], unique=False
    )
    op.create_index(
        "idx_threat_detections_type_severity",
        "threat_detections",
        ["threat_type", "severity"],
        unique=False,
    )

    _create_log_search()


def downgrade() -> None:
    _drop_log_search()
    op.drop_index("idx_threat_detections_type_severity", table_name="threat_detections")
    op.drop_index("idx_threat_detections_type", table_name="threat_detections")
    op.drop_index("idx_threat_detections_severity", table_name="threat_detections")
    op.drop_index("idx_threat_detections_detection_id", table_name="threat_detections")
    op.drop_index("idx_threat_detections_created_at", table_name="threat_detections")
    op.drop_table("threat_detections")
    op.drop_index("idx_reid_embeddings_hash", table_name="reid_embeddings")
    op.drop_index("idx_reid_embeddings_created_at", table_name="reid_embeddings")
    op.drop_table("reid_embeddings")
    op.drop_index("idx_pose_results_is_suspicious", table_name="pose_results")
    op.drop_index("idx_pose_results_created_at", table_name="pose_results")
    op.drop_table("pose_results")
    op.drop_index("idx_event_feedback_type", table_name="event_feedback")
    op.drop_index("idx_event_feedback_event_id", table_name="event_feedback")
    op.drop_index("idx_event_feedback_created_at", table_name="event_feedback")
    op.drop_table("event_feedback")
    op.drop_index("idx_event_detections_detection_id", table_name="event_detections")
    op.drop_table("event_detections")
    op.drop_index("idx_event_audits_overall_score", table_name="event_audits")
    op.drop_index("idx_event_audits_event_id", table_name="event_audits")
    op.drop_index("idx_event_audits_audited_at", table_name="event_audits")
    op.drop_table("event_audits")
    op.drop_index("idx_demographics_results_created_at", table_name="demographics_results")
    op.drop_table("demographics_results")
    op.drop_index("idx_alerts_status", table_name="alerts")
    op.drop_index("idx_alerts_severity", table_name="alerts")
    op.drop_index("idx_alerts_rule_id", table_name="alerts")
    op.drop_index("idx_alerts_event_rule_delivered", table_name="alerts")
    op.drop_index("idx_alerts_event_id", table_name="alerts")
    op.drop_index("idx_alerts_delivered_at", table_name="alerts")
    op.drop_index("idx_alerts_dedup_key_created_at", table_name="alerts")
    op.drop_index("idx_alerts_dedup_key", table_name="alerts")
    op.drop_index("idx_alerts_created_at", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("idx_action_results_is_suspicious", table_name="action_results")
    op.drop_index("idx_action_results_created_at", table_name="action_results")
    op.drop_index("idx_action_results_action", table_name="action_results")
    op.drop_table("action_results")
    op.drop_index("idx_job_transitions_transitioned_at", table_name="job_transitions")
    op.drop_index("idx_job_transitions_job_time", table_name="job_transitions")
    op.drop_index("idx_job_transitions_job_id", table_name="job_transitions")
    op.drop_table("job_transitions")
    _pg_drop_index("ix_job_logs_timestamp_brin", "job_logs")
    op.drop_index("idx_job_logs_level", table_name="job_logs")
    op.drop_index("idx_job_logs_job_timestamp", table_name="job_logs")
    op.drop_index("idx_job_logs_job_id", table_name="job_logs")
    op.drop_index("idx_job_logs_job_attempt", table_name="job_logs")
    op.drop_table("job_logs")
    _pg_drop_index("ix_job_attempts_started_at_brin", "job_attempts")
    op.drop_index("idx_job_attempts_status", table_name="job_attempts")
    op.drop_index("idx_job_attempts_job_id", table_name="job_attempts")
    op.drop_index("idx_job_attempts_job_attempt", table_name="job_attempts")
    op.drop_table("job_attempts")
    op.drop_index("idx_events_started_at", table_name="events")
    op.drop_index("idx_events_risk_level", table_name="events")
    op.drop_index("idx_events_camera_started", table_name="events")
    op.drop_index("idx_events_camera_id", table_name="events")
    op.drop_index("idx_events_batch_id", table_name="events")
    op.drop_table("events")
    _pg_drop_index("ix_detections_detected_at_brin", "detections")
    op.drop_index("idx_detections_object_type_time", table_name="detections")
    op.drop_index("idx_detections_detected_at", table_name="detections")
    op.drop_index("idx_detections_camera_time", table_name="detections")
    op.drop_index("idx_detections_camera_object_type", table_name="detections")
    op.drop_index("idx_detections_camera_id", table_name="detections")
    op.drop_table("detections")
    op.drop_index("idx_class_baseline_slot", table_name="class_baselines")
    op.drop_index("idx_class_baseline_class", table_name="class_baselines")
    op.drop_index("idx_class_baseline_camera", table_name="class_baselines")
    op.drop_table("class_baselines")
    op.drop_index("idx_camera_zones_enabled", table_name="camera_zones")
    op.drop_index("idx_camera_zones_camera_id", table_name="camera_zones")
    op.drop_index("idx_camera_zones_camera_enabled", table_name="camera_zones")
    op.drop_table("camera_zones")
    op.drop_index("idx_activity_baseline_slot", table_name="activity_baselines")
    op.drop_index("idx_activity_baseline_camera", table_name="activity_baselines")
    op.drop_table("activity_baselines")
    _pg_drop_index("ix_logs_timestamp_brin", "logs")
    op.drop_index("idx_logs_timestamp", table_name="logs")
    op.drop_index("idx_logs_source", table_name="logs")
    _pg_drop_index("idx_logs_search_vector", "logs")
    op.drop_index("idx_logs_level", table_name="logs")
    op.drop_index("idx_logs_component", table_name="logs")
    op.drop_index("idx_logs_camera_id", table_name="logs")
    op.drop_table("logs")
    op.drop_index(
        "uq_jobs_unique_key_queued",
        table_name="jobs",
        postgresql_where=sa.text("status = 'queued' AND unique_key IS NOT NULL"),
        sqlite_where=sa.text("status = 'queued' AND unique_key IS NOT NULL"),
    )
    _pg_drop_index("ix_jobs_created_at_brin", "jobs")
    op.drop_index("idx_jobs_status_created_at", table_name="jobs")
    op.drop_index("idx_jobs_status", table_name="jobs")
    op.drop_index("idx_jobs_queue_name", table_name="jobs")
    op.drop_index("idx_jobs_priority", table_name="jobs")
    op.drop_index("idx_jobs_job_type_status", table_name="jobs")
    op.drop_index("idx_jobs_job_type", table_name="jobs")
    op.drop_index("idx_jobs_created_at", table_name="jobs")
    op.drop_table("jobs")
    _pg_drop_index("ix_gpu_stats_recorded_at_brin", "gpu_stats")
    op.drop_table("gpu_stats")
    op.drop_index("idx_cameras_status", table_name="cameras")
    op.drop_index("idx_cameras_name_unique", table_name="cameras")
    op.drop_index("idx_cameras_folder_path_unique", table_name="cameras")
    op.drop_table("cameras")
    _pg_drop_index("ix_audit_logs_timestamp_brin", "audit_logs")
    op.drop_index("idx_audit_logs_timestamp", table_name="audit_logs")
    op.drop_index("idx_audit_logs_status", table_name="audit_logs")
    op.drop_index("idx_audit_logs_resource_type", table_name="audit_logs")
    op.drop_index("idx_audit_logs_resource", table_name="audit_logs")
    op.drop_index("idx_audit_logs_actor", table_name="audit_logs")
    op.drop_index("idx_audit_logs_action", table_name="audit_logs")
    op.drop_table("audit_logs")
    op.drop_index("idx_alert_rules_severity", table_name="alert_rules")
    op.drop_index("idx_alert_rules_name", table_name="alert_rules")
    op.drop_index("idx_alert_rules_enabled", table_name="alert_rules")
    op.drop_table("alert_rules")
    if _is_pg():
        for enum in (
            "alert_severity",
            "alert_status",
            "camera_zone_type_enum",
            "camera_zone_shape_enum",
        ):
            op.execute(f"DROP TYPE IF EXISTS {enum}")
