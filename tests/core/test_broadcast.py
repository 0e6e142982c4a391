"""The broadcaster: messages leave on commit only, and cross processes on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.pg_server import PostgresServer
from vigil.core.broadcast import RESYNC, Broadcaster, publish_many
from vigil.core.config import to_async_url
from vigil.core.db import Database
from vigil.core.errors import ServiceUnavailable

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


async def test_publish_many_is_one_ordered_transactional_batch(db: Database) -> None:
    broadcaster = Broadcaster(db)
    try:
        async with broadcaster.subscribe("test.many") as sub:
            async with db.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                await publish_many("test.many", [{"n": 1}, {"n": 2}, {"n": 3}], session)
                await _nothing(sub)  # not before the commit
                await session.commit()
            assert [await sub.get(5) for _ in range(3)] == [{"n": 1}, {"n": 2}, {"n": 3}]
            async with db.sessionmaker() as session:
                await session.execute(text("SELECT 1"))
                await publish_many("test.many", [{"n": 4}, {"n": 5}], session)
                await session.rollback()
            await _nothing(sub)  # rolled back: none of them delivered
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


@pytest.fixture
def own_postgres(backend: str) -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, so it can be crash-stopped and started again."""
    if backend != "postgresql":
        pytest.skip("LISTEN reconnection is PostgreSQL-only")
    server = PostgresServer(durable=True).start()
    try:
        yield server
    finally:
        server.stop()


async def test_subscriber_survives_postgres_restart(own_postgres: PostgresServer) -> None:
    """A subscriber that was listening before a crash-restart hears ``RESYNC`` once the LISTEN
    connection is back, then every message published afterwards, without resubscribing."""
    db = Database(to_async_url(own_postgres.url()))
    # A long health interval: the crash must be noticed through the termination callback alone.
    broadcaster = Broadcaster(db, health_interval=60)
    try:
        async with (
            broadcaster.subscribe("test.restart") as sub,
            broadcaster.subscribe("test.other") as other,
        ):
            await broadcaster.publish("test.restart", {"n": 1})
            assert await sub.get(5) == {"n": 1}

            await asyncio.to_thread(own_postgres.halt, "immediate")
            for _ in range(50):  # noticed at once, not at the next health check
                if not broadcaster.connected:
                    break
                await asyncio.sleep(0.1)
            assert not broadcaster.connected
            await asyncio.to_thread(own_postgres.resume)

            # No new subscriber arrives: the broadcaster reconnects by itself.
            assert await sub.get(15) == RESYNC
            assert await other.get(5) == RESYNC
            assert broadcaster.connected and broadcaster.reconnects == 1
            await db.engine.dispose()  # the pool's connections died with the server
            await broadcaster.publish("test.restart", {"n": 2})
            assert await sub.get(5) == {"n": 2}
            # Every channel was LISTENed again, not only the first one.
            async with db.transaction() as session:
                await broadcaster.publish("test.other", {"n": 3}, session)
            assert await other.get(5) == {"n": 3}
            await _nothing(sub)
    finally:
        await broadcaster.close()
        await db.dispose()


async def test_health_check_replaces_a_dead_connection(db: Database, backend: str) -> None:
    """A LISTEN connection killed behind our back (here: ``pg_terminate_backend``, which the
    termination callback also sees) is replaced, and the subscriber keeps hearing messages."""
    if backend != "postgresql":
        pytest.skip("LISTEN reconnection is PostgreSQL-only")
    broadcaster = Broadcaster(db, health_interval=0.2)
    try:
        async with broadcaster.subscribe("test.killed") as sub:
            pid = broadcaster._conn.get_server_pid()
            async with db.transaction() as session:
                await session.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            assert await sub.get(10) == RESYNC
            await broadcaster.publish("test.killed", {"n": 1})
            assert await sub.get(5) == {"n": 1}
    finally:
        await broadcaster.close()


async def test_subscribe_while_database_down_is_503_and_leaves_no_queue(
    own_postgres: PostgresServer,
) -> None:
    db = Database(to_async_url(own_postgres.url()))
    broadcaster = Broadcaster(db)
    try:
        await asyncio.to_thread(own_postgres.halt, "immediate")
        try:
            sub = broadcaster.subscribe("test.down")
            with pytest.raises(ServiceUnavailable):
                await sub.start()
            assert not broadcaster._queues.get("test.down")
        finally:
            await asyncio.to_thread(own_postgres.resume)
        async with broadcaster.subscribe("test.down") as sub:
            await broadcaster.publish("test.down", {"n": 1})
            assert await sub.get(5) == {"n": 1}
    finally:
        await broadcaster.close()
        await db.dispose()
