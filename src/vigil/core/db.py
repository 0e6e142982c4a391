"""Engine and session handling: the one place that owns transactions.

Services receive an ``AsyncSession`` and only ``flush()``; the request dependency
(``get_session``) or a job runner (``Database.transaction``) commits or rolls back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from vigil.core.config import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_BEGIN_OPTION = "vigil_sqlite_begin"
PG_CONNECT_TIMEOUT_SECONDS = 5.0
PG_COMMAND_TIMEOUT_SECONDS = 30.0
PG_POOL_TIMEOUT_SECONDS = 10.0


def build_engine(url: URL, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Bounded waits everywhere, so a PostgreSQL outage turns into a quick 503 instead of requests
    # that hang: connecting, each statement, and waiting for a free pooled connection.
    if "poolclass" not in kwargs:  # sizing applies to the default queue pool only
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_timeout", PG_POOL_TIMEOUT_SECONDS)
    connect_args = {
        "timeout": PG_CONNECT_TIMEOUT_SECONDS,
        "command_timeout": PG_COMMAND_TIMEOUT_SECONDS,
    }
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_async_engine(url, echo=echo, connect_args=connect_args, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL + busy timeout for concurrent readers, FK enforcement, and real SAVEPOINT support.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we turn it off and
    emit BEGIN ourselves (the recipe from SQLAlchemy's SQLite dialect documentation).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so the busy timeout applies. A DEFERRED
        # transaction that reads and then writes cannot wait: if another writer committed since
        # its read, SQLite answers "database is locked" at once (the snapshot cannot be upgraded).
        # Reads (GET requests) begin DEFERRED and never block writers under WAL.
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine and session factory of one running Vigil (built by the app factory or CLI)."""

    def __init__(self, url: URL, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = build_engine(url, **engine_kwargs)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Read-only units of work: on SQLite they begin DEFERRED (no write lock); elsewhere the
        # option means nothing.
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"}),
            expire_on_commit=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            return cls(settings.async_database_url)
        return cls(
            settings.async_database_url,
            pool_timeout=settings.db_pool_timeout_seconds,
            connect_args={
                "timeout": settings.db_connect_timeout_seconds,
                "command_timeout": settings.db_command_timeout_seconds,
            },
        )

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A unit of work outside a request: commit on success, roll back on any exception.
        ``write=False`` for work that only reads (on SQLite it then takes no write lock)."""
        maker = self.sessionmaker if write else self.read_sessionmaker
        async with maker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


class RequestSessionHook(Protocol):
    """Observes the request transaction. Features register hooks from the app factory in
    ``app.state.session_hooks`` (core imports no feature). ``began`` runs when the session
    opens; ``before_commit`` after the route returned successfully, inside the transaction
    (its writes commit or roll back with the route's); ``committed`` after a successful commit."""

    def began(self, request: Request, session: AsyncSession) -> None: ...

    async def before_commit(self, request: Request, session: AsyncSession) -> None: ...

    def committed(self, request: Request) -> None: ...


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction owner: commit after the route returns, roll back on error."""
    hooks: list[RequestSessionHook] = getattr(request.app.state, "session_hooks", [])
    # GET/HEAD/OPTIONS only read: on SQLite they must not queue behind writers for the lock.
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    async with get_database(request).transaction(write=write) as session:
        request.state.session = session
        for hook in hooks:
            hook.began(request, session)
        yield session
        for hook in hooks:
            await hook.before_commit(request, session)
    for hook in hooks:
        hook.committed(request)


# scope="function": commit before the response is sent. With FastAPI's default ("request") the
# client got its 201 before the commit, so an immediate read could miss the write, a failed
# commit was reported as success, and on SQLite the next request collided with the open writer.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
