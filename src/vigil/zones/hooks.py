"""Ingest-pipeline hook for this area (see ``vigil.events.pipeline``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vigil.events.pipeline import IngestedEvent


async def on_event_ingested(session: AsyncSession, ingested: IngestedEvent) -> None:
    """Not yet wired: this area's issue fills it in."""
    return None
