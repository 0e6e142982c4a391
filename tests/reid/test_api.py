"""Re-ID over HTTP on both databases: dimension enforcement, normalised storage, cross-camera
search with filters, incremental index refresh."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import detection, make_camera
from vigil.models import ReidEmbedding

DIM = 512
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def _vec(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIM)
    return v / np.linalg.norm(v)


def _near(base: np.ndarray, seed: int, noise: float = 0.2) -> list[float]:
    """A vector with cosine ~0.98 to ``base`` (the same subject, another view)."""
    v = base + noise * _vec(seed) / np.sqrt(2)
    return list(v * 3.0)  # not unit length: the server normalises


async def _ingest(client: httpx.AsyncClient, camera: str, at: datetime, embedding, kind="person"):  # type: ignore[no-untyped-def]
    response = await client.post(
        "/api/ingest",
        json={
            "camera_id": camera,
            "started_at": at.isoformat(),
            "detections": [
                detection(
                    kind, detected_at=at.isoformat(), enrichment={"reid": {"embedding": embedding}}
                )
            ],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["detection_ids"][0]


async def _cameras(session: AsyncSession) -> None:
    for name in ("Front Door", "Driveway", "Back Yard"):
        await make_camera(session, name)


async def test_dimension_enforced_and_vector_normalised(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _cameras(session)
    bad = await client.post(
        "/api/ingest",
        json={
            "camera_id": "front_door",
            "started_at": T0.isoformat(),
            "detections": [detection(enrichment={"reid": {"embedding": [1.0] * 768}})],
        },
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == "embedding_dimension"
    zero = await client.post(
        "/api/ingest",
        json={
            "camera_id": "front_door",
            "started_at": T0.isoformat(),
            "detections": [detection(enrichment={"reid": {"embedding": [0.0] * DIM}})],
        },
    )
    assert zero.status_code == 422
    search = await client.post("/api/reid/search", json={"embedding": [1.0] * 128})
    assert search.status_code == 422 and search.json()["error"] == "embedding_dimension"

    detection_id = await _ingest(client, "front_door", T0, [2.0] * DIM)
    row = (await session.scalars(select(ReidEmbedding))).one()
    assert row.detection_id == detection_id
    assert np.linalg.norm(row.embedding) == pytest.approx(1.0)
    assert row.embedding[0] == pytest.approx(1 / np.sqrt(DIM))
    assert (
        row.embedding_hash
        == hashlib.sha256(",".join(repr(float(v)) for v in row.embedding).encode()).hexdigest()
    )
    assert row.embedding_f32 is not None
    assert np.frombuffer(row.embedding_f32, dtype="<f4") == pytest.approx(row.embedding)


async def test_cross_camera_search(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _cameras(session)
    alice, bob = _vec(1), _vec(2)
    a_front = await _ingest(client, "front_door", T0, _near(alice, 10))
    a_drive = await _ingest(client, "driveway", T0 + timedelta(minutes=3), _near(alice, 11))
    a_yard = await _ingest(client, "back_yard", T0 + timedelta(hours=1), _near(alice, 12))
    await _ingest(client, "driveway", T0 + timedelta(minutes=4), _near(bob, 13))
    car = await _ingest(client, "driveway", T0 + timedelta(minutes=5), _near(alice, 14), "car")

    similar = await client.get(f"/api/reid/similar/{a_front}")
    assert similar.status_code == 200, similar.text
    body = similar.json()
    # Same class only by default, the query itself excluded, best first.
    assert {m["detection_id"] for m in body["matches"]} == {a_drive, a_yard}
    sims = [m["similarity"] for m in body["matches"]]
    assert sims == sorted(sims, reverse=True)
    first = next(m for m in body["matches"] if m["detection_id"] == a_drive)
    assert first["camera_id"] == "driveway" and first["camera_name"] == "Driveway"
    assert first["cross_camera"] is True
    assert first["time_gap_seconds"] == 180.0
    assert first["similarity"] > 0.9
    assert first["link"] == "probably_same_subject"
    assert "not identity" in first["statement"]
    assert body["threshold"] == 0.85

    # A time window around the query keeps only the driveway sighting.
    windowed = (await client.get(f"/api/reid/similar/{a_front}?window_seconds=600")).json()
    assert [m["detection_id"] for m in windowed["matches"]] == [a_drive]
    # Any class finds the car-labelled vector too; a camera filter narrows it.
    anyclass = (
        await client.get(f"/api/reid/similar/{a_front}?any_class=true&camera_id=driveway")
    ).json()
    assert {m["detection_id"] for m in anyclass["matches"]} == {a_drive, car}

    # A raw embedding search (POST) with class and camera filters.
    post = await client.post(
        "/api/reid/search",
        json={
            "embedding": list(alice),
            "object_type": "person",
            "query_camera_id": "front_door",
            "cross_camera_only": True,
            "limit": 5,
        },
    )
    assert post.status_code == 200, post.text
    assert {m["detection_id"] for m in post.json()["matches"]} == {a_drive, a_yard}

    # Threshold: bob's vector is unrelated to alice's.
    strict = await client.post("/api/reid/search", json={"embedding": list(bob), "threshold": 0.9})
    assert len(strict.json()["matches"]) == 1

    # A new embedding is searchable on the next query (incremental refresh).
    late = await _ingest(client, "back_yard", T0 + timedelta(minutes=90), _near(alice, 15))
    again = (await client.get(f"/api/reid/similar/{a_front}")).json()
    assert late in {m["detection_id"] for m in again["matches"]}


async def test_similar_errors(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _cameras(session)
    assert (await client.get("/api/reid/similar/999")).status_code == 404
    response = await client.post(
        "/api/ingest",
        json={"camera_id": "front_door", "started_at": T0.isoformat(), "detections": [detection()]},
    )
    plain = response.json()["detection_ids"][0]
    missing = await client.get(f"/api/reid/similar/{plain}")
    assert missing.status_code == 404 and missing.json()["error"] == "embedding_not_found"
    bad_window = await client.get(
        f"/api/reid/similar/{plain}?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"
    )
    assert bad_window.status_code == 422
    assert (await client.post("/api/reid/search", json={})).status_code == 422
    assert (
        await client.post("/api/reid/search", json={"embedding": [1.0] * DIM, "limit": 0})
    ).status_code == 422


async def test_index_preloaded_at_startup(
    app, client: httpx.AsyncClient, session: AsyncSession
) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from vigil.reid.warmup import lifespan

    await _cameras(session)
    await _ingest(client, "front_door", T0, list(_vec(3)))
    async with lifespan(app):
        index = app.state.reid_index
        for _ in range(100):
            if index.size:
                break
            await asyncio.sleep(0.02)
        assert index.size == 1 and index.max_id >= 1
