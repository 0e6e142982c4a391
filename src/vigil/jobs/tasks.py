"""Background tasks of this area, declared with ``vigil.jobs.registry.task``."""

from __future__ import annotations

from typing import Any

from vigil.jobs.registry import JobContext, task


@task("jobs.noop", queue="default", priority=2, max_attempts=1, timeout_seconds=60)
async def noop(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Do nothing: measures the queue's own overhead (bench/jobs.py) and checks a worker."""
    return None
