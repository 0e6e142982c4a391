"""Live updates across processes: publish a JSON payload on a named channel, subscribe to it.

On PostgreSQL a publish inside a session runs ``pg_notify`` in that transaction, so subscribers in
every process see it exactly when (and only if) the transaction commits; each process holds one
dedicated asyncpg ``LISTEN`` connection and fans notifications out to local queues. On SQLite
(one process by nature) delivery is in-process: after the session commits, or at once without a
session. Domain-free: feature code picks channel names and payload shapes.

The LISTEN connection can die (PostgreSQL restarted, network cut). A supervisor task notices at
once (asyncpg's termination callback) or within ``health_interval`` (a periodic ``SELECT 1``
catches connections that died silently), reconnects with backoff and LISTENs again on every
channel that still has subscribers. Notifications sent while it was down are gone for good
(NOTIFY is not queued for absent listeners), so after a reconnect every subscriber gets
``RESYNC`` (``{"type": "resync"}``): "you may have missed messages; refetch what you show".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from vigil.core.db import PG_CONNECT_TIMEOUT_SECONDS, Database
from vigil.core.errors import ServiceUnavailable
from vigil.core.logging import get_logger

log = get_logger("broadcast")

# PostgreSQL channel names are identifiers; we keep them simple so quoting is never an issue.
_CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_.]{0,62}$")
# NOTIFY payloads must stay under 8000 bytes.
MAX_PAYLOAD_BYTES = 7900
QUEUE_SIZE = 1000
# Sent to every subscriber after the LISTEN connection was lost and re-established.
RESYNC: dict[str, Any] = {"type": "resync"}
# Reconnect backoff: quick first tries (a restart is usually short), then at most every 2 s so a
# returning database is noticed within seconds.
RECONNECT_MIN_SECONDS = 0.1
RECONNECT_MAX_SECONDS = 2.0
# How often an idle LISTEN connection is pinged, and how long the ping may take.
HEALTH_INTERVAL_SECONDS = 10.0
HEALTH_TIMEOUT_SECONDS = 5.0
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
    await publish_many(channel, [payload], session)


# One statement for any number of messages: the notifications of one ingest cost one round trip.
_PG_NOTIFY_MANY = text("SELECT pg_notify(:c, p) FROM unnest(CAST(:ps AS text[])) AS p")


async def publish_many(
    channel: str, payloads: list[dict[str, Any]], session: AsyncSession | None = None
) -> None:
    """Publish several messages on one channel, in order; with a session they leave on commit."""
    datas = [_check(channel, payload) for payload in payloads]
    if not datas:
        return
    if session is None:
        for broadcaster in list(_LOCAL):
            for data in datas:
                broadcaster._fan_out(channel, data)
        return
    if _dialect(session) == "postgresql":
        await session.execute(_PG_NOTIFY_MANY, {"c": channel, "ps": datas})
        return
    sync = session.sync_session
    if not event.contains(sync, "after_commit", _on_commit):
        event.listen(sync, "after_commit", _on_commit)
        event.listen(sync, "after_rollback", _on_rollback)
    key = _database_key(session)
    sync.info.setdefault(_PENDING_KEY, []).extend((key, channel, data) for data in datas)


class Broadcaster:
    def __init__(
        self, database: Database, *, health_interval: float = HEALTH_INTERVAL_SECONDS
    ) -> None:
        self.database = database
        self.database_key = database.url.render_as_string(hide_password=True)
        self.health_interval = health_interval
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._conn: Any = None  # asyncpg connection used only for LISTEN
        self._listening: set[str] = set()
        self._lock = asyncio.Lock()
        self._closed = False
        # Set when the LISTEN connection is gone and the supervisor must reconnect.
        self._lost = asyncio.Event()
        self._lost_at: float | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self.reconnects = 0
        _LOCAL.add(self)

    @property
    def is_postgres(self) -> bool:
        return self.database.dialect == "postgresql"

    @property
    def connected(self) -> bool:
        """Whether the LISTEN connection is up (always True off PostgreSQL)."""
        if not self.is_postgres:
            return True
        return self._conn is not None and not self._conn.is_closed() and not self._lost.is_set()

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
        sub.start()``) to be sure the subscription is live before something is published.
        After a lost and restored database connection the subscription yields ``RESYNC``."""
        return Subscription(self, channel)

    def _fan_out(self, channel: str, data: str) -> None:
        queues = self._queues.get(channel)
        if not queues:
            return
        self._put(channel, queues, json.loads(data))

    def _put(
        self, channel: str, queues: set[asyncio.Queue[dict[str, Any]]], payload: dict[str, Any]
    ) -> None:
        for queue in list(queues):
            try:
                queue.put_nowait(payload)
            except asyncio.QueueFull:
                # A subscriber that stopped reading must not block everyone else.
                log.warning("broadcast.subscriber_lagging", channel=channel)

    def _on_notify(self, _conn: Any, _pid: int, channel: str, data: str) -> None:
        self._fan_out(channel, data)

    def _on_terminated(self, conn: Any) -> None:
        # asyncpg calls this when the connection closes for any reason, our own close included.
        if conn is self._conn and not self._closed:
            self._mark_lost("connection terminated")

    def _mark_lost(self, reason: str) -> None:
        if not self._lost.is_set():
            self._lost_at = time.monotonic()
            log.warning("broadcast.listen_lost", reason=reason, channels=sorted(self._listening))
            self._lost.set()

    async def _connect(self) -> None:
        """Open the LISTEN connection and LISTEN on every channel with subscribers. Caller holds
        ``_lock``. Raises when the database cannot be reached."""
        import asyncpg

        old, self._conn = self._conn, None
        self._listening.clear()
        if old is not None:
            with contextlib.suppress(Exception):
                old.remove_termination_listener(self._on_terminated)
                old.terminate()
        engine = self.database.engine
        _, params = engine.dialect.create_connect_args(engine.url)
        # Bounded, so a frozen server cannot hold the lock (and every new subscriber) forever.
        params.setdefault("timeout", PG_CONNECT_TIMEOUT_SECONDS)
        conn = await asyncpg.connect(**params)
        try:
            conn.add_termination_listener(self._on_terminated)
            for channel in sorted(c for c, queues in self._queues.items() if queues):
                await conn.add_listener(channel, self._on_notify)
                self._listening.add(channel)
        except BaseException:
            self._listening.clear()
            conn.terminate()
            raise
        self._conn = conn
        self._lost.clear()
        if self._supervisor is None or self._supervisor.done():
            self._supervisor = asyncio.create_task(self._supervise(), name="broadcast-supervisor")
        if self._lost_at is not None:
            # Whatever was published while we were away is lost: tell every subscriber.
            down = time.monotonic() - self._lost_at
            self._lost_at = None
            self.reconnects += 1
            log.info(
                "broadcast.listen_restored",
                down_seconds=round(down, 2),
                channels=sorted(self._listening),
            )
            for channel, queues in list(self._queues.items()):
                self._put(channel, queues, dict(RESYNC))

    async def _listen(self, channel: str) -> None:
        async with self._lock:
            if self._closed:
                raise RuntimeError("broadcaster is closed")
            if self.connected:
                if channel in self._listening:
                    return
                try:
                    await self._conn.add_listener(channel, self._on_notify)
                    self._listening.add(channel)
                    return
                except Exception as exc:
                    # Died and not noticed yet (the termination callback runs a loop turn
                    # later): replace it now rather than fail this subscriber.
                    self._mark_lost(f"listen failed: {type(exc).__name__}")
            try:
                await self._connect()  # also LISTENs on ``channel``: its queue is registered
            except Exception as exc:
                # Subscribers already started keep waiting: the supervisor (if it ever
                # connected) goes on retrying and sends them RESYNC once back.
                raise ServiceUnavailable(
                    f"live updates unavailable: database unreachable ({type(exc).__name__})"
                ) from exc

    async def _supervise(self) -> None:
        """Reconnect after the LISTEN connection is lost; ping it while it is up."""
        delay = RECONNECT_MIN_SECONDS
        while not self._closed:
            if self._lost.is_set() or self._conn is None or self._conn.is_closed():
                self._mark_lost("connection closed")
                try:
                    async with self._lock:
                        if self._closed:
                            return
                        if not self.connected:
                            await self._connect()
                    delay = RECONNECT_MIN_SECONDS
                except Exception as exc:
                    log.info("broadcast.reconnect_failed", error=type(exc).__name__, retry_in=delay)
                    await asyncio.sleep(delay)
                    delay = min(RECONNECT_MAX_SECONDS, delay * 2)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self.health_interval)
                continue  # lost: reconnect at once
            conn = self._conn
            try:
                async with self._lock:
                    if conn is self._conn and conn is not None and not conn.is_closed():
                        await conn.fetchval("SELECT 1", timeout=HEALTH_TIMEOUT_SECONDS)
            except Exception as exc:
                # A connection that died without the socket closing (network cut, frozen
                # server): drop it so the branch above reconnects.
                self._mark_lost(f"health check failed: {type(exc).__name__}")
                with contextlib.suppress(Exception):
                    conn.terminate()

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            self._listening.clear()
            supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(BaseException):
                await supervisor
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.remove_termination_listener(self._on_terminated)
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
        """Make sure the channel is LISTENed to. ``ServiceUnavailable`` (and the subscription
        closed) when the database cannot be reached."""
        if not self._started:
            if self._broadcaster.is_postgres:
                try:
                    await self._broadcaster._listen(self.channel)
                except BaseException:
                    self.close()  # don't leave a queue nobody reads
                    raise
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
