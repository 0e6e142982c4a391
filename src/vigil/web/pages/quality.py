"""AI quality: audit statistics, the model leaderboard (how often each model output reaches the
LLM prompt and how its presence correlates with quality) and prompt recommendations, read through
the quality area's service (``vigil.quality.service``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vigil.core.deps import SessionDep
from vigil.web.availability import optional_service
from vigil.web.render import render

router = APIRouter()
QUALITY_API = ("stats", "leaderboard", "recommendations")


@router.get("/quality", response_class=HTMLResponse)
async def quality_page(request: Request, days: int = Query(7, ge=1, le=90)) -> HTMLResponse:
    """The page shell; the numbers load right after (``/quality/_body``). The service
    aggregates in SQL (tens of milliseconds with a month of history), so this split only
    keeps the shell independent of the quality area being installed."""
    available = optional_service("vigil.quality.service", *QUALITY_API) is not None
    return render(
        request, "pages/quality.html", {"title": "AI quality", "days": days, "available": available}
    )


@router.get("/quality/_body", response_class=HTMLResponse)
async def quality_body(
    request: Request, session: SessionDep, days: int = Query(7, ge=1, le=90)
) -> HTMLResponse:
    service = optional_service("vigil.quality.service", *QUALITY_API)
    context: dict[str, Any] = {"days": days, "available": service is not None}
    if service is not None:
        context.update(
            stats=await service.stats(session, days),
            board=await service.leaderboard(session, days),
            advice=await service.recommendations(session, days),
        )
    return render(request, "partials/quality_body.html", context)
