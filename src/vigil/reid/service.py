"""Re-ID embedding storage (one dimension per deployment, L2-normalised, hashed) and
cross-camera similarity search over them."""

from __future__ import annotations

import asyncio
import hashlib
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.errors import InvalidInput, NotFound
from vigil.models import Camera, Detection, ReidEmbedding
from vigil.reid.index import EmbeddingIndex, Filters
from vigil.reid.schemas import ReidMatch, ReidSearch, ReidSearchResult

LINK = "probably_same_subject"
# Above this many stored vectors a search (~10 ms at 50k x 512) runs in a worker thread.
THREAD_SEARCH_ROWS = 50_000


def normalise(vector: list[float], dimension: int) -> list[float]:
    if len(vector) != dimension:
        raise InvalidInput(
            f"embedding has {len(vector)} dimensions; this deployment uses {dimension} "
            "(VIGIL_REID_DIMENSION)",
            code="embedding_dimension",
        )
    if not all(math.isfinite(v) for v in vector):
        raise InvalidInput("embedding contains NaN or infinite values", code="embedding_invalid")
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:
        raise InvalidInput("embedding is the zero vector", code="embedding_invalid")
    return [v / norm for v in vector]


def embedding_hash(vector: list[float]) -> str:
    """SHA-256 over the stored (normalised) vector's canonical text form."""
    canonical = ",".join(repr(float(v)) for v in vector)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def as_float32(vector: list[float]) -> bytes:
    """Little-endian float32 bytes: the compact copy the search index loads."""
    return np.asarray(vector, dtype="<f4").tobytes()


async def store_embedding(
    session: AsyncSession, detection_id: int, vector: list[float], dimension: int
) -> ReidEmbedding:
    unit = normalise(vector, dimension)
    row = ReidEmbedding(
        detection_id=detection_id,
        embedding=unit,
        embedding_hash=embedding_hash(unit),
        embedding_f32=as_float32(unit),
    )
    session.add(row)
    return row


def _statement(similarity: float, threshold: float, cross_camera: bool | None) -> str:
    where = {True: "on another camera", False: "on the same camera", None: ""}[cross_camera]
    return (
        f"Probably the same subject {where} (cosine similarity {similarity:.2f} >= "
        f"{threshold:.2f}); appearance similarity is not identity, confirm visually."
    ).replace("  ", " ")


async def search(
    session: AsyncSession,
    index: EmbeddingIndex,
    data: ReidSearch,
    *,
    dimension: int,
    default_threshold: float,
    query_detection: Detection | None = None,
    query_vector: list[float] | None = None,
) -> ReidSearchResult:
    """Top-k stored detections most similar to an embedding (or to a stored detection's)."""
    if query_vector is None:
        if data.embedding is None:
            raise InvalidInput("give an embedding to search with", code="embedding_missing")
        query_vector = normalise(data.embedding, dimension)
    threshold = default_threshold if data.threshold is None else data.threshold
    reference = data.reference_time or (
        query_detection.detected_at if query_detection else datetime.now(UTC)
    )
    since, until = data.since, data.until
    if data.window_seconds is not None:
        window = timedelta(seconds=data.window_seconds)
        since = max(since, reference - window) if since else reference - window
        until = min(until, reference + window) if until else reference + window
    query_camera = query_detection.camera_id if query_detection else data.query_camera_id
    exclude_cameras = [query_camera] if data.cross_camera_only and query_camera else None
    filters = Filters(
        camera_ids=data.camera_ids,
        exclude_camera_ids=exclude_cameras,
        object_type=data.object_type,
        since=since,
        until=until,
        exclude_detection_id=(query_detection.id if query_detection else data.exclude_detection_id),
    )
    await index.refresh(session)
    query = np.asarray(query_vector, dtype=np.float32)
    # A few spare candidates, in case some were deleted since the index loaded them.
    if index.size >= THREAD_SEARCH_ROWS:
        # NumPy releases the GIL in BLAS: a big scan runs off the event loop, which keeps
        # serving other requests meanwhile.
        hits, candidates = await asyncio.to_thread(
            index.search, query, data.limit + 5, threshold, filters
        )
    else:
        hits, candidates = index.search(query, data.limit + 5, threshold, filters)
    rows: dict[int, Any] = {}
    if hits:
        found = await session.execute(
            select(
                Detection.id,
                Detection.camera_id,
                Detection.detected_at,
                Detection.object_type,
                Camera.name,
            )
            .join(Camera, Camera.id == Detection.camera_id)
            .where(Detection.id.in_([h.detection_id for h in hits]))
        )
        rows = {r[0]: r for r in found}
        index.discard([h.detection_id for h in hits if h.detection_id not in rows])
    matches = []
    for hit in hits:
        row = rows.get(hit.detection_id)
        if row is None:
            continue
        _, camera_id, detected_at, object_type, camera_name = row
        cross = None if query_camera is None else camera_id != query_camera
        matches.append(
            ReidMatch(
                detection_id=hit.detection_id,
                camera_id=camera_id,
                camera_name=camera_name,
                object_type=object_type,
                detected_at=detected_at,
                time_gap_seconds=(detected_at - reference).total_seconds(),
                similarity=round(hit.similarity, 6),
                cross_camera=cross,
                link=LINK,
                statement=_statement(hit.similarity, threshold, cross),
            )
        )
        if len(matches) == data.limit:
            break
    return ReidSearchResult(
        threshold=threshold,
        reference_time=reference,
        query_detection_id=query_detection.id if query_detection else None,
        query_camera_id=query_camera,
        candidates=candidates,
        matches=matches,
    )


async def similar_to_detection(
    session: AsyncSession,
    index: EmbeddingIndex,
    detection_id: int,
    data: ReidSearch,
    *,
    dimension: int,
    default_threshold: float,
    same_class: bool = True,
) -> ReidSearchResult:
    detection = await session.get(Detection, detection_id)
    if detection is None:
        raise NotFound(f"detection {detection_id} not found", code="detection_not_found")
    stored = await session.scalar(
        select(ReidEmbedding.embedding).where(ReidEmbedding.detection_id == detection_id)
    )
    if stored is None:
        raise NotFound(
            f"detection {detection_id} has no re-ID embedding", code="embedding_not_found"
        )
    if len(stored) != dimension:
        raise InvalidInput(
            f"detection {detection_id}'s embedding has {len(stored)} dimensions; this deployment "
            f"searches {dimension}",
            code="embedding_dimension",
        )
    if data.object_type is None and same_class and detection.object_type:
        data = data.model_copy(update={"object_type": detection.object_type})
    return await search(
        session,
        index,
        data,
        dimension=dimension,
        default_threshold=default_threshold,
        query_detection=detection,
        query_vector=list(stored),
    )
