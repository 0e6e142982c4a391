"""``vigil jobs`` commands, run as the real CLI against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.jobs.conftest import drain
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.jobs.service import enqueue

REPO = Path(__file__).resolve().parents[2]


def vigil(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_DATABASE_URL": database_url, "COLUMNS": "200"}
    code = (
        "import sys, tests.jobs.sample_tasks; from vigil.cli import main; "
        "sys.argv = ['vigil', *sys.argv[1:]]; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_jobs_cli(
    backend: str, database_url: str, db: Database, job_settings: Settings
) -> None:
    if backend != "sqlite":
        return  # the commands are database-agnostic; one backend keeps the suite fast
    async with db.transaction() as s:
        done = await enqueue(s, "test.flaky", {"succeed_on": 2})
        waiting = await enqueue(s, "test.record", {"n": 1}, queue_name="later")
    await drain(db, job_settings, queues=["default"])

    listed = vigil(database_url, "jobs", "list")
    assert listed.returncode == 0, listed.stderr
    assert done.id in listed.stdout and waiting.id in listed.stdout
    assert "2 of 2 jobs" in listed.stdout
    assert vigil(database_url, "jobs", "list", "--status", "nope").returncode == 2

    shown = vigil(database_url, "jobs", "show", done.id, "-f")
    assert shown.returncode == 0, shown.stderr
    assert "completed" in shown.stdout and "retry" in shown.stdout and "boom" in shown.stdout

    logs = vigil(database_url, "jobs", "logs", done.id, "-f")
    assert logs.returncode == 0 and logs.stdout.count("attempt") >= 2

    cancelled = vigil(database_url, "jobs", "cancel", waiting.id)
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout
    again = vigil(database_url, "jobs", "cancel", waiting.id)
    assert again.returncode == 1 and "already cancelled" in again.stderr
    retried = vigil(database_url, "jobs", "retry", waiting.id)
    assert retried.returncode == 0 and "queued again" in retried.stdout
    assert vigil(database_url, "jobs", "show", "missing").returncode == 1
