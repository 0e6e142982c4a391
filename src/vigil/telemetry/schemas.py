"""API shapes of GPU telemetry."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from vigil.core.schemas import ReadModel


class GpuSampleRead(ReadModel):
    id: int
    recorded_at: datetime
    gpu_index: int | None
    gpu_uuid: str | None
    gpu_name: str | None
    gpu_utilization: float | None
    memory_used: int | None
    memory_total: int | None
    temperature: float | None
    power_usage: float | None
    # Detection throughput of the whole system (detections in the last 60 s / 60), not model FPS.
    inference_fps: float | None
    fan_speed: int | None
    sm_clock: int | None
    memory_bandwidth_utilization: float | None
    pstate: int | None
    throttle_reasons: int | None
    power_limit: float | None
    sm_clock_max: int | None
    compute_processes_count: int | None
    pcie_replay_counter: int | None
    temp_slowdown_threshold: float | None
    memory_clock: int | None
    memory_clock_max: int | None
    pcie_link_gen: int | None
    pcie_link_width: int | None
    pcie_tx_throughput: int | None
    pcie_rx_throughput: int | None
    encoder_utilization: int | None
    decoder_utilization: int | None
    bar1_used: int | None
    memory_pressure: str | None = None


class GpuCurrent(BaseModel):
    """``available`` false means no current sample: ``reason`` says why. Never fake data."""

    available: bool
    reason: str | None = None
    last_sample_at: datetime | None = None
    gpus: list[GpuSampleRead]


class MetricStats(BaseModel):
    min: float | None
    avg: float | None
    max: float | None


class HistoryPoint(BaseModel):
    t: datetime
    samples: int
    model_config = {"extra": "allow"}  # one MetricStats object per requested metric


class GpuHistorySeries(BaseModel):
    gpu_uuid: str | None
    gpu_index: int | None
    gpu_name: str | None
    points: list[HistoryPoint]


class GpuHistory(BaseModel):
    since: datetime
    until: datetime
    bucket_seconds: int
    metrics: list[str]
    gpus: list[GpuHistorySeries]
