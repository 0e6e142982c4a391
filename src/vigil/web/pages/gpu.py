"""GPU: the latest sample per GPU and a time-series chart per GPU and metric (inline SVG).

Reads through ``vigil.telemetry.service`` (downsampled in the database); without that area the
page says so. Vigil never stores or shows made-up samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep, SettingsDep
from vigil.models import GpuStats
from vigil.web.availability import optional_service
from vigil.web.charts import LineChart, line_chart
from vigil.web.render import render

router = APIRouter()
RANGES = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
CHART_POINTS = 180
TELEMETRY_API = ("history", "latest_per_gpu", "staleness_window")
# (metric, label, unit, colour, fixed ceiling)
METRICS = (
    ("gpu_utilization", "Utilisation", "%", "#2563eb", 100.0),
    ("memory_used", "Memory used", "MiB", "#7c3aed", None),
    ("temperature", "Temperature", "°C", "#dc2626", None),
    ("power_usage", "Power", "W", "#d97706", None),
    ("inference_fps", "Inference rate", "detections/s", "#059669", None),
)


@dataclass
class GpuNow:
    label: str
    row: GpuStats
    memory_pct: int | None


def _label(index: int | None, name: str | None, uuid: str | None) -> str:
    prefix = f"GPU {index}" if index is not None else (uuid or "GPU")
    return f"{prefix} · {name}" if name else prefix


async def latest_per_gpu(session: AsyncSession, interval_seconds: float = 5.0) -> list[GpuNow]:
    service = optional_service("vigil.telemetry.service", *TELEMETRY_API)
    if service is None:
        return []
    now = datetime.now(UTC)
    rows, _newest = await service.latest_per_gpu(
        session, now=now, max_age=service.staleness_window(interval_seconds)
    )
    result = []
    for row in rows:
        pct = None
        if row.memory_used is not None and row.memory_total:
            pct = round(100 * row.memory_used / row.memory_total)
        result.append(GpuNow(_label(row.gpu_index, row.gpu_name, row.gpu_uuid), row, pct))
    return result


def _charts(gpu: dict[str, Any]) -> list[LineChart]:
    charts = []
    for metric, label, unit, colour, ceiling in METRICS:
        series = [
            (p["t"], p[metric]["min"], p[metric]["avg"], p[metric]["max"]) for p in gpu["points"]
        ]
        chart = line_chart(label, unit, series, color=colour, ceiling=ceiling)
        if chart is not None:
            charts.append(chart)
    return charts


@router.get("/gpu", response_class=HTMLResponse)
async def gpu_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    range_: str = Query("6h", alias="range", pattern="^(1h|6h|24h|7d|30d)$"),
) -> HTMLResponse:
    service = optional_service("vigil.telemetry.service", *TELEMETRY_API)
    gpus: list[dict[str, Any]] = []
    now_rows: list[GpuNow] = []
    if service is not None:
        until = datetime.now(UTC)
        data = await service.history(
            session,
            since=until - RANGES[range_],
            until=until,
            points=CHART_POINTS,
            metrics=tuple(m[0] for m in METRICS),
        )
        gpus = [
            {"label": _label(g["gpu_index"], g["gpu_name"], g["gpu_uuid"]), "charts": _charts(g)}
            for g in data["gpus"]
        ]
        interval = float(getattr(settings, "gpu_poll_interval_seconds", 5.0))
        now_rows = await latest_per_gpu(session, interval)
    return render(
        request,
        "pages/gpu.html",
        {
            "title": "GPU",
            "available": service is not None,
            "gpus": gpus,
            "now": now_rows,
            "range": range_,
            "ranges": list(RANGES),
        },
    )
