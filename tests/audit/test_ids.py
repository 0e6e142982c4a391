"""Audit ids only grow, even after retention empties the table (the chain's anchor relies on it)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from vigil.core.db import Database


async def test_sqlite_never_reuses_audit_ids(db: Database, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL sequences never reuse values")
    insert = text(
        "INSERT INTO audit_logs (action, resource_type, actor, status) "
        "VALUES ('x.create', 'x', 'test', 'success')"
    )
    async with db.engine.begin() as conn:
        await conn.execute(insert)
        await conn.execute(insert)
        first_max = (await conn.execute(text("SELECT max(id) FROM audit_logs"))).scalar_one()
        await conn.execute(text("DELETE FROM audit_logs"))
        await conn.execute(insert)
        new_id = (await conn.execute(text("SELECT max(id) FROM audit_logs"))).scalar_one()
    assert new_id > first_max
