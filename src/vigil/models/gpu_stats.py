from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import Base, UTCDateTime, pg_only_index


class GpuStats(Base):
    """One NVML sample of one GPU. A field the card cannot report is NULL, never a guess."""

    __tablename__ = "gpu_stats"
    __table_args__ = (
        pg_only_index("ix_gpu_stats_recorded_at_brin", "recorded_at", using="brin"),
        # "latest sample of GPU X" and per-GPU history ranges.
        Index("idx_gpu_stats_gpu_uuid_recorded_at", "gpu_uuid", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recorded_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    # Which GPU: NVML index (can change across reboots) and UUID (stable). NULL only on rows
    # written before GPU identity was recorded.
    gpu_index: Mapped[int | None] = mapped_column(Integer)
    gpu_uuid: Mapped[str | None] = mapped_column(String(96))
    gpu_name: Mapped[str | None] = mapped_column(String(255))
    gpu_utilization: Mapped[float | None] = mapped_column(Float)
    memory_used: Mapped[int | None] = mapped_column(Integer)
    memory_total: Mapped[int | None] = mapped_column(Integer)
    temperature: Mapped[float | None] = mapped_column(Float)
    power_usage: Mapped[float | None] = mapped_column(Float)
    # Detection throughput of the whole system (detections in the last 60 s / 60), not model FPS.
    inference_fps: Mapped[float | None] = mapped_column(Float)
    fan_speed: Mapped[int | None] = mapped_column(Integer)
    sm_clock: Mapped[int | None] = mapped_column(Integer)
    memory_bandwidth_utilization: Mapped[float | None] = mapped_column(Float)
    pstate: Mapped[int | None] = mapped_column(Integer)
    throttle_reasons: Mapped[int | None] = mapped_column(Integer)
    power_limit: Mapped[float | None] = mapped_column(Float)
    sm_clock_max: Mapped[int | None] = mapped_column(Integer)
    compute_processes_count: Mapped[int | None] = mapped_column(Integer)
    pcie_replay_counter: Mapped[int | None] = mapped_column(Integer)
    temp_slowdown_threshold: Mapped[float | None] = mapped_column(Float)
    memory_clock: Mapped[int | None] = mapped_column(Integer)
    memory_clock_max: Mapped[int | None] = mapped_column(Integer)
    pcie_link_gen: Mapped[int | None] = mapped_column(Integer)
    pcie_link_width: Mapped[int | None] = mapped_column(Integer)
    pcie_tx_throughput: Mapped[int | None] = mapped_column(Integer)
    pcie_rx_throughput: Mapped[int | None] = mapped_column(Integer)
    encoder_utilization: Mapped[int | None] = mapped_column(Integer)
    decoder_utilization: Mapped[int | None] = mapped_column(Integer)
    bar1_used: Mapped[int | None] = mapped_column(Integer)
