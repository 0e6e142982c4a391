"""Running workers: the ``vigil worker`` process and the worker embedded in ``vigil serve``.

The embedded worker (``VIGIL_EMBEDDED_WORKER``, on by default) lets a single SQLite install run
everything in one process. With PostgreSQL and separate ``vigil worker`` processes, turn it off
(or leave it on: it is just one more worker claiming with ``SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
from collections.abc import AsyncIterator, Iterable

from fastapi import FastAPI

from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.logging import get_logger
from vigil.jobs.registry import load_tasks
from vigil.jobs.worker import Worker

log = get_logger("jobs")


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if not settings.embedded_worker:
        yield
        return
    worker = Worker(app.state.db, settings)
    task = asyncio.create_task(worker.run(), name="vigil-embedded-worker")
    try:
        yield
    finally:
        worker.stop()
        with contextlib.suppress(Exception):
            await task


async def run_worker(
    settings: Settings,
    *,
    queues: Iterable[str] | None = None,
    concurrency: int | None = None,
    task_modules: Iterable[str] = (),
) -> int:
    """Run one worker until SIGTERM/SIGINT; running jobs get the shutdown grace to finish."""
    for module in task_modules:
        importlib.import_module(module)
    load_tasks()
    db = Database.from_settings(settings)
    worker = Worker(db, settings, queues=queues, concurrency=concurrency)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        await db.dispose()
    return worker.jobs_done
