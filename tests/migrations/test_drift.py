"""The migrations and the models describe the same schema: autogenerate finds nothing to do."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from vigil.core.db import Database
from vigil.migrations import current, head_revisions
from vigil.migrations.filters import make_include_object
from vigil.models import Base


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn,
        opts={"compare_type": True, "include_object": make_include_object(conn.dialect.name)},
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_database_is_at_head(db: Database) -> None:
    assert set(await current(db.url)) == set(head_revisions())
