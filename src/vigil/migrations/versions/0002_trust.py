"""trust: audit hash chain + append-only trigger, retention anchor, feedback score, calibration

Revision ID: 0002_trust
Revises: 0002_keys
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_trust"
down_revision: str | Sequence[str] | None = "0002_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _is_pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


# audit_logs is append-only on PostgreSQL. UPDATE is always refused; DELETE and TRUNCATE only
# inside a transaction that ran ``SET LOCAL vigil.audit_retention = 'on'`` (retention pruning,
# which also moves the chain anchor). A superuser can still disable triggers: the hash chain is
# what detects that.
PG_AUDIT_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND coalesce(current_setting('vigil.audit_retention', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
PG_AUDIT_GUARD_TRIGGERS = [
    """CREATE TRIGGER audit_logs_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()""",
    """CREATE TRIGGER audit_logs_no_truncate
    BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()""",
]


def upgrade() -> None:
    with op.batch_alter_table("audit_logs") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_chain_anchor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_deleted_id", sa.Integer(), nullable=False),
        sa.Column("last_deleted_hash", sa.String(length=64), nullable=False),
        sa.Column("deleted_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_anchor")),
    )
    if _is_pg():
        op.execute(PG_AUDIT_GUARD_FUNCTION)
        for statement in PG_AUDIT_GUARD_TRIGGERS:
            op.execute(statement)

    with op.batch_alter_table("event_feedback") as batch:
        batch.add_column(sa.Column("suggested_score", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_event_feedback_suggested_score_range"),
            "suggested_score IS NULL OR (suggested_score >= 0 AND suggested_score <= 100)",
        )

    op.create_table(
        "user_calibrations",
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("low_threshold", sa.Integer(), server_default=sa.text("30"), nullable=False),
        sa.Column("medium_threshold", sa.Integer(), server_default=sa.text("60"), nullable=False),
        sa.Column("high_threshold", sa.Integer(), server_default=sa.text("85"), nullable=False),
        sa.Column("decay_factor", sa.Float(), server_default=sa.text("0.1"), nullable=False),
        sa.Column(
            "false_positive_count", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("missed_threat_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("feedback_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("window_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("window_pull", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("adjustments", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "low_threshold >= 0 AND low_threshold < medium_threshold "
            "AND medium_threshold < high_threshold AND high_threshold <= 100",
            name=op.f("ck_user_calibrations_thresholds_ordered"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_calibrations")),
    )
    op.create_table(
        "camera_calibrations",
        sa.Column("camera_id", sa.String(length=100), nullable=False),
        sa.Column(
            "total_feedback_count", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column(
            "false_positive_count", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("false_positive_rate", sa.Float(), server_default=sa.text("0.0"), nullable=False),
        sa.Column("risk_offset", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("window_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "window_false_positive_count", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("adjustments", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "suggested_score_count", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("avg_user_suggested_score", sa.Float(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "risk_offset >= -100 AND risk_offset <= 100",
            name=op.f("ck_camera_calibrations_risk_offset_range"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_camera_calibrations_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_calibrations")),
    )


def downgrade() -> None:
    op.drop_table("camera_calibrations")
    op.drop_table("user_calibrations")
    with op.batch_alter_table("event_feedback") as batch:
        batch.drop_constraint(op.f("ck_event_feedback_suggested_score_range"), type_="check")
        batch.drop_column("suggested_score")
    if _is_pg():
        op.execute("DROP TRIGGER IF EXISTS audit_logs_no_truncate ON audit_logs")
        op.execute("DROP TRIGGER IF EXISTS audit_logs_no_update_delete ON audit_logs")
        op.execute("DROP FUNCTION IF EXISTS audit_logs_append_only()")
    op.drop_table("audit_chain_anchor")
    with op.batch_alter_table("audit_logs") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
