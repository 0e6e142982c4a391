"""Which clock stamps job rows.

PostgreSQL may serve workers on several machines, so its own clock (``now()``, the transaction
start) stamps rows and decides what is due or stalled; machines' clock skew then cannot break
the ``started_at >= created_at`` checks. SQLite is one machine: Python's clock is used, with
microseconds (SQLite's ``CURRENT_TIMESTAMP`` has whole seconds, too coarse to order by age).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal

from vigil.models.base import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def db_now(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.now()
    return literal(utcnow(), UTCDateTime())


def db_ago(dialect: str, seconds: float) -> Any:
    if dialect == "postgresql":
        return func.now() - literal(timedelta(seconds=seconds))
    return literal(utcnow() - timedelta(seconds=seconds), UTCDateTime())
