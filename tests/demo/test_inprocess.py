"""``vigil serve --demo``: the demo runs inside the app's lifespan, through its own API."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import Settings
from vigil.demo.inprocess import attach_demo
from vigil.demo.runner import DemoOptions
from vigil.models import Camera, Event


async def test_demo_feeds_the_app_it_is_attached_to(
    app: FastAPI, session: AsyncSession, settings: Settings
) -> None:
    options = DemoOptions(
        backfill_days=0.25, live=False, timezone="UTC", reid_dimension=settings.reid_dimension
    )
    attach_demo(app, options)
    async with app.router.lifespan_context(app):
        for _ in range(300):
            found = await session.scalar(select(func.count()).select_from(Event))
            # End each read at once: on SQLite an open transaction holds the write lock.
            await session.rollback()
            if found:
                break
            await asyncio.sleep(0.1)
    assert await session.scalar(select(func.count()).select_from(Camera)) == 4
    assert (await session.scalar(select(func.count()).select_from(Event)) or 0) > 0
    await session.rollback()
