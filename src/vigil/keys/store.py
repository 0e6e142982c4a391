"""The running server's view of the database keys: a short-lived in-process cache.

Looking keys up on every request would add a query (and, for ``last_used_at``, a write) to every
call; instead the set of active keys is re-read at most every ``api_key_cache_seconds``, so a key
created or revoked with the CLI takes effect on every server process within that time.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.exc import DBAPIError

from vigil.core.config import ApiKey, Settings
from vigil.core.db import Database
from vigil.core.errors import ServiceUnavailable
from vigil.core.logging import get_logger
from vigil.keys import service
from vigil.models.base import utcnow

log = get_logger("keys")

# ``last_used_at`` is a hint for operators, not an audit record: write it at most this often.
LAST_USED_RESOLUTION_SECONDS = 60.0


class DatabaseKeyStore:
    def __init__(self, db: Database, ttl_seconds: float = 5.0) -> None:
        self.db = db
        self.ttl_seconds = ttl_seconds
        self._keys: tuple[ApiKey, ...] | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self._last_marked: dict[str, float] = {}

    def invalidate(self) -> None:
        self._expires = 0.0

    async def active_keys(self) -> tuple[ApiKey, ...]:
        if self._keys is not None and time.monotonic() < self._expires:
            return self._keys
        async with self._lock:
            if self._keys is not None and time.monotonic() < self._expires:
                return self._keys
            try:
                async with self.db.transaction(write=False) as session:
                    keys = await service.active_keys(session)
            except (DBAPIError, OSError, TimeoutError) as exc:
                # During an outage the last known keys stay valid (the routes behind them need
                # the database anyway and answer 503); with none known we cannot decide: 503.
                self._expires = time.monotonic() + self.ttl_seconds
                log.warning("keys.refresh_failed", error=type(exc).__name__)
                if self._keys is None:
                    raise ServiceUnavailable(
                        "cannot check API keys: the database is unavailable; retry shortly",
                        headers={"Retry-After": "5"},
                    ) from None
                return self._keys
            self._keys = keys
            self._expires = time.monotonic() + self.ttl_seconds
            return keys

    async def mark_used(self, name: str) -> None:
        """Best effort: record when a database key was last used, at most once a minute."""
        now = time.monotonic()
        if now - self._last_marked.get(name, -LAST_USED_RESOLUTION_SECONDS) < (
            LAST_USED_RESOLUTION_SECONDS
        ):
            return
        self._last_marked[name] = now
        try:
            async with self.db.transaction() as session:
                await service.mark_used(session, name, utcnow())
        except (DBAPIError, OSError, TimeoutError) as exc:
            log.warning("keys.mark_used_failed", key_name=name, error=type(exc).__name__)


async def auth_configured(settings: Settings) -> bool:
    """Whether this deployment has any API key: in ``VIGIL_API_KEYS`` (``settings.auth_enabled``)
    or an unrevoked database key. ``vigil serve`` checks this before binding beyond loopback.
    An unmigrated or unreachable database counts as "no database keys" (fail closed)."""
    if settings.auth_enabled:
        return True
    db = Database.from_settings(settings)
    try:
        async with db.transaction(write=False) as session:
            return await service.count_active(session) > 0
    except Exception:  # no table yet, or no database: no key we could check a request against
        return False
    finally:
        await db.dispose()
