"""``vigil serve --demo``: run the demo home inside the server, through the app's own API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from vigil.core.logging import get_logger
from vigil.demo.runner import DemoHome, DemoOptions, in_process_client

log = get_logger("demo")


def attach_demo(app: FastAPI, options: DemoOptions, api_key: str | None = None) -> None:
    """Start the demo as a background task once the app has started; stop it on shutdown."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
        async with inner(app_) as state:
            task = asyncio.create_task(_run(app_, options, api_key), name="vigil-demo")
            try:
                yield state
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan


async def _run(app: FastAPI, options: DemoOptions, api_key: str | None) -> None:
    try:
        async with in_process_client(app, api_key) as client:
            stats = await DemoHome(client, options).run()
        log.info("demo.finished", events=stats.events, alerts=stats.alerts)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the demo must never take the server down with it
        log.error("demo.failed", error=f"{type(exc).__name__}: {exc}")
