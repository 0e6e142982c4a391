"""Ingest-pipeline hook for this area (see ``vigil.events.pipeline``): alert rules run last, in
the event's transaction, so an alert exists exactly when its event does."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vigil.alerting.service import run_rules
from vigil.events.pipeline import IngestedEvent


async def on_event_ingested(session: AsyncSession, ingested: IngestedEvent) -> None:
    """Evaluate the enabled rules; per-rule decisions go to ``ingested.results["alerts"]``."""
    ingested.results["alerts"] = await run_rules(session, ingested)
