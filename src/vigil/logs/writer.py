"""The background task that moves queued log records into the ``logs`` table in batches.

It wakes every ``log_db_flush_interval_seconds`` or as soon as ``log_db_batch_size`` records
wait, and inserts them with one multi-row statement. When the database is unreachable the batch
goes back into the (bounded) buffer and the writer backs off; rows the database rejects as data
errors are retried one by one so a single bad record cannot hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI
from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.logs.handler import SKIP_DB_ATTR, DatabaseLogHandler
from vigil.models import Log

# A plain logger (not StructLogger) so records can carry SKIP_DB_ATTR: reports about the
# writer's own trouble go to the console only.
_console = logging.getLogger("vigil.logs.writer")
INSERT_TIMEOUT_SECONDS = 10.0
# Core, not ORM, inserts: the rows are plain dicts already, and skipping the ORM's per-row
# bookkeeping makes batches about 2.5x faster.
LOG_TABLE = cast(Table, Log.__table__)
MAX_BACKOFF_SECONDS = 30.0


def _report(level: int, event: str, **context: Any) -> None:
    _console.log(level, event, extra={"component": "logs", "context": context, SKIP_DB_ATTR: True})


def _is_outage(exc: BaseException) -> bool:
    """Errors that mean "the database is not reachable right now" (retry later), as opposed to
    the database refusing these particular rows."""
    if isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class LogWriter:
    def __init__(
        self,
        database: Database,
        handler: DatabaseLogHandler,
        *,
        batch_size: int = 200,
        flush_interval: float = 1.0,
    ) -> None:
        self.db = database
        self.handler = handler
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._backoff = 0.0
        self._outage_reported = False
        handler.batch_size = batch_size

    def attach(self) -> None:
        """Let the handler wake the writer early, from any thread."""
        self._loop = asyncio.get_running_loop()
        loop = self._loop

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                loop.call_soon_threadsafe(self._wake.set)

        self.handler.on_batch_ready = wake

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        async def run() -> None:
            async with self.db.transaction() as session:
                await session.execute(insert(LOG_TABLE), rows)

        await asyncio.wait_for(run(), INSERT_TIMEOUT_SECONDS)

    async def _insert_one_by_one(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Isolate the rows the database refuses; returns the rows left unwritten by an outage."""
        for i, row in enumerate(rows):
            try:
                await self._insert([row])
                self.handler.written += 1
            except Exception as exc:
                if _is_outage(exc):
                    return rows[i:]
                self.handler.count_dropped(1)
                _report(logging.WARNING, "logs.record_rejected", error=type(exc).__name__)
        return []

    async def _write(self, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
        """Write one batch; returns (rows still unwritten because of an outage, error name)."""
        try:
            await self._insert(rows)
            self.handler.written += len(rows)
            return [], None
        except Exception as exc:
            if _is_outage(exc):
                return rows, type(exc).__name__
            if not isinstance(exc, SQLAlchemyError):
                # Unexpected: drop the batch rather than retry it forever.
                self.handler.count_dropped(len(rows))
                _report(logging.ERROR, "logs.batch_failed", error=type(exc).__name__)
                return [], None
        left = await self._insert_one_by_one(rows)
        return left, "outage" if left else None

    async def flush(self) -> bool:
        """Write everything buffered now. Returns False if the database was unreachable (the
        records stay buffered); never raises for database trouble."""
        while rows := self.handler.take(self.batch_size):
            left, error = await self._write(rows)
            if left:
                self.handler.put_back(left)
                self._backoff = min(MAX_BACKOFF_SECONDS, max(1.0, self._backoff * 2))
                if not self._outage_reported:
                    self._outage_reported = True
                    _report(
                        logging.WARNING,
                        "logs.database_unavailable",
                        error=error,
                        buffered=self.handler.pending,
                    )
                return False
            if self._outage_reported:
                self._outage_reported = False
                _report(logging.INFO, "logs.database_available", dropped=self.handler.dropped)
            self._backoff = 0.0
        return True

    async def run(self) -> None:
        self.attach()
        while True:
            if self._backoff:
                # During an outage, wake-ups by batch size must not hammer the database.
                await asyncio.sleep(self._backoff)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.flush_interval)
            self._wake.clear()
            await self.flush()


def get_handler(app: FastAPI) -> DatabaseLogHandler | None:
    return getattr(app.state, "log_handler", None)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Store ``vigil`` log records in the database while the app runs."""
    settings: Settings = app.state.settings
    if not settings.log_db_enabled:
        yield
        return
    handler = DatabaseLogHandler(
        buffer_size=settings.log_db_buffer_size, level=settings.log_db_min_level
    )
    writer = LogWriter(
        app.state.db,
        handler,
        batch_size=settings.log_db_batch_size,
        flush_interval=settings.log_db_flush_interval_seconds,
    )
    app.state.log_handler = handler
    root = logging.getLogger("vigil")
    root.addHandler(handler)
    task = asyncio.create_task(writer.run(), name="vigil-log-writer")
    try:
        yield
    finally:
        root.removeHandler(handler)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # Last records (shutdown lines included), bounded so a dead database cannot hang exit.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.flush(), INSERT_TIMEOUT_SECONDS)
