"""Hash chain: verify catches an edited and a deleted row; PostgreSQL refuses UPDATE/DELETE;
retention keeps the remaining chain verifiable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from vigil.audit.chain import append
from vigil.audit.service import apply_retention
from vigil.audit.verification import verify_chain
from vigil.cli import app as cli_app
from vigil.core.db import Database


async def _append_rows(db: Database, n: int, start: datetime | None = None) -> None:
    start = start or datetime.now(UTC)
    for i in range(n):
        async with db.transaction() as s:
            await append(
                s,
                timestamp=start + timedelta(seconds=i),
                action="camera.update",
                resource_type="camera",
                resource_id=f"cam{i}",
                actor="alice",
                ip_address="10.0.0.1",
                user_agent=None,
                details={"changes": [{"n": i, "ratio": 0.1 * i}]},
                status="success",
            )


async def _tamper(db: Database, sql: str) -> None:
    """Change audit_logs behind the application's back (as a superuser on PostgreSQL)."""
    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(sql))


async def test_intact_chain_verifies(db: Database) -> None:
    await _append_rows(db, 5)
    async with db.sessionmaker() as s:
        result = await verify_chain(s, full=True)
    assert result.ok and result.checked == 5


async def test_edited_row_is_detected(db: Database) -> None:
    await _append_rows(db, 5)
    await _tamper(db, "UPDATE audit_logs SET actor = 'mallory' WHERE id = 3")
    async with db.sessionmaker() as s:
        result = await verify_chain(s, full=True)
    assert not result.ok
    assert result.first_bad_id == 3 and result.checked == 2
    assert "edited" in (result.problem or "")


async def test_deleted_row_is_detected(db: Database) -> None:
    await _append_rows(db, 5)
    await _tamper(db, "DELETE FROM audit_logs WHERE id = 2")
    async with db.sessionmaker() as s:
        result = await verify_chain(s, full=True)
    assert not result.ok
    assert result.first_bad_id == 3  # the row after the gap names the missing link
    assert "broken link" in (result.problem or "")


async def test_postgres_refuses_update_and_delete(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL")
    await _append_rows(db, 2)
    for sql in (
        "UPDATE audit_logs SET actor = 'mallory'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(sql))
    async with db.sessionmaker() as s:
        assert (await verify_chain(s, full=True)).checked == 2


async def test_retention_keeps_chain_verifiable(db: Database) -> None:
    now = datetime.now(UTC)
    await _append_rows(db, 3, start=now - timedelta(days=40))
    await _append_rows(db, 3, start=now - timedelta(days=1))
    async with db.transaction() as s:
        assert await apply_retention(s, 30, now=now) == 3
    async with db.sessionmaker() as s:
        result = await verify_chain(s, full=True)
    assert result.ok and result.checked == 3 and result.anchor_id == 3
    # Retention never makes a later deletion invisible: removing the new first row is caught.
    await _tamper(db, "DELETE FROM audit_logs WHERE id = 4")
    async with db.sessionmaker() as s:
        result = await verify_chain(s, full=True)
    assert not result.ok and result.first_bad_id == 5


async def test_cli_verify_reports_tampering(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _append_rows(db, 3)
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    runner = CliRunner()
    ok = await _run_cli(runner, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "3 entries" in ok.output
    listed = await _run_cli(runner, ["audit", "list", "--actor", "alice"])
    assert listed.exit_code == 0 and "camera:cam2" in listed.output
    exported = await _run_cli(runner, ["audit", "export", "--format", "json"])
    assert exported.exit_code == 0
    assert [e["resource_id"] for e in json.loads(exported.stdout)] == ["cam0", "cam1", "cam2"]
    await _tamper(db, "UPDATE audit_logs SET details = NULL WHERE id = 2")
    # The first verify checkpointed entry 3: a routine check does not re-hash entry 2 (an
    # in-place edit before the checkpoint) and says so; --full re-hashes it and fails.
    routine = await _run_cli(runner, ["audit", "verify"])
    assert routine.exit_code == 0, routine.output
    assert "checkpoint #3" in routine.output and "--full" in routine.output
    bad = await _run_cli(runner, ["audit", "verify", "--full"])
    assert bad.exit_code == 1
    assert "entry 2" in bad.output


async def _run_cli(runner: CliRunner, args: list[str]):  # type: ignore[no-untyped-def]
    # The CLI runs its own event loop (asyncio.run); keep it off the test's loop.
    import asyncio

    return await asyncio.to_thread(runner.invoke, cli_app, args)


async def test_concurrent_appends_keep_one_chain(db: Database) -> None:
    import asyncio

    async def one(i: int) -> None:
        async with db.transaction() as s:
            await append(
                s,
                action="camera.create",
                resource_type="camera",
                resource_id=str(i),
                actor="a",
                details={"i": i},
                status="success",
            )

    await asyncio.gather(*(one(i) for i in range(12)))
    async with db.sessionmaker() as s:
        result = await verify_chain(s, full=True)
    assert result.ok and result.checked == 12


async def test_prune_job_honours_setting(db: Database, database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fake_job_context import FakeJobContext
    from vigil.audit.tasks import prune_audit_trail
    from vigil.core.config import load_settings

    await _append_rows(db, 2, start=datetime.now(UTC) - timedelta(days=400))
    await _append_rows(db, 1)
    off = load_settings(database_url=database_url, data_dir=tmp_path)
    assert await prune_audit_trail(FakeJobContext(db, off), {}) == {
        "deleted": 0,
        "retention": "disabled",
    }
    on = load_settings(database_url=database_url, data_dir=tmp_path, audit_retention_days=365)
    assert await prune_audit_trail(FakeJobContext(db, on), {}) == {"deleted": 2, "days": 365}
    async with db.sessionmaker() as s:
        assert (await verify_chain(s, full=True)).ok
