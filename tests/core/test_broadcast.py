"""The broadcaster: messages leave on commit only, and cross processes on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from vigil.core.broadcast import Broadcaster
from vigil.core.config import to_async_url
from vigil.core.db import Database

pytestmark = pytest.mark.usefixtures("backend")


async def _nothing(sub: object) -> None:
    with pytest.raises(TimeoutError):
        await sub.get(0.3)  # type: ignore[attr-defined]


async def test_publish_is_transactional(db: Database) -> None:
    broadcaster = Broadcaster(db)
    try:
        async with broadcaster.subscribe("test.channel") as sub:
            async with db.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                await broadcaster.publish("test.channel", {"n": 1}, session)
                await _nothing(sub)  # not before the commit
                await session.commit()
            assert await sub.get(5) == {"n": 1}
            async with db.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                await broadcaster.publish("test.channel", {"n": 2}, session)
                await session.rollback()
            await _nothing(sub)  # rolled back: never delivered
            await broadcaster.publish("test.channel", {"n": 3})
            assert await sub.get(5) == {"n": 3}
    finally:
        await broadcaster.close()


async def test_other_broadcaster_on_same_database_receives(db: Database, database_url: str) -> None:
    """Two apps (on PostgreSQL: two connections, as two processes would have) share messages."""
    other_db = Database(to_async_url(database_url))
    sender, listener = Broadcaster(db), Broadcaster(other_db)
    try:
        async with listener.subscribe("test.cross") as sub:
            async with db.transaction() as session:
                await sender.publish("test.cross", {"hello": "world"}, session)
            assert await sub.get(5) == {"hello": "world"}
    finally:
        await sender.close()
        await listener.close()
        await other_db.dispose()


async def test_bad_channel_and_oversized_payload(db: Database) -> None:
    broadcaster = Broadcaster(db)
    try:
        with pytest.raises(ValueError):
            await broadcaster.publish("Bad Channel!", {})
        with pytest.raises(ValueError):
            await broadcaster.publish("ok", {"blob": "x" * 10_000})
    finally:
        await broadcaster.close()


async def test_slow_subscriber_does_not_block(db: Database) -> None:
    broadcaster = Broadcaster(db)
    try:
        async with (
            broadcaster.subscribe("test.slow") as slow,
            broadcaster.subscribe("test.slow") as fast,
        ):
            for i in range(1005):
                await broadcaster.publish("test.slow", {"i": i})
            await asyncio.sleep(0.5 if broadcaster.is_postgres else 0)
            assert (await fast.get(5))["i"] == 0
            assert (await slow.get(5))["i"] == 0
    finally:
        await broadcaster.close()
