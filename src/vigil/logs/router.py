from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status

from vigil.core.db import SessionDep
from vigil.core.deps import SettingsDep
from vigil.core.errors import InvalidInput, VigilError, responses
from vigil.logs import search, service
from vigil.logs.query import MAX_QUERY_CHARS
from vigil.logs.ratelimit import TokenBucketLimiter, client_ip, get_limiter, retry_after_header
from vigil.logs.schemas import (
    FrontendBatchResult,
    FrontendLogBatch,
    FrontendLogCreate,
    LogPage,
    LogRead,
    LogStats,
    normalise_level,
)
from vigil.logs.writer import get_handler

router = APIRouter(prefix="/api/logs", tags=["logs"])

_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


class RateLimited(VigilError):
    status = 429
    code = "rate_limited"


def _charge(
    request: Request, limiter: TokenBucketLimiter, settings: SettingsDep, cost: int
) -> None:
    wait = limiter.acquire(client_ip(request, settings), cost)
    if wait > 0:
        raise RateLimited(
            "too many browser log entries from this client; slow down",
            headers={"Retry-After": retry_after_header(wait)},
        )


def frontend_rate_limit(request: Request, settings: SettingsDep) -> TokenBucketLimiter:
    """Charge one token per request before the body is even validated, so floods of invalid
    requests are limited too; a batch pays for its other entries after parsing."""
    limiter = get_limiter(request)
    _charge(request, limiter, settings, 1)
    return limiter


LimiterDep = Annotated[TokenBucketLimiter, Depends(frontend_rate_limit)]


def _aware(value: datetime | None) -> datetime | None:
    # A query-string timestamp without a zone is taken as UTC.
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput("timestamp out of range", code="invalid_range") from None


def _levels(raw: list[str] | None) -> list[str] | None:
    if not raw:
        return None
    levels = [
        str(normalise_level(part)) for item in raw for part in item.split(",") if part.strip()
    ]
    unknown = sorted(set(levels) - _LEVELS)
    if unknown:
        raise InvalidInput(f"unknown level(s) {unknown}", code="invalid_level")
    return levels


@router.get("", response_model=LogPage, responses=responses(422))
async def search_logs(
    session: SessionDep,
    q: str | None = Query(
        None,
        max_length=MAX_QUERY_CHARS,
        description='Full text, web-search syntax: words, "a phrase", -exclude, or.',
    ),
    level: list[str] | None = Query(None, description="One or more levels (repeat or comma)."),
    component: str | None = Query(None, max_length=50),
    camera_id: str | None = Query(None, max_length=100),
    source: Literal["backend", "frontend"] | None = None,
    request_id: str | None = Query(None, max_length=36),
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(100, ge=1, le=1000),
) -> LogPage:
    """Search logs, newest first; full-text ``q`` uses the database's search index."""
    filters = search.LogFilter(
        levels=_levels(level),
        component=component,
        camera_id=camera_id,
        source=source,
        request_id=request_id,
        since=_aware(since),
        until=_aware(until),
        q=q,
    )
    rows, next_cursor = await search.search_logs(session, filters, limit=limit, cursor=cursor)
    return LogPage(
        items=[LogRead.model_validate(r) for r in rows],
        limit=limit,
        has_more=next_cursor is not None,
        next_cursor=next_cursor,
    )


@router.get("/stats", response_model=LogStats)
async def log_stats(request: Request, session: SessionDep) -> LogStats:
    """Today's counts by level and component, and the database handler's dropped counter."""
    data = await service.stats_today(session, datetime.now(UTC))
    handler = get_handler(request.app)
    counters = handler.stats() if handler else {"dropped": 0, "pending": 0}
    return LogStats(
        **data,
        db_handler_active=handler is not None,
        dropped=counters["dropped"],
        pending=counters["pending"],
    )


@router.get("/{log_id}", response_model=LogRead, responses=responses(404))
async def get_log(session: SessionDep, log_id: int = Path(ge=1, le=2**31 - 1)) -> LogRead:
    """One log entry."""
    return LogRead.model_validate(await service.get_log(session, log_id))


@router.post(
    "/frontend",
    status_code=status.HTTP_201_CREATED,
    response_model=LogRead,
    responses=responses(413, 422, 429),
)
async def frontend_log(
    _limiter: LimiterDep,
    entry: FrontendLogCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> LogRead:
    """Store one browser log entry (rate-limited per client address)."""
    (row,) = await service.add_frontend_logs(
        session, [entry], settings=settings, user_agent=_user_agent(request)
    )
    return LogRead.model_validate(row)


@router.post(
    "/frontend/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=FrontendBatchResult,
    responses=responses(413, 422, 429),
)
async def frontend_log_batch(
    limiter: LimiterDep,
    batch: FrontendLogBatch,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> FrontendBatchResult:
    """Store 1 to 100 browser log entries at once; each entry counts against the rate limit."""
    if len(batch.entries) > 1:
        _charge(request, limiter, settings, len(batch.entries) - 1)
    rows = await service.add_frontend_logs(
        session, batch.entries, settings=settings, user_agent=_user_agent(request)
    )
    return FrontendBatchResult(created=len(rows), ids=[r.id for r in rows])


def _user_agent(request: Request) -> str | None:
    value = request.headers.get("user-agent")
    return value[:1000] if value else None
