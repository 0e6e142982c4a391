"""Checkpointed chain verification: routine checks re-hash only new rows, yet still catch
tampering after the checkpoint, deletions and rewrites before it, and a deleted tail; a full
check re-hashes everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, text

from tests.audit.test_chain import _append_rows, _tamper
from vigil.audit.chain import GENESIS, row_hash
from vigil.audit.service import apply_retention, check_chain
from vigil.audit.verification import ChainCheck, record_checkpoint, verify_chain
from vigil.core.db import Database
from vigil.models import AuditLog, AuditVerifyCheckpoint


async def _checkpoint(db: Database) -> AuditVerifyCheckpoint | None:
    async with db.sessionmaker() as s:
        return await s.get(AuditVerifyCheckpoint, 1)


async def test_routine_check_rehashes_only_new_rows(db: Database) -> None:
    await _append_rows(db, 5)
    first = await check_chain(db)
    assert first.ok and first.full and first.checked == 5 and first.checkpoint_id is None
    cp = await _checkpoint(db)
    assert cp is not None and (cp.last_id, cp.chain_length) == (5, 5)
    assert cp.full_verified_at is not None  # the first check had no checkpoint: it was full
    await _append_rows(db, 3)
    routine = await check_chain(db)
    assert routine.ok and not routine.full
    assert (routine.checked, routine.checkpoint_id, routine.verified_through) == (3, 5, 8)
    again = await check_chain(db)
    assert again.ok and again.checked == 0 and again.verified_through == 8
    full = await check_chain(db, full=True)
    assert full.ok and full.full and full.checked == 8


async def test_tampering_after_the_checkpoint_is_caught(db: Database) -> None:
    await _append_rows(db, 4)
    assert (await check_chain(db)).ok
    await _append_rows(db, 3)
    await _tamper(db, "UPDATE audit_logs SET actor = 'mallory' WHERE id = 6")
    result = await check_chain(db)
    assert not result.ok and result.first_bad_id == 6 and "edited" in (result.problem or "")
    await _tamper(db, "DELETE FROM audit_logs WHERE id = 6")
    result = await check_chain(db)
    assert not result.ok and result.first_bad_id == 7 and "broken link" in (result.problem or "")
    cp = await _checkpoint(db)
    assert cp is not None and cp.last_id == 4  # a failed check never moves the checkpoint


async def test_in_place_edit_before_the_checkpoint_needs_full(db: Database) -> None:
    await _append_rows(db, 5)
    assert (await check_chain(db)).ok
    await _tamper(db, "UPDATE audit_logs SET actor = 'mallory' WHERE id = 2")
    # The documented limit: the routine check does not re-hash rows up to the checkpoint ...
    assert (await check_chain(db)).ok
    # ... the full check does.
    full = await check_chain(db, full=True)
    assert not full.ok and full.first_bad_id == 2 and "edited" in (full.problem or "")


async def test_rewritten_and_rehashed_history_is_caught(db: Database) -> None:
    """Editing row 2 and re-computing every later hash fools a chain-only check; the
    checkpoint's recorded hash does not match any more, in routine and full checks alike."""
    await _append_rows(db, 5)
    assert (await check_chain(db)).ok
    async with db.sessionmaker() as s:
        rows = list((await s.scalars(select(AuditLog).order_by(AuditLog.id))).all())
    prev = GENESIS
    statements = []
    for row in rows:
        if row.id == 2:
            row.actor = "mallory"
        row.prev_hash = prev
        row.row_hash = prev = row_hash(row)
        statements.append(
            f"UPDATE audit_logs SET actor = '{row.actor}', prev_hash = '{row.prev_hash}', "
            f"row_hash = '{row.row_hash}' WHERE id = {row.id}"
        )
    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for sql in statements:
            await conn.execute(text(sql))
    routine = await check_chain(db)
    assert not routine.ok and routine.first_bad_id == 5
    assert "rewritten" in (routine.problem or "")
    full = await check_chain(db, full=True)
    assert not full.ok and full.first_bad_id == 5 and "checkpoint" in (full.problem or "")


async def test_deletion_before_the_checkpoint_is_caught(db: Database) -> None:
    await _append_rows(db, 5)
    assert (await check_chain(db)).ok
    await _append_rows(db, 1)
    await _tamper(db, "DELETE FROM audit_logs WHERE id = 2")
    result = await check_chain(db)
    assert not result.ok and "deleted or inserted" in (result.problem or "")


async def test_deleted_tail_is_caught(db: Database) -> None:
    await _append_rows(db, 5)
    assert (await check_chain(db)).ok
    await _tamper(db, "DELETE FROM audit_logs WHERE id >= 4")
    for full in (False, True):
        result = await check_chain(db, full=full)
        assert not result.ok and result.first_bad_id == 5
        assert "missing" in (result.problem or "")


async def test_retention_and_checkpoint(db: Database) -> None:
    now = datetime.now(UTC)
    await _append_rows(db, 3, start=now - timedelta(days=40))
    await _append_rows(db, 3, start=now - timedelta(days=1))
    assert (await check_chain(db)).ok  # checkpoint at 6
    async with db.transaction() as s:
        assert await apply_retention(s, 30, now=now) == 3
    # Pruning before the checkpoint keeps the count: pruned rows are part of the length.
    routine = await check_chain(db)
    assert routine.ok and routine.checked == 0 and routine.anchor_id == 3
    assert (await check_chain(db, full=True)).ok
    # Pruning up to the checkpoint: the anchor is the newer start, the check is a full one.
    await _append_rows(db, 2)
    async with db.transaction() as s:
        assert await apply_retention(s, 1, now=now + timedelta(hours=12)) == 3
    after = await check_chain(db)
    assert after.ok and after.full and after.checked == 2


async def test_checkpoint_never_moves_back(db: Database) -> None:
    await _append_rows(db, 4)
    assert (await check_chain(db)).ok
    stale = ChainCheck(ok=True, checked=2, verified_through=2, verified_hash="x" * 64, full=False)
    async with db.transaction() as s:
        await record_checkpoint(s, stale)
    cp = await _checkpoint(db)
    assert cp is not None and cp.last_id == 4
    async with db.sessionmaker() as s:
        assert (await verify_chain(s)).ok


async def test_api_verify_routine_and_full(client: httpx.AsyncClient, db: Database) -> None:
    await _append_rows(db, 3)
    first = (await client.get("/api/audit/verify")).json()
    assert first["ok"] and first["full"] and first["checked"] == 3
    await _append_rows(db, 2)
    routine = (await client.get("/api/audit/verify")).json()
    assert routine["ok"] and not routine["full"]
    assert (routine["checkpoint_id"], routine["checked"], routine["verified_through"]) == (3, 2, 5)
    assert routine["last_full_at"] is not None
    full = (await client.get("/api/audit/verify", params={"full": "true"})).json()
    assert full["ok"] and full["full"] and full["checked"] == 5
    assert (await client.get("/api/audit/verify", params={"full": "maybe"})).status_code == 422
    page = await client.get("/audit/_verify")
    assert page.status_code == 200 and "checkpoint #5" in page.text
