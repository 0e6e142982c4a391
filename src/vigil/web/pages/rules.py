"""Alert rules: list, create/edit with schedule and zone pickers, dry run against history."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep
from vigil.core.errors import NotFound
from vigil.models import Alert, AlertRule
from vigil.models.alert import ALERT_SEVERITIES
from vigil.models.enrichment import POSE_CLASSES
from vigil.web.pages.cameras import camera_names, zones_by_camera
from vigil.web.render import render

router = APIRouter()
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COMMON_OBJECT_TYPES = (
    "person",
    "car",
    "truck",
    "bicycle",
    "motorcycle",
    "dog",
    "cat",
    "bird",
    "package",
)


async def list_rules(session: AsyncSession) -> list[tuple[AlertRule, int]]:
    counts = select(Alert.rule_id, func.count().label("n")).group_by(Alert.rule_id).subquery()
    rows = await session.execute(
        select(AlertRule, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.rule_id == AlertRule.id)
        .order_by(AlertRule.name)
    )
    return [(rule, n) for rule, n in rows.all()]


async def _form_context(session: AsyncSession, rule: AlertRule | None) -> dict[str, Any]:
    known_types = set(COMMON_OBJECT_TYPES)
    chosen = list(rule.object_types or []) if rule else []
    return {
        "rule": rule,
        "severities": ALERT_SEVERITIES,
        "weekdays": WEEKDAYS,
        "object_types": list(COMMON_OBJECT_TYPES),
        "other_types": ", ".join(t for t in chosen if t not in known_types),
        "pose_classes": POSE_CLASSES,
        "cameras": await camera_names(session),
        "zones": await zones_by_camera(session),
        "schedule": (rule.schedule or {}) if rule else {},
        "pose": ((rule.conditions or {}).get("pose") or {}) if rule else {},
    }


@router.get("/rules", response_class=HTMLResponse)
async def rules_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "pages/rules.html",
        {
            "title": "Rules",
            "rules": await list_rules(session),
            **await _form_context(session, None),
        },
    )


@router.get("/rules/{rule_id}", response_class=HTMLResponse)
async def rule_page(request: Request, rule_id: uuid.UUID, session: SessionDep) -> HTMLResponse:
    rule = await session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(f"rule {rule_id} not found", code="rule_not_found")
    return render(
        request,
        "pages/rule.html",
        {"title": rule.name, **await _form_context(session, rule)},
    )
