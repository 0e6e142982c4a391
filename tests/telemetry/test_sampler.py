from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pynvml
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.factories import detection, make_camera, make_event
from tests.telemetry.fake_nvml import FakeNvml, gpu
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.models import GpuStats
from vigil.telemetry.nvml import NVML_COLUMNS
from vigil.telemetry.sampler import GpuSampler, pressure_level


@pytest.fixture
def vigil_caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog on the ``vigil`` logger itself, whether or not it propagates to the root."""
    logger = logging.getLogger("vigil")
    saved = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.level, logger.propagate = saved


async def stored(db: Database) -> list[GpuStats]:
    async with db.sessionmaker() as s:
        return list((await s.scalars(select(GpuStats).order_by(GpuStats.gpu_index))).all())


async def test_every_gpu_gets_a_row_with_every_field(db: Database, settings: Settings) -> None:
    fake = FakeNvml([gpu(uuid="GPU-0"), gpu(uuid="GPU-1", name="NVIDIA A2000", temperature=70)])
    sampler = GpuSampler(db, settings, nvml=fake)
    assert await sampler.start()
    await sampler.tick()
    rows = await stored(db)
    assert [(r.gpu_index, r.gpu_uuid) for r in rows] == [(0, "GPU-0"), (1, "GPU-1")]
    first = rows[0]
    # every NVML column filled, in the column's unit
    assert all(getattr(first, c) is not None for c in NVML_COLUMNS)
    assert first.memory_used == 8000 and first.memory_total == 24000  # MiB
    assert first.power_usage == 250.0 and first.power_limit == 450.0  # W
    assert first.compute_processes_count == 3 and first.bar1_used == 12
    assert first.pcie_tx_throughput == 1500 and first.encoder_utilization == 5
    assert rows[1].gpu_name == "NVIDIA A2000" and rows[1].temperature == 70.0
    assert rows[0].recorded_at == rows[1].recorded_at  # one tick, one timestamp


async def test_unsupported_fields_are_null_never_guessed(db: Database, settings: Settings) -> None:
    fake = FakeNvml(
        [gpu(fan=None, encoder=None, pcie_tx=None, throttle=pynvml.NVMLError_Unknown, pstate=None)]
    )
    sampler = GpuSampler(db, settings, nvml=fake)
    await sampler.start()
    await sampler.tick()
    (row,) = await stored(db)
    assert row.fan_speed is None and row.encoder_utilization is None
    assert row.pcie_tx_throughput is None and row.throttle_reasons is None and row.pstate is None
    assert row.pcie_rx_throughput == 3000 and row.gpu_utilization == 40.0


async def test_lost_gpu_is_skipped_others_still_recorded(db: Database, settings: Settings) -> None:
    fake = FakeNvml([gpu(uuid="GPU-0", lost=True), gpu(uuid="GPU-1")])
    sampler = GpuSampler(db, settings, nvml=fake)
    await sampler.start()
    await sampler.tick()
    assert [r.gpu_uuid for r in await stored(db)] == ["GPU-1"]


async def test_no_driver_records_nothing_and_api_says_so(
    db: Database,
    settings: Settings,
    app: FastAPI,
    client: httpx.AsyncClient,
    vigil_caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeNvml([gpu()], init_error=pynvml.NVMLError_DriverNotLoaded)
    sampler = GpuSampler(db, settings, nvml=fake)
    app.state.gpu_sampler = sampler
    await sampler.run()  # returns at once: nothing to sample
    assert await sampler.tick() == []
    assert await stored(db) == []
    lines = [r for r in vigil_caplog.records if r.getMessage() == "telemetry.gpu_unavailable"]
    assert len(lines) == 1 and "Driver Not Loaded" in lines[0].context["reason"]
    body = (await client.get("/api/system/gpu")).json()
    assert body["available"] is False and body["gpus"] == []
    assert "Driver Not Loaded" in body["reason"]


async def test_api_without_any_sampler_or_rows(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/system/gpu")).json()
    assert body == {
        "available": False,
        "reason": "no GPU samples recorded (no NVIDIA GPU, or the sampler is not running)",
        "last_sample_at": None,
        "gpus": [],
    }


async def test_api_latest_per_gpu(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    fake = FakeNvml([gpu(uuid="GPU-0"), gpu(uuid="GPU-1", mem_used_mib=23000)])
    sampler = GpuSampler(db, settings, nvml=fake)
    await sampler.start()
    await sampler.tick()
    fake.gpus[0]["util_gpu"] = 99
    await sampler.tick()
    body = (await client.get("/api/system/gpu")).json()
    assert body["available"] is True
    assert [(g["gpu_index"], g["gpu_uuid"]) for g in body["gpus"]] == [(0, "GPU-0"), (1, "GPU-1")]
    assert body["gpus"][0]["gpu_utilization"] == 99.0
    assert body["gpus"][1]["memory_pressure"] == "critical"


async def test_inference_fps_is_detection_throughput(
    db: Database, settings: Settings, session
) -> None:  # type: ignore[no-untyped-def]
    await make_camera(session, "Front Door")
    await make_event(session, "front_door", detections=[detection() for _ in range(30)])
    sampler = GpuSampler(db, settings, nvml=FakeNvml([gpu()]))
    await sampler.start()
    (row,) = await sampler.tick()
    assert row.inference_fps == pytest.approx(30 / 60)


def test_pressure_levels() -> None:
    assert pressure_level(84.99) == "normal"
    assert pressure_level(85) == "warning"
    assert pressure_level(94.9) == "warning"
    assert pressure_level(95) == "critical"
    assert pressure_level(None) == "normal"


async def test_pressure_change_logs_and_calls_back_once(
    db: Database, settings: Settings, vigil_caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeNvml([gpu(uuid="GPU-0", mem_used_mib=1000, mem_total_mib=10000)])
    changes: list[tuple[str, str, str]] = []

    async def record(key: str, new: str, old: str) -> None:
        changes.append((key, new, old))

    sampler = GpuSampler(db, settings, nvml=fake, on_pressure_change=[record])
    await sampler.start()
    await sampler.tick()
    fake.gpus[0]["mem_used_mib"] = 9000
    await sampler.tick()
    await sampler.tick()  # same level: no new change
    fake.gpus[0]["mem_used_mib"] = 9600
    await sampler.tick()
    assert changes == [("GPU-0", "warning", "normal"), ("GPU-0", "critical", "warning")]
    lines = [r for r in vigil_caplog.records if r.getMessage() == "telemetry.gpu_memory_pressure"]
    assert [r.context["level"] for r in lines] == ["warning", "critical"]


async def test_slow_nvml_calls_do_not_block_the_event_loop(
    db: Database, settings: Settings
) -> None:
    # Every NVML call blocks until a coroutine on the event loop opens the gate. If the sampler
    # called NVML on the loop's thread, that coroutine could never run and the calls would time
    # out; in a worker thread they are released as soon as the loop gets a turn.
    gate = threading.Event()
    fake = FakeNvml([gpu()], gate=gate)
    sampler = GpuSampler(db, settings, nvml=fake)
    await sampler.start()

    async def open_gate() -> None:
        await asyncio.sleep(0)
        gate.set()

    opener = asyncio.create_task(open_gate())
    rows = await sampler.tick()
    await opener
    assert len(rows) == 1
    assert fake.gate_timeouts == 0
    assert threading.current_thread().name not in fake.threads


async def test_run_loop_samples_until_cancelled(db: Database, settings: Settings) -> None:
    fake = FakeNvml([gpu(uuid="GPU-0")])
    sampler = GpuSampler(db, settings, nvml=fake)
    sampler.interval = 0.05
    task = asyncio.create_task(sampler.run())
    for _ in range(100):
        await asyncio.sleep(0.05)
        async with db.sessionmaker() as s:
            if (await s.scalar(select(func.count()).select_from(GpuStats)) or 0) >= 2:
                break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(await stored(db)) >= 2
    assert fake.initialised is False  # NVML shut down on stop


async def test_history_before_until_window_is_empty(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    r = await client.get(
        "/api/system/gpu/history",
        params={"since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat()},
    )
    assert r.status_code == 200 and r.json()["gpus"] == []
