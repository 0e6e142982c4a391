"""Alembic environment. Vigil always hands in a live connection (see ``vigil.migrations``)."""

from __future__ import annotations

from typing import Any

from alembic import context

import vigil.models  # noqa: F401  (registers every table)
from vigil.models.base import Base

# SQLite's FTS5 table for log search and its shadow tables are managed by migrations only.
SQLITE_FTS_TABLES = ("logs_fts",)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    dialect = context.get_context().dialect.name
    if type_ == "table" and name and name.startswith(SQLITE_FTS_TABLES):
        return False
    if type_ == "index" and dialect != "postgresql":
        info = getattr(obj, "info", {}) or {}
        if info.get("postgresql_only"):
            return False
    return True


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through vigil.migrations (vigil db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
