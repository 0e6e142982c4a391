"""api keys stored in the database (hashed)

Revision ID: 0002_keys
Revises: 0002_scene
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_keys"
down_revision: str | Sequence[str] | None = "0002_scene"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=10), server_default=sa.text("'write'"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f("ck_api_keys_scope_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    op.create_index("idx_api_keys_name_unique", "api_keys", ["name"], unique=True)
    op.create_index("idx_api_keys_key_hash_unique", "api_keys", ["key_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("idx_api_keys_key_hash_unique", table_name="api_keys")
    op.drop_index("idx_api_keys_name_unique", table_name="api_keys")
    op.drop_table("api_keys")
