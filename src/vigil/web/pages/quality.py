"""AI quality: which model outputs reach the LLM prompt and how they relate to the quality
scores (a leaderboard), the score averages, and the most frequent prompt-improvement notes."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep
from vigil.models import EventAudit
from vigil.models.event_audit import MODEL_FLAGS, SCORE_COLUMNS
from vigil.web.render import render

router = APIRouter()
SUGGESTION_COLUMNS = (
    "missing_context",
    "confusing_sections",
    "unused_data",
    "format_suggestions",
    "model_gaps",
)
MAX_AUDITS = 5000


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Correlation, or None where it is undefined (fewer than 2 points or no variance)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def _items(text: str | None) -> list[str]:
    """Suggestion columns hold a JSON list or plain lines; either way, one note per item."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        value = text.splitlines()
    items = value if isinstance(value, list) else [value]
    return [str(i).strip().lstrip("-• ").strip() for i in items if str(i).strip()]


async def leaderboard(session: AsyncSession, since: datetime) -> tuple[list[dict[str, Any]], int]:
    audits = (
        await session.scalars(
            select(EventAudit)
            .where(EventAudit.audited_at >= since)
            .order_by(EventAudit.audited_at.desc())
            .limit(MAX_AUDITS)
        )
    ).all()
    scored = [a for a in audits if a.overall_quality_score is not None]
    board: list[dict[str, Any]] = []
    for flag in MODEL_FLAGS:
        present = [a for a in audits if getattr(a, flag)]
        with_scores = [float(a.overall_quality_score or 0) for a in scored if getattr(a, flag)]
        without = [float(a.overall_quality_score or 0) for a in scored if not getattr(a, flag)]
        board.append(
            {
                "model": flag.removeprefix("has_").replace("_", " "),
                "contribution_rate": len(present) / len(audits) if audits else None,
                "quality_with": sum(with_scores) / len(with_scores) if with_scores else None,
                "quality_without": sum(without) / len(without) if without else None,
                "correlation": pearson(
                    [1.0 if getattr(a, flag) else 0.0 for a in scored],
                    [float(a.overall_quality_score or 0) for a in scored],
                ),
            }
        )
    board.sort(key=lambda r: (r["correlation"] is None, -float(r["correlation"] or 0.0)))
    return board, len(audits)


async def score_averages(session: AsyncSession, since: datetime) -> dict[str, float | None]:
    row = (
        await session.execute(
            select(
                *(func.avg(getattr(EventAudit, c)) for c in SCORE_COLUMNS),
                func.avg(EventAudit.enrichment_utilization),
            ).where(EventAudit.audited_at >= since)
        )
    ).one()
    values = dict(zip((*SCORE_COLUMNS, "enrichment_utilization"), row, strict=True))
    return {k: None if v is None else float(v) for k, v in values.items()}


async def recommendations(
    session: AsyncSession, since: datetime
) -> dict[str, list[tuple[str, int]]]:
    rows = await session.execute(
        select(*(getattr(EventAudit, c) for c in SUGGESTION_COLUMNS))
        .where(EventAudit.audited_at >= since, EventAudit.overall_quality_score.is_not(None))
        .limit(MAX_AUDITS)
    )
    counters: dict[str, Counter[str]] = {c: Counter() for c in SUGGESTION_COLUMNS}
    for values in rows:
        for column, text in zip(SUGGESTION_COLUMNS, values, strict=True):
            counters[column].update(_items(text))
    return {c: counters[c].most_common(5) for c in SUGGESTION_COLUMNS if counters[c]}


@router.get("/quality", response_class=HTMLResponse)
async def quality_page(
    request: Request, session: SessionDep, days: int = Query(7, ge=1, le=90)
) -> HTMLResponse:
    since = datetime.now(UTC) - timedelta(days=days)
    board, audited = await leaderboard(session, since)
    return render(
        request,
        "pages/quality.html",
        {
            "title": "AI quality",
            "days": days,
            "board": board,
            "audited": audited,
            "scores": await score_averages(session, since),
            "recommendations": await recommendations(session, since),
        },
    )
