"""Logs: full-text search (the logs area's indexed search: PostgreSQL tsvector / SQLite FTS5)
with level, component, camera, source and time filters; cursor pages, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from vigil.core.deps import SessionDep
from vigil.core.errors import VigilError
from vigil.models import Log
from vigil.models.log import LOG_LEVELS, LOG_SOURCES
from vigil.web.availability import optional_service
from vigil.web.render import render

router = APIRouter()
PAGE_SIZE = 100
WINDOWS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


# Where the logs area keeps its indexed search (it moved once; look in both places).
SEARCH_MODULES = ("vigil.logs.search", "vigil.logs.service")


def log_search() -> ModuleType | None:
    """The module with ``LogFilter`` and ``search_logs``, or None if the logs area is missing."""
    for dotted in SEARCH_MODULES:
        module = optional_service(dotted, "LogFilter", "search_logs")
        if module is not None:
            return module
    return None


@router.get("/logs", response_class=HTMLResponse)
async def logs_page(
    request: Request,
    session: SessionDep,
    q: str = Query("", max_length=500),
    level: str = "",
    component: str = Query("", max_length=50),
    camera_id: str = Query("", max_length=100),
    source: str = "",
    window: str = "",
    cursor: str = Query("", max_length=200),
) -> HTMLResponse:
    service = log_search()
    rows: list[Any] = []
    next_cursor: str | None = None
    error: str | None = None
    components: list[str] = []
    if service is not None:
        # Minimum level: the chosen one and everything more severe.
        levels = list(LOG_LEVELS[LOG_LEVELS.index(level) :]) if level in LOG_LEVELS else None
        filters = service.LogFilter(
            levels=levels,
            component=component or None,
            camera_id=camera_id or None,
            source=source if source in LOG_SOURCES else None,
            since=datetime.now(UTC) - WINDOWS[window] if window in WINDOWS else None,
            q=q.strip() or None,
        )
        try:
            rows, next_cursor = await service.search_logs(
                session, filters, limit=PAGE_SIZE, cursor=cursor or None
            )
        except VigilError as exc:
            error = exc.detail
        components = list(
            (
                await session.scalars(
                    select(Log.component).distinct().order_by(Log.component).limit(200)
                )
            ).all()
        )
    params = {
        "q": q,
        "level": level,
        "component": component,
        "camera_id": camera_id,
        "source": source,
        "window": window,
    }
    return render(
        request,
        "pages/logs.html",
        {
            "title": "Logs",
            "available": service is not None,
            "rows": rows,
            "next_cursor": next_cursor,
            "error": error,
            "p": params,
            "levels": LOG_LEVELS,
            "sources": LOG_SOURCES,
            "windows": list(WINDOWS),
            "components": components,
            "next_query": "&".join(f"{k}={v}" for k, v in params.items() if v)
            + (f"&cursor={next_cursor}" if next_cursor else ""),
        },
    )
