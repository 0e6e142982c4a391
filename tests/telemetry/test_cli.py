from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from vigil.cli import app
from vigil.models import GpuStats


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path))


async def invoke(*args: str) -> tuple[int, str]:
    # The CLI runs its own event loop (asyncio.run): give it a thread of its own.
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def test_gpu_once(env: None, session: AsyncSession) -> None:
    code, out = await invoke("gpu", "--once")
    assert code == 0 and "no GPU samples recorded" in out
    session.add(
        GpuStats(
            recorded_at=datetime.now(UTC),
            gpu_index=0,
            gpu_uuid="GPU-0",
            gpu_name="RTX A",
            memory_used=9700,
            memory_total=10000,
        )
    )
    await session.commit()
    code, out = await invoke("gpu", "--once")
    assert code == 0 and "RTX" in out and "crit" in out
