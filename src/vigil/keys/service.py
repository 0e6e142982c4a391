"""API keys kept in the database: create (the secret is shown once), list, revoke, resolve.

Only the SHA-256 digest of a key is stored, hex encoded; the 8-character ``prefix`` lets an
operator tell keys apart in ``vigil keys list`` without the secret ever being readable again.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import ApiKey, hash_api_key
from vigil.core.errors import Conflict, InvalidInput, NotFound
from vigil.models.api_key import ApiKeyRecord
from vigil.models.base import utcnow

PREFIX_LENGTH = 8
NAME_MAX_LENGTH = 100


def new_secret() -> str:
    # 32 random bytes, URL-safe: 43 characters, well over the 16-character minimum.
    return secrets.token_urlsafe(32)


async def create_key(
    session: AsyncSession,
    name: str,
    *,
    read_only: bool = False,
    reserved_names: frozenset[str] = frozenset(),
) -> tuple[ApiKeyRecord, str]:
    """Store a new key and return it with its secret (the only time the secret exists)."""
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH or ":" in name or "," in name:
        raise InvalidInput(f"key name must be 1-{NAME_MAX_LENGTH} characters without ':' or ','")
    if name in reserved_names:
        raise Conflict(f"an API key named {name!r} is configured in VIGIL_API_KEYS")
    existing = await session.scalar(select(ApiKeyRecord.id).where(ApiKeyRecord.name == name))
    if existing is not None:
        raise Conflict(f"an API key named {name!r} already exists (revoked keys keep their name)")
    secret = new_secret()
    record = ApiKeyRecord(
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_api_key(secret).hex(),
        scope="read" if read_only else "write",
    )
    session.add(record)
    await session.flush()
    return record, secret


async def list_keys(session: AsyncSession, *, include_revoked: bool = True) -> list[ApiKeyRecord]:
    query = select(ApiKeyRecord).order_by(ApiKeyRecord.name)
    if not include_revoked:
        query = query.where(ApiKeyRecord.revoked_at.is_(None))
    return list((await session.scalars(query)).all())


async def revoke_key(session: AsyncSession, name: str) -> ApiKeyRecord:
    record = await session.scalar(select(ApiKeyRecord).where(ApiKeyRecord.name == name))
    if record is None:
        raise NotFound(f"no API key named {name!r}")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        await session.flush()
    return record


async def count_active(session: AsyncSession) -> int:
    query = select(func.count()).select_from(ApiKeyRecord).where(ApiKeyRecord.revoked_at.is_(None))
    return int(await session.scalar(query) or 0)


async def active_keys(session: AsyncSession) -> tuple[ApiKey, ...]:
    """Every unrevoked key, in the same shape as the keys from ``VIGIL_API_KEYS``."""
    rows = await session.execute(
        select(ApiKeyRecord.name, ApiKeyRecord.key_hash, ApiKeyRecord.scope).where(
            ApiKeyRecord.revoked_at.is_(None)
        )
    )
    return tuple(
        ApiKey(name, bytes.fromhex(digest), scope == "read") for name, digest, scope in rows
    )


async def mark_used(session: AsyncSession, name: str, when: datetime) -> None:
    await session.execute(
        update(ApiKeyRecord).where(ApiKeyRecord.name == name).values(last_used_at=when)
    )
