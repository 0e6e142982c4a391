"""The GPU sampler of ``vigil serve``: every tick, one ``gpu_stats`` row per GPU.

All NVML calls of a tick run in one worker thread (``asyncio.to_thread``): they block, and the
PCIe throughput query alone takes ~20 ms per direction per GPU, which must never stall the
event loop. Without a driver the sampler logs one line, records nothing and says why through
``status()``; it never stores made-up samples.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pynvml
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core import broadcast
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.logging import get_logger
from vigil.models import Detection, GpuStats
from vigil.telemetry import nvml as nvml_reader
from vigil.telemetry.nvml import GpuSample, NvmlUnavailable

log = get_logger("telemetry")

PressureLevel = Literal["normal", "warning", "critical"]
WARNING_PERCENT = 85.0
CRITICAL_PERCENT = 95.0
# inference_fps: detections stored in this window, per second (detection throughput).
FPS_WINDOW_SECONDS = 60
PRESSURE_CHANNEL = "system.gpu_pressure"
SAMPLE_CHANNEL = "system.gpu_stats"

PressureCallback = Callable[[str, PressureLevel, PressureLevel], Awaitable[None] | None]


def pressure_level(percent: float | None) -> PressureLevel:
    """normal < 85 % <= warning < 95 % <= critical. Unknown usage counts as normal."""
    if percent is None:
        return "normal"
    if percent >= CRITICAL_PERCENT:
        return "critical"
    if percent >= WARNING_PERCENT:
        return "warning"
    return "normal"


async def inference_fps(session: AsyncSession, now: datetime) -> float:
    """Detections stored with ``detected_at`` in the last 60 s, divided by 60."""
    since = now - timedelta(seconds=FPS_WINDOW_SECONDS)
    count = await session.scalar(
        select(func.count()).select_from(Detection).where(Detection.detected_at >= since)
    )
    return (count or 0) / FPS_WINDOW_SECONDS


class GpuSampler:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        nvml: Any = pynvml,
        on_pressure_change: list[PressureCallback] | None = None,
    ) -> None:
        self.db = database
        self.interval = settings.gpu_poll_interval_seconds
        self.nvml = nvml
        self.on_pressure_change = list(on_pressure_change or [])
        self.available: bool | None = None  # None: not started yet
        self.reason: str | None = "the GPU sampler has not started"
        self.gpu_count = 0
        self.levels: dict[str, PressureLevel] = {}
        self.last_tick_at: datetime | None = None
        self._unreadable: set[int] = set()

    def status(self) -> dict[str, Any]:
        return {
            "available": bool(self.available),
            "reason": self.reason,
            "gpu_count": self.gpu_count,
            "interval_seconds": self.interval,
            "last_tick_at": self.last_tick_at,
        }

    async def start(self) -> bool:
        """Initialise NVML. On failure log one clear line and stay idle; returns availability."""
        try:
            self.gpu_count = await asyncio.to_thread(nvml_reader.init, self.nvml)
        except NvmlUnavailable as exc:
            self.available, self.reason = False, f"{exc}; no GPU telemetry is recorded"
            log.warning("telemetry.gpu_unavailable", reason=self.reason)
            return False
        if self.gpu_count == 0:
            self.available, self.reason = False, "NVML reports no GPU; no GPU telemetry is recorded"
            log.warning("telemetry.gpu_unavailable", reason=self.reason)
            return False
        self.available, self.reason = True, None
        log.info("telemetry.gpu_sampler_started", gpus=self.gpu_count, interval=self.interval)
        return True

    async def stop(self) -> None:
        if self.available:
            await asyncio.to_thread(nvml_reader.shutdown, self.nvml)

    async def tick(self) -> list[GpuStats]:
        """Read every GPU once and store one row per GPU; returns the stored rows."""
        if not self.available:
            return []
        samples, failures = await asyncio.to_thread(nvml_reader.read_all, self.nvml)
        self._report_unreadable(failures)
        if not samples:
            return []
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            fps = await inference_fps(session, now)
            rows = [
                GpuStats(
                    recorded_at=now,
                    gpu_index=s.gpu_index,
                    gpu_uuid=s.gpu_uuid,
                    inference_fps=fps,
                    **s.values,
                )
                for s in samples
            ]
            session.add_all(rows)
            await session.flush()
            await broadcast.publish(
                SAMPLE_CHANNEL,
                {"recorded_at": now.isoformat(), "ids": [r.id for r in rows][:64]},
                session,
            )
            changes = await self._check_pressure(session, samples)
        self.last_tick_at = now
        for uuid, new, old in changes:
            await self._run_callbacks(uuid, new, old)
        return rows

    def _report_unreadable(self, failures: list[tuple[int, str]]) -> None:
        # One line when a GPU stops answering and one when it is back, not one per tick.
        failed = {index for index, _ in failures}
        for index, error in failures:
            if index not in self._unreadable:
                log.warning("telemetry.gpu_unreadable", gpu_index=index, error=error)
        for index in self._unreadable - failed:
            log.info("telemetry.gpu_readable_again", gpu_index=index)
        self._unreadable = failed

    async def _check_pressure(
        self, session: AsyncSession, samples: list[GpuSample]
    ) -> list[tuple[str, PressureLevel, PressureLevel]]:
        changes = []
        for sample in samples:
            key = sample.gpu_uuid or f"index:{sample.gpu_index}"
            percent = sample.memory_percent
            new = pressure_level(percent)
            old = self.levels.get(key, "normal")
            self.levels[key] = new
            if new == old:
                continue
            context = {
                "gpu_index": sample.gpu_index,
                "gpu_uuid": sample.gpu_uuid,
                "level": new,
                "previous": old,
                "memory_percent": round(percent, 1) if percent is not None else None,
            }
            if new == "normal":
                log.info("telemetry.gpu_memory_pressure", **context)
            else:
                log.warning("telemetry.gpu_memory_pressure", **context)
            await broadcast.publish(PRESSURE_CHANNEL, context, session)
            changes.append((key, new, old))
        return changes

    async def _run_callbacks(self, key: str, new: PressureLevel, old: PressureLevel) -> None:
        for callback in self.on_pressure_change:
            try:
                result = callback(key, new, old)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("telemetry.pressure_callback_failed", gpu=key)

    async def run(self) -> None:
        """Sample until cancelled. A failed tick is logged and the loop goes on."""
        if not await self.start():
            return
        try:
            while True:
                started = time.monotonic()
                try:
                    await self.tick()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("telemetry.gpu_tick_failed")
                await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))
        finally:
            await self.stop()


def get_sampler(app: FastAPI) -> GpuSampler | None:
    return getattr(app.state, "gpu_sampler", None)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if not settings.gpu_sampler_enabled:
        yield
        return
    sampler = GpuSampler(app.state.db, settings)
    app.state.gpu_sampler = sampler
    task = asyncio.create_task(sampler.run(), name="vigil-gpu-sampler")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
