"""Checking the audit hash chain, incrementally from a verified checkpoint or in full.

A full check re-hashes every row from the retention anchor (or the genesis) to the newest row.
That grows with the trail (seconds at a month of history), so every check that passes records a
*checkpoint*: the id and ``row_hash`` of the newest row it verified, and the chain's length up to
it. A routine check then

- re-hashes the checkpointed row and compares its ``row_hash`` with the recorded one: rewriting
  any row before it (and re-chaining the rows after, to hide the edit) changes that hash;
- counts the rows up to the checkpoint (plus those retention pruned): a deletion or insertion
  before it changes the count;
- re-hashes and re-links every row after it, exactly like the full check.

What a routine check does NOT prove: that no row before the checkpoint was edited in place while
its stored hashes were left alone; only re-hashing those rows (``full=True``, ``vigil audit
verify --full``) finds that. A full check also compares the chain with the checkpoint, so a
chain rewritten and re-hashed from some row onwards is reported rather than silently re-accepted.
The checkpoint lives in the same database: someone able to rewrite ``audit_logs`` and the
checkpoint together defeats both checks. Each checkpoint advance is therefore also logged
(``audit.checkpoint`` with the id and hash) so log storage outside the database keeps a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.audit.chain import ANCHOR_ID, GENESIS, VerifyResult, row_hash
from vigil.core.db import Database
from vigil.core.logging import get_logger
from vigil.models import AuditChainAnchor, AuditLog, AuditVerifyCheckpoint

log = get_logger("audit")
CHECKPOINT_ID = 1
BROKEN_LINK = (
    "broken link: prev_hash does not match the previous row (a row before it was deleted or "
    "altered)"
)


@dataclass
class ChainCheck(VerifyResult):
    """A verification's result, plus where it started and what it proves."""

    full: bool = True
    # The checkpointed row the check started after (None: it started at the anchor/genesis).
    checkpoint_id: int | None = None
    # The newest row verified (by this run or, before the checkpoint, by an earlier one).
    verified_through: int | None = None
    verified_hash: str | None = None
    chain_length: int = 0
    last_full_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "full": self.full,
            "checkpoint_id": self.checkpoint_id,
            "verified_through": self.verified_through,
            "last_full_at": self.last_full_at,
        }


@dataclass
class _Start:
    after_id: int
    prev_hash: str
    length: int


def _failure(check: ChainCheck, bad_id: int | None, problem: str) -> ChainCheck:
    check.ok, check.first_bad_id, check.problem = False, bad_id, problem
    return check


async def _checkpoint_problem(
    session: AsyncSession, cp: AuditVerifyCheckpoint, pruned: int
) -> tuple[int | None, str] | None:
    """Is the chain up to the checkpoint still what the check that recorded it saw?"""
    row = await session.get(AuditLog, cp.last_id)
    if row is None:
        return cp.last_id, "the checkpointed row is missing (deleted after it was verified)"
    if row.row_hash != cp.last_hash:
        return row.id, (
            "the checkpointed row's hash changed since it was verified "
            "(the chain up to it was rewritten)"
        )
    if row_hash(row) != row.row_hash:
        return row.id, "row content does not match its hash (edited)"
    present = await session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.id <= cp.last_id)
    )
    if int(present or 0) + pruned != cp.chain_length:
        return None, (
            f"rows up to the checkpoint #{cp.last_id} were deleted or inserted since it was "
            f"verified ({cp.chain_length} expected, {int(present or 0) + pruned} found)"
        )
    return None


async def verify_chain(
    session: AsyncSession, *, full: bool = False, batch_size: int = 1000
) -> ChainCheck:
    """Verify the chain (read-only). Routine: from the checkpoint; ``full``: every row, and the
    checkpoint is compared with what the re-hash finds."""
    anchor = await session.get(AuditChainAnchor, ANCHOR_ID)
    anchor_id = anchor.last_deleted_id if anchor is not None else None
    pruned = (anchor.deleted_count or 0) if anchor is not None else 0
    cp = await session.get(AuditVerifyCheckpoint, CHECKPOINT_ID)
    # A checkpoint retention has pruned past is of no use: the anchor is the newer start.
    live_cp = cp if cp is not None and cp.last_id > (anchor_id or 0) else None
    check = ChainCheck(
        ok=True,
        checked=0,
        anchor_id=anchor_id,
        full=full or live_cp is None,
        last_full_at=cp.full_verified_at if cp is not None else None,
    )
    if live_cp is not None and not full:
        problem = await _checkpoint_problem(session, live_cp, pruned)
        if problem is not None:
            return _failure(check, *problem)
        check.checkpoint_id = live_cp.last_id
        start = _Start(live_cp.last_id, live_cp.last_hash, live_cp.chain_length)
        pending = None
    else:
        start = _Start(
            anchor_id or 0, anchor.last_deleted_hash if anchor is not None else GENESIS, pruned
        )
        pending = live_cp  # compared with the re-hashed chain on the way past
    check.verified_through = check.checkpoint_id
    check.verified_hash = start.prev_hash if check.checkpoint_id is not None else None
    length, last_id, expected_prev = start.length, start.after_id, start.prev_hash
    while True:
        rows = (
            await session.scalars(
                select(AuditLog)
                .where(AuditLog.id > last_id)
                .order_by(AuditLog.id)
                .limit(batch_size)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            if pending is not None and row.id > pending.last_id:
                return _failure(check, pending.last_id, "the checkpointed row is missing")
            if row.row_hash is None or row.prev_hash is None:
                return _failure(check, row.id, "row has no hash")
            if row.prev_hash != expected_prev:
                return _failure(check, row.id, BROKEN_LINK)
            if row_hash(row) != row.row_hash:
                return _failure(check, row.id, "row content does not match its hash (edited)")
            length += 1
            if pending is not None and row.id == pending.last_id:
                if row.row_hash != pending.last_hash or length != pending.chain_length:
                    return _failure(
                        check,
                        row.id,
                        "the chain does not match the verified checkpoint: it was rewritten "
                        "and re-hashed, or rows before it were deleted",
                    )
                pending = None
            expected_prev, last_id = row.row_hash, row.id
            check.checked += 1
            check.verified_through, check.verified_hash = row.id, row.row_hash
            session.expunge(row)
    if pending is not None:
        # The newest rows, the checkpointed one included, are gone: a tail deletion.
        return _failure(check, pending.last_id, "the checkpointed row is missing (tail deleted)")
    if check.checkpoint_id is None:
        older = await session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.id <= (anchor_id or 0))
        )
        if older:
            return _failure(check, None, "rows older than the anchor exist")
    check.chain_length = length
    return check


async def record_checkpoint(session: AsyncSession, check: ChainCheck) -> bool:
    """Move the checkpoint to what ``check`` verified (never backwards). False when there is
    nothing to record (a failed check, an empty chain)."""
    if not check.ok or check.verified_through is None or check.verified_hash is None:
        return False
    now = datetime.now(UTC)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(AuditVerifyCheckpoint).values(
        id=CHECKPOINT_ID,
        last_id=check.verified_through,
        last_hash=check.verified_hash,
        chain_length=check.chain_length,
        verified_at=now,
        full_verified_at=now if check.full else None,
    )
    changes: dict[str, Any] = {
        "last_id": stmt.excluded.last_id,
        "last_hash": stmt.excluded.last_hash,
        "chain_length": stmt.excluded.chain_length,
        "verified_at": stmt.excluded.verified_at,
    }
    if check.full:
        changes["full_verified_at"] = stmt.excluded.full_verified_at
        check.last_full_at = now
    # A slower concurrent check that verified fewer rows must not move the checkpoint back.
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["id"],
            set_=changes,
            where=AuditVerifyCheckpoint.last_id <= stmt.excluded.last_id,
        )
    )
    log.info(
        "audit.checkpoint",
        last_id=check.verified_through,
        last_hash=check.verified_hash,
        chain_length=check.chain_length,
        full=check.full,
    )
    return True


async def check_chain(database: Database, *, full: bool = False) -> ChainCheck:
    """Verify (read-only transaction, no write lock while hashing), then record the checkpoint
    in a short write transaction. A busy database only costs the checkpoint, not the answer."""
    async with database.transaction(write=False) as session:
        if database.dialect == "postgresql":
            # One snapshot for the anchor, the checkpoint, the count and every batch: under
            # READ COMMITTED a retention prune committing mid-check would look like a deletion.
            # (SQLite's read transaction is one snapshot already.)
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        result = await verify_chain(session, full=full)
    # Nothing new and not a full check: the checkpoint is already where it would move to.
    if result.ok and result.verified_through is not None and (result.checked or result.full):
        try:
            async with database.transaction() as session:
                await record_checkpoint(session, result)
        except (SQLAlchemyError, OSError) as exc:
            # The check's answer stands; the next check re-hashes a few more rows.
            log.warning("audit.checkpoint_failed", error=str(exc)[:200])
    return result
