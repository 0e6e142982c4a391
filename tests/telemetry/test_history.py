from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.models import GpuStats

START = datetime(2026, 1, 1, tzinfo=UTC)


async def seed(session: AsyncSession, *, minutes: int, gpus: int = 2) -> None:
    """One sample per GPU every 5 s, utilisation rising 0, 1, 2 … within each minute."""
    rows = []
    for step in range(minutes * 12):
        at = START + timedelta(seconds=5 * step)
        for index in range(gpus):
            rows.append(
                GpuStats(
                    recorded_at=at,
                    gpu_index=index,
                    gpu_uuid=f"GPU-{index}",
                    gpu_name="fake",
                    gpu_utilization=float(step % 12) + 100 * index,
                    memory_used=1000 + index,
                    memory_total=24000,
                )
            )
    session.add_all(rows)
    await session.commit()


async def test_history_downsamples_to_buckets_with_min_avg_max(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed(session, minutes=60)
    r = await client.get(
        "/api/system/gpu/history",
        params={
            "since": START.isoformat(),
            "until": (START + timedelta(minutes=60) - timedelta(seconds=1)).isoformat(),
            "points": 61,
            "metrics": "gpu_utilization,memory_used",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bucket_seconds"] == 60
    assert [g["gpu_uuid"] for g in body["gpus"]] == ["GPU-0", "GPU-1"]
    points = body["gpus"][0]["points"]
    assert len(points) == 60
    first = points[0]
    assert first["t"].startswith("2026-01-01T00:00:00")
    assert first["samples"] == 12
    assert first["gpu_utilization"] == {"min": 0.0, "avg": 5.5, "max": 11.0}
    assert first["memory_used"] == {"min": 1000.0, "avg": 1000.0, "max": 1000.0}
    assert body["gpus"][1]["points"][0]["gpu_utilization"]["min"] == 100.0


async def test_history_never_returns_more_points_than_asked(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed(session, minutes=30, gpus=1)
    for points in (1, 2, 7, 50, 5000):
        r = await client.get(
            "/api/system/gpu/history",
            params={
                "since": (START - timedelta(seconds=13)).isoformat(),
                "until": (START + timedelta(minutes=31)).isoformat(),
                "points": points,
            },
        )
        series = r.json()["gpus"][0]["points"]
        assert 1 <= len(series) <= points
        assert sum(p["samples"] for p in series) == 30 * 12


async def test_history_filters_by_gpu_index_or_uuid(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed(session, minutes=5)
    params = {"since": START.isoformat(), "until": (START + timedelta(minutes=5)).isoformat()}
    by_index = (await client.get("/api/system/gpu/history", params={**params, "gpu": "1"})).json()
    by_uuid = (
        await client.get("/api/system/gpu/history", params={**params, "gpu": "GPU-1"})
    ).json()
    assert [g["gpu_uuid"] for g in by_index["gpus"]] == ["GPU-1"]
    assert by_index == by_uuid


async def test_history_bad_input_is_422(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/system/gpu/history",
        params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_range"
    r = await client.get("/api/system/gpu/history", params={"metrics": "gpu_name;drop"})
    assert r.status_code == 422 and r.json()["error"] == "unknown_metric"
    r = await client.get("/api/system/gpu/history", params={"points": 0})
    assert r.status_code == 422


async def test_history_extreme_input_is_never_a_500(client: httpx.AsyncClient) -> None:
    for params in (
        {"until": "0001-01-01T00:00:00Z"},
        {"since": "0001-01-01T00:00:00+01:00"},
        {"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z", "points": 5000},
        {"gpu": "99999999999999999999"},
    ):
        r = await client.get("/api/system/gpu/history", params=params)
        assert r.status_code in (200, 422), (params, r.text)
