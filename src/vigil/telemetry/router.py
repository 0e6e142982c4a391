from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query, Request

from vigil.core.db import SessionDep
from vigil.core.deps import SettingsDep
from vigil.core.errors import InvalidInput, responses
from vigil.telemetry import service
from vigil.telemetry.sampler import get_sampler, pressure_level
from vigil.telemetry.schemas import GpuCurrent, GpuHistory, GpuSampleRead

router = APIRouter(prefix="/api/system", tags=["system"])


@router.get("/gpu", response_model=GpuCurrent)
async def current_gpu(request: Request, session: SessionDep, settings: SettingsDep) -> GpuCurrent:
    """The latest sample of every GPU, or ``available: false`` with the reason."""
    now = datetime.now(UTC)
    max_age = service.staleness_window(settings.gpu_poll_interval_seconds)
    rows, newest = await service.latest_per_gpu(session, now=now, max_age=max_age)
    if rows:
        items = []
        for row in rows:
            item = GpuSampleRead.model_validate(row)
            if row.memory_used is not None and row.memory_total:
                item.memory_pressure = pressure_level(100 * row.memory_used / row.memory_total)
            items.append(item)
        return GpuCurrent(available=True, last_sample_at=newest, gpus=items)
    sampler = get_sampler(request.app)
    if sampler is not None and sampler.available is False:
        reason = sampler.reason
    elif sampler is not None and sampler.available and sampler.last_tick_at is None:
        reason = "the GPU sampler is starting; no sample stored yet"
    elif newest is not None:
        reason = f"no GPU sample in the last {int(max_age.total_seconds())} s"
    else:
        reason = "no GPU samples recorded (no NVIDIA GPU, or the sampler is not running)"
    return GpuCurrent(available=False, reason=reason, last_sample_at=newest, gpus=[])


@router.get("/gpu/history", response_model=GpuHistory, responses=responses(422))
async def gpu_history(
    session: SessionDep,
    since: datetime | None = Query(None, description="Start (default: one hour before until)."),
    until: datetime | None = Query(None, description="End (default: now)."),
    gpu: str | None = Query(None, max_length=96, description="GPU index or UUID."),
    points: int = Query(300, ge=1, le=5000, description="At most this many buckets per GPU."),
    metrics: str | None = Query(None, max_length=1000, description="Comma-separated columns."),
) -> GpuHistory:
    """Per-GPU time series, downsampled in the database to min/avg/max per time bucket."""
    until = _aware(until) if until else datetime.now(UTC)
    try:
        since = _aware(since) if since else until - timedelta(hours=1)
    except OverflowError:
        raise InvalidInput("until is too early", code="invalid_range") from None
    data = await service.history(
        session,
        since=since,
        until=until,
        points=points,
        metrics=service.parse_metrics(metrics),
        gpu=gpu,
    )
    return GpuHistory.model_validate(data)


def _aware(value: datetime) -> datetime:
    # A timestamp without zone from a query string is taken as UTC.
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput("timestamp out of range", code="invalid_range") from None
