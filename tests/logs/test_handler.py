from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.engine import make_url

from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.core.logging import get_logger, request_id_var
from vigil.logs import writer as writer_module
from vigil.logs.handler import DatabaseLogHandler, level_name
from vigil.logs.writer import LogWriter
from vigil.models import Log


@pytest.fixture
def vigil_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("vigil")
    old_level, old_handlers, old_propagate = logger.level, list(logger.handlers), logger.propagate
    logger.setLevel(logging.DEBUG)
    yield logger
    logger.setLevel(old_level)
    logger.handlers = old_handlers
    logger.propagate = old_propagate


async def stored(db: Database) -> list[Log]:
    async with db.sessionmaker() as s:
        return list((await s.scalars(select(Log).order_by(Log.id))).all())


async def test_records_land_in_the_table_with_their_context(
    db: Database, vigil_logger: logging.Logger
) -> None:
    handler = DatabaseLogHandler(buffer_size=100, level="INFO")
    vigil_logger.addHandler(handler)
    log = get_logger("cameras")
    token = request_id_var.set("req-123")
    try:
        log.info(
            "cameras.snapshot_failed",
            camera_id="front_door",
            event_id=42,
            detection_id=7,
            duration_ms=12.6,
            attempt=3,
            password="hunter2",
        )
    finally:
        request_id_var.reset(token)
    log.debug("cameras.too_chatty")  # below the handler's level
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("cameras.crashed", camera_id="x" * 200)  # too long for the column
    assert await LogWriter(db, handler).flush() is True
    first, second = await stored(db)
    assert (first.level, first.component, first.message) == (
        "INFO",
        "cameras",
        "cameras.snapshot_failed",
    )
    assert (first.camera_id, first.event_id, first.detection_id, first.duration_ms) == (
        "front_door",
        42,
        7,
        13,
    )
    assert first.request_id == "req-123" and first.source == "backend"
    assert first.extra == {"attempt": 3, "password": "***"}  # secrets redacted at the source
    assert second.level == "ERROR" and second.camera_id is None
    assert second.extra is not None and second.extra["camera_id"] == "x" * 200
    assert "ValueError: boom" in second.extra["exception"]
    assert handler.stats() == {"dropped": 0, "pending": 0, "written": 2}


async def test_emit_never_waits_for_the_database(vigil_logger: logging.Logger) -> None:
    handler = DatabaseLogHandler(buffer_size=1000)
    vigil_logger.addHandler(handler)
    log = get_logger("perf")
    for i in range(500):
        log.info("perf.tick", i=i)  # no database anywhere: emit only appends to the buffer
    assert handler.pending == 500


async def _outage_database(backend: str, tmp_path: Path) -> Database:
    if backend == "sqlite":
        return Database(make_url(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/vigil.db"))
    # a socket directory with no server in it
    return Database(make_url(f"postgresql+asyncpg://postgres@/x?host={tmp_path}&port=1"))


async def test_database_outage_buffers_then_drops_and_never_blocks(
    backend: str, db: Database, tmp_path: Path, vigil_logger: logging.Logger
) -> None:
    down = await _outage_database(backend, tmp_path)
    handler = DatabaseLogHandler(buffer_size=5)
    vigil_logger.addHandler(handler)
    writer = LogWriter(down, handler, batch_size=2)
    log = get_logger("events")
    for i in range(8):
        log.warning("events.stored", n=i)
    assert handler.stats()["dropped"] == 3  # buffer of 5 is full
    assert await writer.flush() is False  # unreachable: reported, not raised
    assert handler.stats() == {"dropped": 3, "pending": 5, "written": 0}
    await down.dispose()
    # the database is back: the buffered records are written, in order
    writer.db = db
    assert await writer.flush() is True
    assert [r.extra["n"] for r in await stored(db)] == [0, 1, 2, 3, 4]  # type: ignore[index]


async def test_writer_failures_do_not_log_into_the_database(
    backend: str, tmp_path: Path, vigil_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    down = await _outage_database(backend, tmp_path)
    handler = DatabaseLogHandler(buffer_size=10)
    vigil_logger.addHandler(handler)
    get_logger("x").error("x.failed")
    vigil_logger.propagate = False  # caplog's handler on the logger itself, counted once
    vigil_logger.addHandler(caplog.handler)
    assert await LogWriter(down, handler).flush() is False
    await down.dispose()
    assert any(r.getMessage() == "logs.database_unavailable" for r in caplog.records)
    assert handler.pending == 1  # only the original record, not the writer's own warning


async def test_bad_record_is_dropped_alone(db: Database, vigil_logger: logging.Logger) -> None:
    handler = DatabaseLogHandler(buffer_size=10)
    vigil_logger.addHandler(handler)
    log = get_logger("z")
    log.info("z.one")
    log.info("z.two")
    # a row the database refuses (violates the level CHECK): it must not sink its batch
    handler.put_back([{**handler.take(1)[0], "level": "LOUD"}])
    assert await LogWriter(db, handler).flush() is True
    assert [r.message for r in await stored(db)] == ["z.two"]
    assert handler.stats()["dropped"] == 1


async def test_records_from_threads_wake_the_writer(
    db: Database, vigil_logger: logging.Logger
) -> None:
    handler = DatabaseLogHandler(buffer_size=1000)
    vigil_logger.addHandler(handler)
    writer = LogWriter(db, handler, batch_size=10, flush_interval=30)
    task = asyncio.create_task(writer.run())
    await asyncio.sleep(0)

    def work() -> None:
        for i in range(10):
            get_logger("thread").info("thread.work", i=i)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    for _ in range(100):  # long before the 30 s interval: the full batch woke the writer
        if len(await stored(db)) == 10:
            break
        await asyncio.sleep(0.05)
    task.cancel()
    assert len(await stored(db)) == 10


async def test_lifespan_attaches_and_flushes_on_exit(
    database_url: str, tmp_path: Path, db: Database, vigil_logger: logging.Logger
) -> None:
    settings = load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        background_tasks=False,
        log_db_flush_interval_seconds=30,
    )
    from vigil.app import create_app

    app: FastAPI = create_app(settings, database=db)
    async with writer_module.lifespan(app):
        get_logger("app").warning("app.something_odd", camera_id="garage")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            stats = (await client.get("/api/logs/stats")).json()
        assert stats["db_handler_active"] is True and stats["pending"] >= 1
    rows = await stored(db)
    assert [(r.message, r.camera_id) for r in rows if r.component == "app"] == [
        ("app.something_odd", "garage")
    ]
    assert all(not isinstance(h, DatabaseLogHandler) for h in vigil_logger.handlers)


def test_custom_levels_map_onto_the_five() -> None:
    assert level_name(5) == "DEBUG"
    assert level_name(25) == "INFO"
    assert level_name(45) == "ERROR"
    assert level_name(60) == "CRITICAL"
