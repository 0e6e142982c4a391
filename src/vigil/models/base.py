"""Declarative base, naming convention and the portable column types every model uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, MetaData, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL; on SQLite (which has no zone type) values are stored in UTC
    and read back as aware UTC datetimes, so comparisons never mix naive and aware values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Vigil stores timezone-aware timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB where the database has it (PostgreSQL), JSON text elsewhere.
JSONB_TYPE = JSON().with_variant(JSONB(), "postgresql")
# The full-text column exists on both databases; only PostgreSQL fills it (SQLite uses FTS5).
TSVECTOR_TYPE = Text().with_variant(TSVECTOR(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def pg_only_index(name: str, *columns: str, using: str, **kw: Any) -> Index:
    """An index that exists only on PostgreSQL (BRIN, GIN); SQLite has no such access methods."""
    return Index(name, *columns, postgresql_using=using, info={"postgresql_only": True}, **kw)
