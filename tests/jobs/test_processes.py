"""Real worker processes (``vigil worker``): exactly-once across processes, and kill -9 recovery."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.jobs.conftest import drain
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.jobs.service import enqueue
from vigil.models import Job, JobAttempt, JobLog
from vigil.models.job import JobWorker

REPO = Path(__file__).resolve().parents[2]


class WorkerProcesses:
    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.env = {
            **os.environ,
            "VIGIL_DATABASE_URL": database_url,
            "VIGIL_DATA_DIR": str(data_dir),
            "VIGIL_LOG_LEVEL": "WARNING",
            "VIGIL_LOG_DB_ENABLED": "false",
            "VIGIL_JOB_PERIODIC_ENABLED": "false",
            "VIGIL_JOB_POLL_INTERVAL_SECONDS": "1",
            "VIGIL_JOB_SQLITE_POLL_INTERVAL_SECONDS": "0.05",
            "VIGIL_JOB_HEARTBEAT_INTERVAL_SECONDS": "0.3",
            "VIGIL_JOB_STALL_TIMEOUT_SECONDS": "1.5",
            "VIGIL_JOB_RETRY_BASE_SECONDS": "0.05",
            "VIGIL_JOB_SHUTDOWN_GRACE_SECONDS": "2",
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log = (data_dir / "workers.log").open("ab")

    def start(self, concurrency: int = 4) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vigil",
                "worker",
                "--queues",
                "default",
                "--concurrency",
                str(concurrency),
                "--tasks-module",
                "tests.jobs.sample_tasks",
            ],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,  # kept for debugging a failure: tmp_path/workers.log
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> list[int]:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = []
        for p in self.procs:
            try:
                codes.append(p.wait(timeout=15))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(p.wait())
        return codes


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[WorkerProcesses]:
    group = WorkerProcesses(database_url, tmp_path)
    try:
        yield group
    finally:
        for p in group.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        group.log.close()


async def _count(db: Database, query) -> int:  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as s:
        return int(await s.scalar(query) or 0)


async def _wait_until(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_500_jobs_exactly_once_across_three_processes(
    backend: str, db: Database, workers: WorkerProcesses
) -> None:
    if backend != "postgresql":
        pytest.skip("multi-process claiming with SKIP LOCKED is the PostgreSQL scale-out path")
    for _ in range(3):
        workers.start(concurrency=4)
    await _wait_until(
        lambda: _count_eq(db, select(func.count()).select_from(JobWorker), 3), 30, "3 workers"
    )
    async with db.transaction() as s:
        for n in range(500):
            await enqueue(s, "test.record", {"n": n})
    await _wait_until(
        lambda: _count_eq(db, select(func.count()).where(Job.status == "completed"), 500),
        45,
        "500 completed jobs",
    )
    assert workers.stop_all() == [0, 0, 0]
    assert await _count(db, select(func.count()).select_from(JobAttempt)) == 500
    assert await _count(db, select(func.count()).select_from(JobLog)) == 500  # body ran once each
    assert await _count(db, select(func.count(func.distinct(JobLog.job_id)))) == 500
    assert await _count(db, select(func.count(func.distinct(JobAttempt.worker_id)))) >= 2
    assert await _count(db, select(func.count()).select_from(JobWorker)) == 0  # unregistered


async def _count_eq(db: Database, query, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await _count(db, query) == expected


async def test_kill_9_mid_job_is_recovered_and_retried(
    db: Database, job_settings: Settings, workers: WorkerProcesses
) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.sleep", {"steps": 400, "step_seconds": 0.05}, max_attempts=3)
    victim = workers.start(concurrency=1)

    async def running() -> bool:
        async with db.sessionmaker() as s:
            found = await s.get(Job, job.id)
            return found is not None and found.status == "running" and found.progress_percent > 0

    await _wait_until(running, 30, "the job to start")
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    # A live worker notices the silent one (stall timeout 1 s here) and retries the job.
    fast = job_settings.model_copy(update={})
    async with db.transaction() as s:
        from sqlalchemy import update

        await s.execute(update(Job).where(Job.id == job.id).values(payload={"steps": 2}))
    await asyncio.sleep(fast.job_stall_timeout_seconds + 0.2)
    await drain(db, fast)
    async with db.sessionmaker() as s:
        done = await s.get(Job, job.id)
        attempts = list(
            await s.scalars(
                select(JobAttempt)
                .where(JobAttempt.job_id == job.id)
                .order_by(JobAttempt.attempt_number)
            )
        )
    assert done is not None and done.status == "completed"
    assert done.attempt_number == 2
    assert [(a.attempt_number, a.status) for a in attempts] == [(1, "failed"), (2, "succeeded")]
    assert "stopped heartbeating" in (attempts[0].error_message or "")
    assert attempts[0].worker_id != attempts[1].worker_id
