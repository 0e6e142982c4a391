"""Alembic environment. Vigil always hands in a live connection (see ``vigil.migrations``)."""

from __future__ import annotations

from alembic import context

import vigil.models  # noqa: F401  (registers every table)
from vigil.migrations.filters import make_include_object
from vigil.models.base import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through vigil.migrations (vigil db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=make_include_object(connection.dialect.name),
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
