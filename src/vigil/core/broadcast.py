"""Live updates across processes: publish a JSON payload on a named channel, subscribe to it.

On PostgreSQL a publish inside a session runs ``pg_notify`` in that transaction, so subscribers in
every process see it exactly when (and only if) the transaction commits; each process holds one
dedicated asyncpg ``LISTEN`` connection and fans notifications out to local queues. On SQLite
(one process by nature) delivery is in-process: after the session commits, or at once without a
session. Domain-free: feature code picks channel names and payload shapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from vigil.core.db import Database
from vigil.core.logging import get_logger

log = get_logger("broadcast")

# PostgreSQL channel names are identifiers; we keep them simple so quoting is never an issue.
_CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_.]{0,62}$")
# NOTIFY payloads must stay under 8000 bytes.
MAX_PAYLOAD_BYTES = 7900
QUEUE_SIZE = 1000
_PENDING_KEY = "vigil_broadcast_pending"

# Live broadcasters of this process, so a publish from a session (e.g. an ingest hook that has no
# app at hand) reaches the subscribers of the app that shares its database.
_LOCAL: weakref.WeakSet[Broadcaster] = weakref.WeakSet()


def _check(channel: str, payload: dict[str, Any]) -> str:
    if not _CHANNEL_RE.match(channel):
        raise ValueError(f"invalid broadcast channel name {channel!r}")
    data = json.dumps(payload, default=str, separators=(",", ":"))
    if len(data.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValueError("broadcast payload too large; send ids, not documents")
    return data


def _dialect(session: AsyncSession) -> str:
    bind = session.bind
    return bind.dialect.name if bind is not None else "sqlite"


def _deliver_local(database_key: str, channel: str, data: str) -> None:
    for broadcaster in list(_LOCAL):
        if broadcaster.database_key == database_key:
            broadcaster._fan_out(channel, data)


def _on_commit(sync_session: Session) -> None:
    pending = sync_session.info.pop(_PENDING_KEY, [])
    for database_key, channel, data in pending:
        _deliver_local(database_key, channel, data)


def _on_rollback(sync_session: Session) -> None:
    sync_session.info.pop(_PENDING_KEY, None)


def _database_key(session: AsyncSession) -> str:
    bind = session.bind
    url = getattr(bind, "url", None)  # an engine or a connection: both know their URL
    if url is None and bind is not None:
        url = bind.engine.url
    return url.render_as_string(hide_password=True) if url is not None else ""


async def publish(
    channel: str, payload: dict[str, Any], session: AsyncSession | None = None
) -> None:
    """Publish from anywhere that has a session (no app needed): transactional when it can be."""
    data = _check(channel, payload)
    if session is None:
        for broadcaster in list(_LOCAL):
            broadcaster._fan_out(channel, data)
        return
    if _dialect(session) == "postgresql":
        await session.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": data})
        return
    sync = session.sync_session
    if not event.contains(sync, "after_commit", _on_commit):
        event.listen(sync, "after_commit", _on_commit)
        event.listen(sync, "after_rollback", _on_rollback)
    sync.info.setdefault(_PENDING_KEY, []).append((_database_key(session), channel, data))


class Broadcaster:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.database_key = database.url.render_as_string(hide_password=True)
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._conn: Any = None  # asyncpg connection used only for LISTEN
        self._listening: set[str] = set()
        self._lock = asyncio.Lock()
        self._closed = False
        _LOCAL.add(self)

    @property
    def is_postgres(self) -> bool:
        return self.database.dialect == "postgresql"

    async def publish(
        self, channel: str, payload: dict[str, Any], session: AsyncSession | None = None
    ) -> None:
        """Publish on ``channel``. With a session the message leaves when it commits."""
        if session is not None:
            await publish(channel, payload, session)
            return
        data = _check(channel, payload)
        if self.is_postgres:
            async with self.database.engine.begin() as conn:
                await conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": data})
        else:
            _deliver_local(self.database_key, channel, data)

    def subscribe(self, channel: str) -> Subscription:
        """Messages published on ``channel`` from now on. Use ``async with`` (or ``await
        sub.start()``) to be sure the subscription is live before something is published."""
        return Subscription(self, channel)

    def _fan_out(self, channel: str, data: str) -> None:
        queues = self._queues.get(channel)
        if not queues:
            return
        payload = json.loads(data)
        for queue in list(queues):
            try:
                queue.put_nowait(payload)
            except asyncio.QueueFull:
                # A subscriber that stopped reading must not block everyone else.
                log.warning("broadcast.subscriber_lagging", channel=channel)

    def _on_notify(self, _conn: Any, _pid: int, channel: str, data: str) -> None:
        self._fan_out(channel, data)

    async def _listen(self, channel: str) -> None:
        async with self._lock:
            if self._closed:
                raise RuntimeError("broadcaster is closed")
            if channel in self._listening and self._conn is not None and not self._conn.is_closed():
                return
            if self._conn is None or self._conn.is_closed():
                import asyncpg

                engine = self.database.engine
                _, params = engine.dialect.create_connect_args(engine.url)
                self._conn = await asyncpg.connect(**params)
                self._listening.clear()
            await self._conn.add_listener(channel, self._on_notify)
            self._listening.add(channel)

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            self._listening.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=5)
        _LOCAL.discard(self)


class Subscription:
    """An async iterator of payloads; registered at creation, listening from ``start()``."""

    def __init__(self, broadcaster: Broadcaster, channel: str) -> None:
        _check(channel, {})
        self.channel = channel
        self._broadcaster = broadcaster
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._started = False
        broadcaster._queues.setdefault(channel, set()).add(self._queue)

    async def start(self) -> Subscription:
        if not self._started:
            if self._broadcaster.is_postgres:
                await self._broadcaster._listen(self.channel)
            self._started = True
        return self

    async def get(self, wait_seconds: float | None = None) -> dict[str, Any]:
        """The next payload; ``TimeoutError`` after ``wait_seconds`` without one."""
        await self.start()
        return await asyncio.wait_for(self._queue.get(), wait_seconds)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.get()

    async def __aenter__(self) -> Subscription:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._broadcaster._queues.get(self.channel, set()).discard(self._queue)


def get_broadcaster(app: FastAPI) -> Broadcaster:
    """The app's broadcaster, created on first use (tests run without lifespan services)."""
    broadcaster: Broadcaster | None = getattr(app.state, "broadcaster", None)
    if broadcaster is None:
        broadcaster = Broadcaster(app.state.db)
        app.state.broadcaster = broadcaster
    return broadcaster


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    broadcaster = get_broadcaster(app)
    try:
        yield
    finally:
        await broadcaster.close()
        app.state.broadcaster = None
