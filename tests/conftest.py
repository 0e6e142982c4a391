"""Test harness: every database test runs on SQLite and on a real, throwaway PostgreSQL.

The schema is built by running the Alembic migrations (never ``create_all``). Tests commit for
real, exactly as production does, and each test starts from empty tables: ``db`` truncates every
table after the test. Choose backends with ``--backends=sqlite,postgresql`` (default both) or
``VIGIL_TEST_BACKENDS``; ``VIGIL_TEST_POSTGRES_URL`` uses an existing server instead of
starting one.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.pg_server import PostgresServer
from vigil.app import create_app
from vigil.core.config import Settings, load_settings, to_async_url
from vigil.core.db import Database
from vigil.migrations import upgrade
from vigil.models import Base

ALL_BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backends",
        default=os.environ.get("VIGIL_TEST_BACKENDS", ",".join(ALL_BACKENDS)),
        help="comma-separated database backends to run database tests on",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = [
            b.strip() for b in metafunc.config.getoption("--backends").split(",") if b.strip()
        ]
        unknown = set(chosen) - set(ALL_BACKENDS)
        if unknown:
            raise pytest.UsageError(f"unknown backends: {sorted(unknown)}")
        metafunc.parametrize("backend", chosen, scope="session")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    if os.environ.get("VIGIL_TEST_POSTGRES_URL"):
        yield None
        return
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated, empty database of the given backend, shared by the whole session."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'vigil-test.db'}"
    else:
        external = os.environ.get("VIGIL_TEST_POSTGRES_URL")
        if external:
            url = external
        else:
            server: PostgresServer = request.getfixturevalue("pg_server")
            url = server.create_database("vigil_test")
    await upgrade(to_async_url(url))
    return url


async def reset_database(db: Database) -> None:
    """Empty every table (children first) so the next test starts clean."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            # audit_logs is append-only (0002_trust trigger); cleanup uses the retention bypass.
            await conn.execute(text("SET LOCAL vigil.audit_retention = 'on'"))
            await conn.execute(text(f"TRUNCATE TABLE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))
            # AUTOINCREMENT tables (audit_logs) keep their counter here; restart it like
            # PostgreSQL's RESTART IDENTITY so every test sees the same ids.
            await conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(to_async_url(database_url))
    try:
        yield database
    finally:
        await reset_database(database)
        await database.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    """A session for service-level tests. Commit like a request would; ``db`` cleans up."""
    async with db.sessionmaker() as s:
        yield s


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=database_url, data_dir=tmp_path, background_tasks=False, embedded_worker=False
    )


@pytest.fixture
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, database=db)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
