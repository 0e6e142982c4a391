"""The audit hash chain: how a row is hashed, appended and verified.

Each row stores ``prev_hash`` (the ``row_hash`` of the row before it, by id) and ``row_hash`` =
SHA-256 of the row's canonical JSON (every audited column plus ``prev_hash``). Editing a row
breaks its own hash; deleting a row breaks the next row's link. Appends are serialised so two
writers never chain onto the same predecessor: PostgreSQL takes a transaction-scoped advisory
lock before reading the last hash; SQLite has a single writer and the append starts with a write.
Retention removes the oldest rows and records the last removed row's hash as the anchor the
remaining chain must start from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.db import SQLITE_BEGIN_OPTION
from vigil.models import AuditChainAnchor, AuditLog

# pg_advisory_xact_lock key for chain appends ("VIGILAUD" as an int64).
CHAIN_LOCK_KEY = 0x564947494C415544 - (1 << 63)
ANCHOR_ID = 1
GENESIS = "0" * 64
HASHED_FIELDS = (
    "timestamp",
    "action",
    "resource_type",
    "resource_id",
    "actor",
    "ip_address",
    "user_agent",
    "details",
    "status",
)


def _dialect(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def normalise_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the database will give back: JSON types only (so the stored row re-hashes equal)."""
    if details is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(details, default=str, allow_nan=False))
    return result


def canonical(row: AuditLog) -> bytes:
    stamp = row.timestamp.astimezone(UTC).isoformat(timespec="microseconds")
    data = {name: getattr(row, name) for name in HASHED_FIELDS}
    data["timestamp"] = stamp
    data["prev_hash"] = row.prev_hash
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(row: AuditLog) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


async def _lock_chain(session: AsyncSession) -> None:
    if _dialect(session) == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:
        # Take SQLite's write lock before reading the head, so a DEFERRED transaction that has
        # not written yet cannot read a head another writer is about to replace. A transaction
        # that began IMMEDIATE (Vigil's write transactions, every request that writes) already
        # holds it: skip the statement there.
        options = (await session.connection()).sync_connection.get_execution_options()  # type: ignore[union-attr]
        if options.get(SQLITE_BEGIN_OPTION, "IMMEDIATE") == "IMMEDIATE":
            return
        await session.execute(
            update(AuditChainAnchor).where(AuditChainAnchor.id == -1).values(deleted_count=0)
        )


async def _head_hash(session: AsyncSession) -> str:
    last = await session.scalar(select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1))
    if last is not None:
        return last
    anchor = await session.get(AuditChainAnchor, ANCHOR_ID)
    return anchor.last_deleted_hash if anchor is not None else GENESIS


async def append(session: AsyncSession, **fields: Any) -> AuditLog:
    """Add one chained row in the caller's transaction (flushed, not committed). Call it as the
    last write of the transaction: the chain lock is held until commit."""
    fields["details"] = normalise_details(fields.get("details"))
    fields.setdefault("timestamp", datetime.now(UTC))
    await _lock_chain(session)
    row = AuditLog(**fields)
    row.prev_hash = await _head_hash(session)
    row.row_hash = row_hash(row)
    session.add(row)
    await session.flush()
    return row


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    anchor_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
            "anchor_id": self.anchor_id,
        }


async def prune(session: AsyncSession, before: datetime) -> int:
    """Delete rows older than ``before`` (retention) and move the anchor to the last deleted row,
    so the remaining chain still verifies. Runs in the caller's transaction."""
    await _lock_chain(session)
    cutoff_id = await session.scalar(
        select(func.max(AuditLog.id)).where(AuditLog.timestamp < before)
    )
    if cutoff_id is None:
        return 0
    last = await session.get(AuditLog, cutoff_id)
    assert last is not None and last.row_hash is not None
    if _dialect(session) == "postgresql":
        await session.execute(text("SET LOCAL vigil.audit_retention = 'on'"))
    result = await session.execute(delete(AuditLog).where(AuditLog.id <= cutoff_id))
    deleted = int(getattr(result, "rowcount", 0) or 0)
    anchor = await session.get(AuditChainAnchor, ANCHOR_ID)
    if anchor is None:
        anchor = AuditChainAnchor(id=ANCHOR_ID, last_deleted_id=cutoff_id, deleted_count=0)
        session.add(anchor)
    anchor.last_deleted_id = cutoff_id
    anchor.last_deleted_hash = last.row_hash
    anchor.deleted_count = (anchor.deleted_count or 0) + deleted
    anchor.updated_at = datetime.now(UTC)
    await session.flush()
    if _dialect(session) == "postgresql":
        await session.execute(text("SET LOCAL vigil.audit_retention = 'off'"))
    return deleted
