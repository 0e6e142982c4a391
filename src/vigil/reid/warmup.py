"""``vigil serve`` background service: load the re-ID index at start-up, off the request path,
so the first search does not pay for reading every stored embedding (see docs/scene.md)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from vigil.core.config import Settings
from vigil.core.logging import get_logger
from vigil.reid.index import EmbeddingIndex

log = get_logger("reid")


def app_index(app: FastAPI, dimension: int) -> EmbeddingIndex:
    """The application's search index, created on first use."""
    index: EmbeddingIndex | None = getattr(app.state, "reid_index", None)
    if index is None or index.dimension != dimension:
        index = EmbeddingIndex(dimension)
        app.state.reid_index = index
    return index


async def _load(app: FastAPI, index: EmbeddingIndex) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        async with app.state.db.sessionmaker() as session:
            loaded = await index.refresh(session)
        log.info(
            "reid.index_loaded",
            embeddings=loaded,
            megabytes=round(index.nbytes / 1e6, 1),
            seconds=round(loop.time() - started, 2),
        )
    except Exception as exc:  # the first search retries the load; serving goes on
        log.warning("reid.index_load_failed", error=str(exc))


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if not settings.reid_preload:
        yield
        return
    index = app_index(app, settings.reid_dimension)
    task = asyncio.create_task(_load(app, index), name="vigil-reid-index-load")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
