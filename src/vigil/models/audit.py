from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import JSONB_TYPE, Base, UTCDateTime, pg_only_index

AUDIT_STATUSES = ("success", "failure")


class AuditLog(Base):
    __tablename__ = "audit_logs"
    __table_args__ = (
        CheckConstraint("status IN ('success', 'failure')", name="status_valid"),
        Index("idx_audit_logs_timestamp", "timestamp"),
        Index("idx_audit_logs_action", "action"),
        Index("idx_audit_logs_resource_type", "resource_type"),
        Index("idx_audit_logs_actor", "actor"),
        Index("idx_audit_logs_status", "status"),
        Index("idx_audit_logs_resource", "resource_type", "resource_id"),
        pg_only_index("ix_audit_logs_timestamp_brin", "timestamp", using="brin"),
        # Never reuse an id on SQLite, even after retention empties the table: the hash chain
        # and its retention anchor rely on ids only growing (PostgreSQL sequences already do).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    action: Mapped[str] = mapped_column(String(50), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(50), nullable=False)
    resource_id: Mapped[str | None] = mapped_column(String(255))
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default=text("'success'")
    )
    # Hash chain (vigil.audit.chain): ``row_hash`` = SHA-256 over the row's canonical JSON and
    # ``prev_hash``, the ``row_hash`` of the row before it (or the retention anchor).
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainAnchor(Base):
    """Where the chain starts after retention deleted its oldest rows: the id and ``row_hash`` of
    the last deleted row. One row (id 1) at most; absent while nothing was ever pruned."""

    __tablename__ = "audit_chain_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_deleted_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_deleted_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    deleted_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )


class AuditVerifyCheckpoint(Base):
    """The newest audit row a verification re-hashed and found intact (one row, id 1), so routine
    checks re-hash only the rows after it. ``chain_length`` counts the chain up to ``last_id``,
    pruned rows included, so a deletion before the checkpoint is still noticed."""

    __tablename__ = "audit_verify_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    chain_length: Mapped[int] = mapped_column(Integer, nullable=False)
    verified_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    # When a full re-hash (``vigil audit verify --full``) last passed; None: never.
    full_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
