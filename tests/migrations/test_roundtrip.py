"""The one migration history applies from empty, reverses to empty, and applies again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.pg_server import PostgresServer
from vigil.core.config import to_async_url
from vigil.core.db import build_engine
from vigil.migrations import current, downgrade, head_revisions, upgrade


async def _tables(url: str) -> set[str]:
    engine = build_engine(to_async_url(url))
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_single_head() -> None:
    assert len(head_revisions()) == 1


async def test_upgrade_downgrade_upgrade(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    else:
        if os.environ.get("VIGIL_TEST_POSTGRES_URL"):
            pytest.skip("needs a server of its own to create a scratch database")
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database("vigil_roundtrip")
    async_url = to_async_url(url)
    await upgrade(async_url)
    assert await current(async_url) == head_revisions()
    assert {"cameras", "events", "alerts", "jobs", "audit_logs", "gpu_stats"} <= await _tables(url)
    await downgrade(async_url, "base")
    assert await _tables(url) <= {"alembic_version"}
    await upgrade(async_url)
    assert await current(async_url) == head_revisions()
