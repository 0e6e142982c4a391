"""What happens, in the same transaction, when an event is stored.

Each hook is ``async def hook(session, ingested) -> None`` and may add to ``ingested.results``
for the hooks after it and for the API response. Order matters: zones tag detections, baselines
score the event, the quality audit records the prompt, and alerting runs last so its rules can
use all of that. A hook that raises aborts the whole ingest (nothing is half-written).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import Settings
from vigil.models import Detection, Event

INGEST_HOOKS = (
    "vigil.zones.hooks:on_event_ingested",
    "vigil.baselines.hooks:on_event_ingested",
    "vigil.quality.hooks:on_event_ingested",
    "vigil.alerting.hooks:on_event_ingested",
)


@dataclass
class IngestedEvent:
    event: Event
    detections: list[Detection]
    settings: Settings
    # detection id -> ids of the zones its anchor point is in (highest priority first)
    detection_zones: dict[int, list[str]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    # True when every detection was created by this ingest without enrichment: no enrichment row
    # (re-id, pose, action, threat) can reference them yet, so hooks may skip looking.
    fresh_unenriched: bool = False


Hook = Callable[[AsyncSession, IngestedEvent], Awaitable[None]]


@cache
def _hooks() -> tuple[Hook, ...]:
    loaded = []
    for dotted in INGEST_HOOKS:
        module, _, name = dotted.partition(":")
        loaded.append(getattr(importlib.import_module(module), name))
    return tuple(loaded)


async def run_ingest_pipeline(session: AsyncSession, ingested: IngestedEvent) -> dict[str, Any]:
    for hook in _hooks():
        await hook(session, ingested)
    return ingested.results
