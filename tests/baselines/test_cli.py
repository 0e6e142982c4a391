"""``vigil baseline`` commands, run as the real CLI (a subprocess) against the test database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from tests.baselines.synthetic import monday_10am, poisson_stream
from tests.factories import make_camera
from vigil.baselines.learning import close_slots
from vigil.core.config import Settings

REPO = Path(__file__).resolve().parents[2]


async def vigil(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_DATABASE_URL": database_url, "COLUMNS": "160"}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "vigil", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_baseline_cli(
    backend: str, database_url: str, session: AsyncSession, settings: Settings
) -> None:
    if backend != "sqlite":
        return  # the commands are database-agnostic; one backend keeps the suite fast
    await make_camera(session, "Yard")
    start = monday_10am(weeks_ago=3)
    await poisson_stream(session, "yard", start, 168, classes={"person": 1.0})
    await close_slots(session, "yard", start + timedelta(weeks=1, minutes=10), settings)
    await session.commit()

    shown = await vigil(database_url, "baseline", "show", "yard")
    assert shown.returncode == 0, shown.stderr
    assert "yard: detections per hour (UTC)" in shown.stdout
    assert "Mon" in shown.stdout and "Sun" in shown.stdout
    assert "still learning" in shown.stdout and "Top classes: person" in shown.stdout

    missing = await vigil(database_url, "baseline", "show", "nope")
    assert missing.returncode == 1 and "camera 'nope' not found" in missing.stderr

    reset = await vigil(database_url, "baseline", "reset", "yard")
    assert reset.returncode == 0 and "deleted 168 activity" in reset.stdout
