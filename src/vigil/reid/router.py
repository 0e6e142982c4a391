"""``/api/reid``: find detections that probably show the same subject, across cameras."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from vigil.core.db import SessionDep
from vigil.core.deps import SettingsDep
from vigil.core.errors import InvalidInput, responses
from vigil.reid import service
from vigil.reid.index import EmbeddingIndex
from vigil.reid.schemas import ReidSearch, ReidSearchResult
from vigil.reid.warmup import app_index

router = APIRouter(prefix="/api/reid", tags=["reid"])


def _index(request: Request, dimension: int) -> EmbeddingIndex:
    return app_index(request.app, dimension)


@router.post(
    "/search",
    response_model=ReidSearchResult,
    responses=responses(422),
    # A read, though a POST (the embedding is too big for a query string).
    openapi_extra={"x-audit-action": "reid.search", "x-audit-resource": "reid"},
)
async def search(
    data: ReidSearch, request: Request, session: SessionDep, settings: SettingsDep
) -> ReidSearchResult:
    """Stored detections whose embedding is closest (cosine) to the given one, best first, at or
    above the threshold (default 0.85). Matches are "probably the same subject", not an
    identity."""
    if data.embedding is None:
        raise InvalidInput("embedding: field required", code="validation_error")
    return await service.search(
        session,
        _index(request, settings.reid_dimension),
        data,
        dimension=settings.reid_dimension,
        default_threshold=settings.reid_similarity_threshold,
    )


@router.get(
    "/similar/{detection_id}", response_model=ReidSearchResult, responses=responses(404, 422)
)
async def similar(
    detection_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    threshold: float | None = Query(None, ge=-1.0, le=1.0),
    limit: int = Query(10, ge=1, le=100),
    object_type: str | None = Query(None, min_length=1, max_length=50),
    any_class: bool = Query(False, description="search every class, not only the query's"),
    camera_id: list[str] | None = Query(None),
    since: datetime | None = None,
    until: datetime | None = None,
    window_seconds: int | None = Query(None, ge=1, le=366 * 86_400),
    cross_camera_only: bool = False,
) -> ReidSearchResult:
    """Detections that probably show the same subject as a stored detection (its own embedding
    is the query; the detection itself is excluded). By default only the same class."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name}: give a time zone (e.g. 2026-01-01T10:00:00Z)")
    try:
        data = ReidSearch(
            threshold=threshold,
            limit=limit,
            object_type=object_type,
            camera_ids=camera_id,
            since=since,
            until=until,
            window_seconds=window_seconds,
            cross_camera_only=cross_camera_only,
        )
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise InvalidInput(problems) from None
    return await service.similar_to_detection(
        session,
        _index(request, settings.reid_dimension),
        detection_id,
        data,
        dimension=settings.reid_dimension,
        default_threshold=settings.reid_similarity_threshold,
        same_class=not any_class,
    )
