"""Which clock stamps job rows.

PostgreSQL may serve workers on several machines, so its own clock stamps rows and decides
what is due or stalled: ``statement_timestamp()``, which is later than the start of any
transaction whose rows the statement can see, so a job is never "started" before it was
created, whatever the machines' clock skew. SQLite is one machine: Python's clock is used, with
microseconds (SQLite's ``CURRENT_TIMESTAMP`` has whole seconds, too coarse to order by age).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, text
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.models.base import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def db_now(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.statement_timestamp()
    return literal(utcnow(), UTCDateTime())


def db_ago(dialect: str, seconds: float) -> Any:
    if dialect == "postgresql":
        return func.statement_timestamp() - literal(timedelta(seconds=seconds))
    return literal(utcnow() - timedelta(seconds=seconds), UTCDateTime())


async def take_write_lock(session: AsyncSession) -> None:
    """SQLite: take the database write lock now, at the start of a read-then-write transaction.

    A deferred SQLite transaction that reads and then writes fails at once with "database is
    locked" when another connection wrote in between (the busy timeout does not apply to that
    upgrade). A write statement as the first statement waits on the busy timeout instead; this
    one matches no row. PostgreSQL needs nothing (row locks do the work there).
    """
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        await session.execute(text("UPDATE job_workers SET pid = pid WHERE 1 = 0"))
