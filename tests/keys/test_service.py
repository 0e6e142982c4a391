from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import load_settings
from vigil.core.errors import Conflict, InvalidInput, NotFound
from vigil.keys import service
from vigil.keys.store import auth_configured
from vigil.models.api_key import ApiKeyRecord


async def test_key_is_stored_hashed_with_display_prefix(session: AsyncSession) -> None:
    _, secret = await service.create_key(session, "laptop")
    await session.commit()
    assert len(secret) >= 32
    stored = (await session.scalars(select(ApiKeyRecord))).one()
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:8]
    assert secret not in (stored.key_hash, stored.name)
    assert stored.scope == "write" and stored.revoked_at is None and stored.created_at


async def test_names_unique_and_revoked_keys_inactive(session: AsyncSession) -> None:
    await service.create_key(session, "tablet", read_only=True)
    with pytest.raises(Conflict):
        await service.create_key(session, "tablet")
    with pytest.raises(Conflict):
        await service.create_key(session, "admin", reserved_names=frozenset({"admin"}))
    with pytest.raises(InvalidInput):
        await service.create_key(session, "bad:name")
    active = await service.active_keys(session)
    assert [(k.name, k.read_only) for k in active] == [("tablet", True)]
    await service.revoke_key(session, "tablet")
    assert await service.active_keys(session) == ()
    assert await service.count_active(session) == 0
    with pytest.raises(NotFound):
        await service.revoke_key(session, "nope")


async def test_auth_configured_counts_database_keys(
    session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(database_url=database_url, data_dir=tmp_path)
    assert not await auth_configured(settings)
    assert await auth_configured(
        load_settings(database_url=database_url, data_dir=tmp_path, api_keys="a:" + "k" * 16)
    )
    await service.create_key(session, "laptop")
    await session.commit()
    assert await auth_configured(settings)
    await service.revoke_key(session, "laptop")
    await session.commit()
    assert not await auth_configured(settings)
