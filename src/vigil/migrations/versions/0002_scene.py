"""scene: baseline variance, per-camera baseline config/state, anomalies, detection zone ids,
event anomaly score, compact re-ID vectors

Revision ID: 0002_scene
Revises: 0002_monitoring
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_scene"
down_revision: str | Sequence[str] | None = "0002_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("activity_baselines") as batch:
        batch.add_column(
            sa.Column("count_variance", sa.Float(), server_default=sa.text("0.0"), nullable=False)
        )
    with op.batch_alter_table("class_baselines") as batch:
        batch.add_column(
            sa.Column(
                "frequency_variance", sa.Float(), server_default=sa.text("0.0"), nullable=False
            )
        )
    with op.batch_alter_table("detections") as batch:
        batch.add_column(sa.Column("zone_ids", JSON_TYPE, nullable=True))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("anomaly_score", sa.Float(), nullable=True))
    with op.batch_alter_table("reid_embeddings") as batch:
        batch.add_column(sa.Column("embedding_f32", sa.LargeBinary(), nullable=True))

    op.create_table(
        "baseline_configs",
        sa.Column("camera_id", sa.String(length=100), nullable=False),
        sa.Column("anomaly_threshold", sa.Float(), nullable=True),
        sa.Column("min_samples", sa.Integer(), nullable=True),
        sa.Column("observed_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "anomaly_threshold IS NULL OR (anomaly_threshold >= 0.5 AND anomaly_threshold < 1.0)",
            name=op.f("ck_baseline_configs_anomaly_threshold_range"),
        ),
        sa.CheckConstraint(
            "min_samples IS NULL OR min_samples >= 1",
            name=op.f("ck_baseline_configs_min_samples_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_baseline_configs_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_baseline_configs")),
    )
    op.create_table(
        "baseline_anomalies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("day_of_week", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "detection_class", sa.String(length=50), server_default=sa.text("''"), nullable=False
        ),
        sa.Column("observed_count", sa.Integer(), nullable=False),
        sa.Column("expected_count", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('activity', 'class')", name=op.f("ck_baseline_anomalies_kind_valid")
        ),
        sa.CheckConstraint(
            "score >= 0.0 AND score <= 1.0", name=op.f("ck_baseline_anomalies_score_range")
        ),
        sa.CheckConstraint(
            "hour >= 0 AND hour <= 23", name=op.f("ck_baseline_anomalies_hour_range")
        ),
        sa.CheckConstraint(
            "day_of_week >= 0 AND day_of_week <= 6",
            name=op.f("ck_baseline_anomalies_day_of_week_range"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_baseline_anomalies_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_baseline_anomalies_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baseline_anomalies")),
        sa.UniqueConstraint(
            "camera_id",
            "slot_start",
            "kind",
            "detection_class",
            name=op.f("uq_baseline_anomalies_camera_id_slot_start_kind_detection_class"),
        ),
    )
    op.create_index(
        "idx_baseline_anomalies_camera_slot",
        "baseline_anomalies",
        ["camera_id", "slot_start"],
        unique=False,
    )
    op.create_index(
        "idx_baseline_anomalies_event_id", "baseline_anomalies", ["event_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_baseline_anomalies_event_id", table_name="baseline_anomalies")
    op.drop_index("idx_baseline_anomalies_camera_slot", table_name="baseline_anomalies")
    op.drop_table("baseline_anomalies")
    op.drop_table("baseline_configs")
    with op.batch_alter_table("reid_embeddings") as batch:
        batch.drop_column("embedding_f32")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("anomaly_score")
    with op.batch_alter_table("detections") as batch:
        batch.drop_column("zone_ids")
    with op.batch_alter_table("class_baselines") as batch:
        batch.drop_column("frequency_variance")
    with op.batch_alter_table("activity_baselines") as batch:
        batch.drop_column("count_variance")
