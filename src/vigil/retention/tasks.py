"""The retention job: daily by default (``VIGIL_RETENTION_CRON``), one section per table family,
each with its own age (``VIGIL_RETENTION_*_DAYS``, 0 keeps forever)."""

from __future__ import annotations

from typing import Any

from vigil.core.errors import InvalidInput
from vigil.jobs.registry import JobContext, periodic, task
from vigil.retention.service import PURGES, SECTIONS, cutoff_for


@periodic("0 3 * * *", cron_setting="retention_cron")
@task("retention.cleanup", queue="maintenance", priority=4, max_attempts=3, timeout_seconds=3600)
async def cleanup(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Delete old events/detections, GPU stats, logs and job history, in chunks."""
    dry_run = bool(payload.get("dry_run", False))
    only = payload.get("only") or [s.name for s in SECTIONS]
    unknown = sorted(set(only) - set(PURGES))
    if unknown:
        raise InvalidInput(f"unknown retention sections: {unknown}")
    chosen = [s for s in SECTIONS if s.name in only]
    chunk = int(ctx.settings.retention_chunk_size)
    result: dict[str, Any] = {"dry_run": dry_run}
    for index, section in enumerate(chosen):
        days = int(getattr(ctx.settings, section.setting))
        base = 100 * index // len(chosen)
        span = 100 // len(chosen)
        await ctx.progress(base, f"{section.name}: older than {days} days")
        if days == 0:
            result[section.name] = {"skipped": f"{section.setting} is 0 (keep forever)"}
            continue

        async def progress(
            done: int, total: int, base: int = base, span: int = span, name: str = section.name
        ) -> None:
            await ctx.check_cancelled()
            await ctx.progress(base + span * done // max(total, 1), f"{name}: {done}/{total}")

        extra = {"keep_job_id": ctx.job_id} if section.name == "jobs" else {}
        outcome = await PURGES[section.name](
            ctx.db, cutoff_for(days), chunk=chunk, progress=progress, dry_run=dry_run, **extra
        )
        result[section.name] = outcome
        await ctx.log("info", f"retention {section.name} done", **outcome)
        kept = outcome.get("events_kept_with_feedback_or_audit", 0)
        if kept:
            await ctx.log(
                "warning",
                f"{kept} old events kept: they have user feedback or an AI audit, which "
                "retention never deletes",
                kept=kept,
            )
    await ctx.progress(100, "done")
    return result
