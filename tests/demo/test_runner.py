"""The demo writing through the real API (ASGI client): set-up, backfill, idempotence."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import Settings
from vigil.demo.home import CAMERAS, SAMPLE_RULES
from vigil.demo.runner import DemoHome, DemoOptions
from vigil.models import AlertRule, Camera, CameraZone, Event, ReidEmbedding

NOW = datetime(2026, 3, 4, 6, tzinfo=UTC)


async def _count(session: AsyncSession, model: type) -> int:
    # End the transaction right away: on SQLite it holds the write lock the API needs, and a
    # fresh one sees what the API committed since.
    try:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await session.rollback()


async def test_setup_backfill_and_rerun(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    options = DemoOptions(
        seed=3, timezone="UTC", reid_dimension=settings.reid_dimension, live=False
    )
    home = DemoHome(client, options)
    await home.setup()
    await home.setup()  # idempotent
    assert await _count(session, Camera) == len(CAMERAS)
    assert await _count(session, CameraZone) == sum(len(c.zones) for c in CAMERAS)
    names = set((await session.scalars(select(AlertRule.name))).all())
    await session.rollback()
    assert names == {str(r["name"]) for r in SAMPLE_RULES}

    await home.backfill(0.5, now=NOW)  # 12 night-to-morning hours
    written = home.stats.events
    assert written > 0 and home.stats.errors == 0
    assert await _count(session, Event) == written
    embedding = (await session.scalars(select(ReidEmbedding.embedding).limit(1))).first()
    await session.rollback()
    assert embedding is not None and len(embedding) == settings.reid_dimension

    again = DemoHome(client, options)
    await again.backfill(0.5, now=NOW)
    assert again.stats.events == 0 and again.stats.duplicates == written
    assert await _count(session, Event) == written


async def test_live_feed_writes_current_events(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    options = DemoOptions(
        seed=5,
        timezone="UTC",
        reid_dimension=settings.reid_dimension,
        speed=36_000,
        duration_seconds=0.5,
        tick_seconds=0.1,
    )
    home = DemoHome(client, options)
    await home.setup()
    await home.live(clock=lambda: datetime(2026, 3, 4, 8, 30, tzinfo=UTC))
    assert home.stats.events > 0
    newest = await session.scalar(select(func.max(Event.started_at)))
    await session.rollback()
    assert newest == datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
