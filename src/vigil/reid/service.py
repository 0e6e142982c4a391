"""Re-ID embedding storage: one dimension per deployment, L2-normalised, hashed."""

from __future__ import annotations

import hashlib
import math

from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.errors import InvalidInput
from vigil.models import ReidEmbedding


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


async def store_embedding(
    session: AsyncSession, detection_id: int, vector: list[float], dimension: int
) -> ReidEmbedding:
    unit = normalise(vector, dimension)
    row = ReidEmbedding(
        detection_id=detection_id, embedding=unit, embedding_hash=embedding_hash(unit)
    )
    session.add(row)
    return row
