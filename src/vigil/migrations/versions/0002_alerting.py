"""alerting: notification channels and delivery attempts

Revision ID: 0002_alerting
Revises: 0002_jobs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_alerting"
down_revision: str | Sequence[str] | None = "0002_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Any change to alert_rules replaces the token, so each process's cached rule set can be checked
# with one single-row read. Random tokens (not a counter) stay unique even if tables are emptied.
PG_RULES_GENERATION = [
    """CREATE OR REPLACE FUNCTION alert_rules_bump_generation() RETURNS trigger AS $$
BEGIN
    INSERT INTO alert_rules_generation (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER alert_rules_generation_trigger
AFTER INSERT OR UPDATE OR DELETE ON alert_rules
FOR EACH STATEMENT EXECUTE FUNCTION alert_rules_bump_generation()""",
]
SQLITE_BUMP = "INSERT OR REPLACE INTO alert_rules_generation (id, token) VALUES (1, lower(hex(randomblob(16))))"
SQLITE_RULES_GENERATION = [
    f"CREATE TRIGGER alert_rules_generation_{op_name} AFTER {op_name.upper()} ON alert_rules "
    f"BEGIN {SQLITE_BUMP}; END"
    for op_name in ("insert", "update", "delete")
]


def upgrade() -> None:
    op.create_table(
        "alert_rules_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules_generation")),
    )
    for statement in (
        PG_RULES_GENERATION
        if op.get_bind().dialect.name == "postgresql"
        else SQLITE_RULES_GENERATION
    ):
        op.execute(statement)
    op.create_table(
        "notification_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('apprise', 'webhook')", name=op.f("ck_notification_channels_kind_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_channels")),
    )
    op.create_index(
        "idx_notification_channels_name_unique", "notification_channels", ["name"], unique=True
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=True),
        sa.Column("channel_name", sa.String(length=100), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_deliveries_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["notification_channels.id"],
            name=op.f("fk_alert_deliveries_channel_id_notification_channels"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    op.create_index("idx_alert_deliveries_alert_id", "alert_deliveries", ["alert_id"], unique=False)
    op.create_index(
        "idx_alert_deliveries_channel_id", "alert_deliveries", ["channel_id"], unique=False
    )
    op.create_index("idx_alert_deliveries_at", "alert_deliveries", ["at"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS alert_rules_generation_trigger ON alert_rules")
        op.execute("DROP FUNCTION IF EXISTS alert_rules_bump_generation()")
    else:
        for op_name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS alert_rules_generation_{op_name}")
    op.drop_table("alert_rules_generation")
    op.drop_index("idx_alert_deliveries_at", table_name="alert_deliveries")
    op.drop_index("idx_alert_deliveries_channel_id", table_name="alert_deliveries")
    op.drop_index("idx_alert_deliveries_alert_id", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("idx_notification_channels_name_unique", table_name="notification_channels")
    op.drop_table("notification_channels")
