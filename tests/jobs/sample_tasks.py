"""Tasks used by the job-queue tests (also imported by ``vigil worker --tasks-module``)."""

from __future__ import annotations

import asyncio
from typing import Any

from vigil.jobs.registry import JobContext, periodic, task


@task("test.record", max_attempts=1, timeout_seconds=30)
async def record(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Log one line per run, so a test can count how often the job body executed."""
    await ctx.log("info", "ran", n=payload.get("n"))
    return {"n": payload.get("n")}


@task("test.flaky", max_attempts=3, timeout_seconds=30)
async def flaky(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Fail until attempt ``succeed_on``."""
    await ctx.log("info", "attempt", attempt=ctx.attempt)
    if ctx.attempt < payload.get("succeed_on", 99):
        raise RuntimeError(f"boom on attempt {ctx.attempt}")
    return {"attempt": ctx.attempt}


@task("test.sleep", max_attempts=3, timeout_seconds=60)
async def sleep(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Sleep in small steps, reporting progress and honouring cancellation."""
    steps = int(payload.get("steps", 10))
    for i in range(steps):
        await ctx.check_cancelled()
        await ctx.progress(int(100 * i / steps), f"step {i + 1}/{steps}")
        await asyncio.sleep(float(payload.get("step_seconds", 0.1)))
    return {"attempt": ctx.attempt}


@task("test.stubborn", max_attempts=1, timeout_seconds=60)
async def stubborn(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Sleeps without ever checking for cancellation."""
    await asyncio.sleep(float(payload.get("seconds", 30)))
    return None


@task("test.slow", max_attempts=2, timeout_seconds=0.3)
async def slow(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Always outlives its timeout."""
    await asyncio.sleep(5)
    return None


@periodic("* * * * * *")
@task("test.tick", queue="periodic-test", max_attempts=1, timeout_seconds=10)
async def tick(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Runs every second (seconds-field cron) in the periodic test."""
    return {"scheduled_for": payload.get("scheduled_for")}
