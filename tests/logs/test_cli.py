from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from vigil.cli import app
from vigil.models import Log


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path))


async def invoke(*args: str) -> tuple[int, str]:
    # The CLI runs its own event loop (asyncio.run): give it a thread of its own.
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def test_logs_search_and_tail(env: None, session: AsyncSession) -> None:
    now = datetime.now(UTC)
    session.add_all(
        [
            Log(
                timestamp=now - timedelta(minutes=2),
                level="ERROR",
                component="cameras",
                message="Camera connection failed",
                camera_id="garage",
            ),
            Log(
                timestamp=now - timedelta(minutes=1),
                level="INFO",
                component="events",
                message="Event stored",
            ),
        ]
    )
    await session.commit()
    code, out = await invoke("logs", "search", "failing", "--level", "error")
    assert code == 0, out
    assert "garage" in out and "1 entries" in out and "Event stored" not in out
    code, out = await invoke("logs", "search", "connection", "--json")
    assert code == 0 and '"camera_id":"garage"' in out
    code, out = await invoke("logs", "tail", "-n", "1")
    assert code == 0 and "Event stored" in out and "Camera" not in out
    code, out = await invoke("logs", "search", "x", "--since", "soon")
    assert code == 2
