"""Background tasks of this area, declared with ``vigil.jobs.registry.task``."""

from __future__ import annotations

import uuid
from typing import Any

from vigil.jobs.registry import JobContext, task
from vigil.notify.service import deliver_alert


@task("notify.deliver", queue="notify", priority=0, max_attempts=6, timeout_seconds=120)
async def deliver(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Deliver one alert to its notification channels (retried with backoff on failure)."""
    alert_id = uuid.UUID(str(payload["alert_id"]))
    return await deliver_alert(
        ctx.db,
        alert_id,
        attempt=ctx.attempt,
        timeout_s=ctx.settings.notify_timeout_seconds,
    )
