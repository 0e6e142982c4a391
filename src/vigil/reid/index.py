"""In-process exact cosine index over the stored re-ID embeddings.

Vectors are unit length, so cosine similarity is a dot product: one float32 matrix-vector
product (BLAS sgemv) over the candidates, then ``argpartition`` for the top k. No approximation:
results are the same as a full scan in the database would give.

Memory: ``dimension x 4`` bytes per embedding plus ~29 bytes of metadata (detection id,
embedding id, time, camera and class codes, alive flag): 512-dim -> ~2.1 KB each, ~215 MB per
100,000 and ~2.1 GB per 1,000,000 embeddings, held by each API process that serves searches.

Freshness: before each search the index loads rows with ``id`` above the largest it holds
(``reid_embeddings.id`` only grows), so a new embedding is searchable on the next query. Rows
deleted in the database (a detection removed) are dropped when a search meets them; a database
whose largest id went *down* (restored, truncated) is reloaded from scratch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.logging import get_logger
from vigil.models import Detection, ReidEmbedding

log = get_logger("reid")

LOAD_PAGE = 20_000
# Above this share of candidates, scoring everything and masking beats gathering rows first.
FULL_SCAN_SHARE = 0.3


@dataclass(frozen=True)
class Filters:
    camera_ids: Sequence[str] | None = None
    exclude_camera_ids: Sequence[str] | None = None
    object_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    exclude_detection_id: int | None = None


@dataclass(frozen=True)
class Hit:
    detection_id: int
    similarity: float


class EmbeddingIndex:
    def __init__(self, dimension: int, capacity: int = 1024) -> None:
        self.dimension = dimension
        self.size = 0
        self.max_id = 0
        self._vectors = np.empty((capacity, dimension), dtype=np.float32)
        self._detection_ids = np.empty(capacity, dtype=np.int64)
        self._times = np.empty(capacity, dtype=np.float64)
        self._cameras = np.empty(capacity, dtype=np.int32)
        self._classes = np.empty(capacity, dtype=np.int32)
        self._alive = np.empty(capacity, dtype=bool)
        self._camera_codes: dict[str | None, int] = {}
        self._class_codes: dict[str | None, int] = {}
        self._lock = asyncio.Lock()

    # --- building -------------------------------------------------------------------------

    def _grow(self, needed: int) -> None:
        capacity = len(self._detection_ids)
        if needed <= capacity:
            return
        new = max(needed, capacity * 2)
        self._vectors = np.resize(self._vectors, (new, self.dimension))
        for name in ("_detection_ids", "_times", "_cameras", "_classes", "_alive"):
            setattr(self, name, np.resize(getattr(self, name), new))

    def _code(self, table: dict[str | None, int], key: str | None) -> int:
        return table.setdefault(key, len(table))

    def add(
        self,
        vectors: NDArray[np.float32],
        detection_ids: Sequence[int],
        times: Sequence[float],
        cameras: Sequence[str],
        classes: Sequence[str | None],
    ) -> None:
        """Append unit vectors (rows) with their metadata."""
        count = len(detection_ids)
        if count == 0:
            return
        start, end = self.size, self.size + count
        self._grow(end)
        self._vectors[start:end] = vectors
        self._detection_ids[start:end] = detection_ids
        self._times[start:end] = times
        self._cameras[start:end] = [self._code(self._camera_codes, c) for c in cameras]
        self._classes[start:end] = [self._code(self._class_codes, c) for c in classes]
        self._alive[start:end] = True
        self.size = end

    def clear(self) -> None:
        self.size = 0
        self.max_id = 0
        self._camera_codes.clear()
        self._class_codes.clear()

    def discard(self, detection_ids: Sequence[int]) -> None:
        if detection_ids:
            n = self.size
            self._alive[:n] &= ~np.isin(self._detection_ids[:n], list(detection_ids))

    @property
    def nbytes(self) -> int:
        n = self.size
        return n * (self.dimension * 4 + 8 + 8 + 4 + 4 + 1)

    async def refresh(self, session: AsyncSession) -> int:
        """Load embeddings added since the last refresh; returns how many were added."""
        async with self._lock:
            top = await session.scalar(select(func.max(ReidEmbedding.id)))
            if top is None or top < self.max_id:
                if self.size:
                    log.info("reid.index_reset", held=self.size)
                self.clear()
                if top is None:
                    return 0
            added = 0
            while self.max_id < top:
                rows = (
                    await session.execute(
                        select(
                            ReidEmbedding.id,
                            ReidEmbedding.detection_id,
                            ReidEmbedding.embedding_f32,
                            Detection.detected_at,
                            Detection.camera_id,
                            Detection.object_type,
                        )
                        .join(Detection, Detection.id == ReidEmbedding.detection_id)
                        .where(ReidEmbedding.id > self.max_id, ReidEmbedding.id <= top)
                        .order_by(ReidEmbedding.id)
                        .limit(LOAD_PAGE)
                    )
                ).all()
                if not rows:
                    break
                legacy = [r[0] for r in rows if r[2] is None]
                as_json: dict[int, list[float]] = {}
                if legacy:  # rows written before the binary copy existed: parse the JSON
                    found = await session.execute(
                        select(ReidEmbedding.id, ReidEmbedding.embedding).where(
                            ReidEmbedding.id.in_(legacy)
                        )
                    )
                    as_json = {i: e for i, e in found.tuples()}
                added += self._add_rows(rows, as_json)
                self.max_id = rows[-1][0]
            return added

    def _add_rows(self, rows: Sequence[Any], as_json: dict[int, list[float]]) -> int:
        expected = self.dimension * 4
        blobs: list[bytes] = []
        keep = []
        for row in rows:
            blob: bytes | None = row[2]
            if blob is None:
                blob = np.asarray(as_json.get(row[0], []), dtype="<f4").tobytes()
            if len(blob) != expected:
                # Another dimension (the deployment's setting changed): not comparable.
                continue
            blobs.append(blob)
            keep.append(row)
        if not keep:
            return 0
        vectors = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(keep), self.dimension)
        self.add(
            vectors,
            [r[1] for r in keep],
            [r[3].timestamp() for r in keep],
            [r[4] for r in keep],
            [r[5] for r in keep],
        )
        return len(keep)

    # --- searching ------------------------------------------------------------------------

    def _mask(self, filters: Filters) -> NDArray[np.bool_] | None:
        """Candidate rows, or None when every live row is a candidate."""
        n = self.size
        mask: NDArray[np.bool_] | None = None

        def both(m: NDArray[np.bool_]) -> NDArray[np.bool_]:
            return m if mask is None else mask & m

        if not self._alive[:n].all():
            mask = self._alive[:n].copy()
        if filters.camera_ids is not None:
            codes = [self._camera_codes[c] for c in filters.camera_ids if c in self._camera_codes]
            mask = both(np.isin(self._cameras[:n], codes))
        if filters.exclude_camera_ids:
            codes = [
                self._camera_codes[c] for c in filters.exclude_camera_ids if c in self._camera_codes
            ]
            mask = both(~np.isin(self._cameras[:n], codes))
        if filters.object_type is not None:
            code = self._class_codes.get(filters.object_type, -1)
            mask = both(self._classes[:n] == code)
        if filters.since is not None:
            mask = both(self._times[:n] >= filters.since.timestamp())
        if filters.until is not None:
            mask = both(self._times[:n] <= filters.until.timestamp())
        if filters.exclude_detection_id is not None:
            mask = both(self._detection_ids[:n] != filters.exclude_detection_id)
        return mask

    def search(
        self, query: NDArray[np.float32], k: int, threshold: float, filters: Filters
    ) -> tuple[list[Hit], int]:
        """Top ``k`` rows by cosine similarity at or above ``threshold``, best first, and the
        number of candidates that passed the filters."""
        n = self.size
        if n == 0 or k <= 0:
            return [], 0
        mask = self._mask(filters)
        if mask is None:
            rows = None
            scores = self._vectors[:n] @ query
            candidates = n
        else:
            candidates = int(mask.sum())
            if candidates == 0:
                return [], 0
            if candidates > FULL_SCAN_SHARE * n:
                rows = None
                scores = self._vectors[:n] @ query
                scores[~mask] = -np.inf
            else:
                rows = np.flatnonzero(mask)
                scores = self._vectors[rows] @ query
        k = min(k, candidates)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] >= threshold]
        positions = top if rows is None else rows[top]
        hits = [
            Hit(int(self._detection_ids[p]), float(scores[t]))
            for p, t in zip(positions, top, strict=True)
        ]
        return hits, candidates
