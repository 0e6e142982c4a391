"""Background work of the audit area: retention."""

from __future__ import annotations

from typing import Any

from vigil.audit.service import apply_retention
from vigil.jobs.registry import JobContext, periodic, task

PRUNE = "audit.prune"


@periodic("30 3 * * *")
@task(PRUNE, queue="maintenance", priority=4, max_attempts=3, timeout_seconds=600)
async def prune_audit_trail(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Delete audit entries older than VIGIL_AUDIT_RETENTION_DAYS (0 keeps everything)."""
    days = int(payload.get("days") or ctx.settings.audit_retention_days)
    if days <= 0:
        return {"deleted": 0, "retention": "disabled"}
    async with ctx.db.transaction() as session:
        deleted = await apply_retention(session, days)
    await ctx.log("info", "audit trail pruned", deleted=deleted, days=days)
    return {"deleted": deleted, "days": days}
