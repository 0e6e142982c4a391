"""Reading GPU telemetry back: the latest sample per GPU and downsampled history."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from vigil.core.errors import InvalidInput
from vigil.models import GpuStats
from vigil.telemetry.nvml import NVML_COLUMNS

# Columns that can be charted (everything numeric a sample holds).
NUMERIC_COLUMNS: tuple[str, ...] = (
    *(c for c in NVML_COLUMNS if c != "gpu_name"),
    "inference_fps",
)
DEFAULT_METRICS = ("gpu_utilization", "memory_used", "temperature", "power_usage", "inference_fps")
# Rows read to find the newest sample of each GPU: one tick writes one row per GPU, so this
# covers many ticks of any real machine while reading only the newest end of the primary key.
LATEST_SCAN_ROWS = 512


def staleness_window(interval_seconds: float) -> timedelta:
    """A sample older than this is not "current": three missed ticks, at least a minute."""
    return timedelta(seconds=max(3 * interval_seconds, 60))


async def latest_per_gpu(
    session: AsyncSession, *, now: datetime, max_age: timedelta
) -> tuple[list[GpuStats], datetime | None]:
    """The newest sample of every GPU seen within ``max_age``; also the newest sample time at all
    (to tell "never sampled" from "stopped sampling")."""
    rows = (
        await session.scalars(select(GpuStats).order_by(GpuStats.id.desc()).limit(LATEST_SCAN_ROWS))
    ).all()
    newest = max((r.recorded_at for r in rows), default=None)
    latest: dict[str, GpuStats] = {}
    for row in rows:
        key = row.gpu_uuid or f"index:{row.gpu_index}"
        if row.recorded_at < now - max_age:
            continue
        current = latest.get(key)
        if current is None or (row.recorded_at, row.id) > (current.recorded_at, current.id):
            latest[key] = row
    ordered = sorted(latest.values(), key=lambda r: (r.gpu_index is None, r.gpu_index or 0))
    return ordered, newest


def parse_metrics(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return DEFAULT_METRICS
    names = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    unknown = [n for n in names if n not in NUMERIC_COLUMNS]
    if unknown or not names:
        raise InvalidInput(
            f"unknown metrics {unknown}; choose from: {', '.join(NUMERIC_COLUMNS)}",
            code="unknown_metric",
        )
    return names


def bucket_seconds(since: datetime, until: datetime, points: int) -> int:
    """Bucket width such that [since, until] spans at most ``points`` buckets counted from
    ``since`` (whole seconds: ceil(span) // width + 1 <= points)."""
    span = math.ceil(max(0.0, (until - since).total_seconds()))
    return span // points + 1


def _bucket_expr(dialect: str, origin: int, width: int) -> ColumnElement[Any]:
    # Bucket number = (epoch seconds - origin) // width, computed by the database so only the
    # buckets travel, whatever the range.
    if dialect == "postgresql":
        epoch = func.floor(func.extract("epoch", GpuStats.recorded_at))
        return cast(func.floor((epoch - origin) / width), BigInteger)
    epoch_int = cast(func.strftime("%s", GpuStats.recorded_at), Integer)
    return (epoch_int - origin) // width


async def history(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    points: int,
    metrics: tuple[str, ...],
    gpu: str | None = None,
) -> dict[str, Any]:
    if since > until:
        raise InvalidInput("since must not be after until", code="invalid_range")
    dialect = session.get_bind().dialect.name
    width = bucket_seconds(since, until, points)
    origin = math.floor(since.timestamp())
    bucket = _bucket_expr(dialect, origin, width).label("bucket")
    aggregates: list[Any] = []
    for name in metrics:
        column = getattr(GpuStats, name)
        aggregates += [
            func.min(column).label(f"{name}__min"),
            func.avg(column).label(f"{name}__avg"),
            func.max(column).label(f"{name}__max"),
        ]
    query = (
        select(
            GpuStats.gpu_uuid,
            func.max(GpuStats.gpu_index).label("gpu_index"),
            func.max(GpuStats.gpu_name).label("gpu_name"),
            bucket,
            func.count().label("samples"),
            *aggregates,
        )
        .where(GpuStats.recorded_at >= since, GpuStats.recorded_at <= until)
        .group_by(GpuStats.gpu_uuid, bucket)
        .order_by(GpuStats.gpu_uuid, bucket)
    )
    if gpu is not None:
        # Short all-digit values are NVML indexes; anything else is a UUID ("GPU-…").
        by_index = gpu.isdigit() and len(gpu) <= 4
        query = query.where(
            GpuStats.gpu_index == int(gpu) if by_index else GpuStats.gpu_uuid == gpu
        )
    gpus: dict[str | None, dict[str, Any]] = {}
    for row in (await session.execute(query)).mappings():
        entry = gpus.setdefault(
            row["gpu_uuid"],
            {
                "gpu_uuid": row["gpu_uuid"],
                "gpu_index": row["gpu_index"],
                "gpu_name": row["gpu_name"],
                "points": [],
            },
        )
        point: dict[str, Any] = {
            "t": datetime.fromtimestamp(origin + int(row["bucket"]) * width, UTC),
            "samples": row["samples"],
        }
        for name in metrics:
            point[name] = {part: _number(row[f"{name}__{part}"]) for part in ("min", "avg", "max")}
        entry["points"].append(point)
    return {
        "since": since,
        "until": until,
        "bucket_seconds": width,
        "metrics": list(metrics),
        "gpus": sorted(gpus.values(), key=lambda g: (g["gpu_index"] is None, g["gpu_index"] or 0)),
    }


def _number(value: Any) -> float | None:
    # PostgreSQL's avg() of an integer column is NUMERIC (Decimal); JSON wants a float.
    return None if value is None else float(value)
