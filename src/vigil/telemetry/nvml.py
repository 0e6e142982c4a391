"""Reading every GPU through NVML. Blocking calls only: the sampler runs them in a thread.

The ``nvml`` argument is the real ``pynvml`` module in production and a scripted fake with the
same function names in tests, so both exercise exactly this code. Each field is read on its own:
an ``NVMLError`` (typically ``NVMLError_NotSupported`` on consumer cards or in containers) makes
that one field NULL. Nothing is ever estimated or filled in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pynvml

MIB = 1024 * 1024

# The error class every NVML failure derives from; fakes raise the same (sub)classes.
NVMLError = pynvml.NVMLError


class NvmlUnavailable(Exception):
    """NVML cannot be used on this machine (no driver, no library, no permission)."""


@dataclass
class GpuSample:
    """One reading of one GPU; field names are the ``gpu_stats`` columns."""

    gpu_index: int
    gpu_uuid: str | None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def memory_percent(self) -> float | None:
        used, total = self.values.get("memory_used"), self.values.get("memory_total")
        if used is None or not total:
            return None
        return 100.0 * used / total


def _text(value: Any) -> str:
    # Older pynvml releases return bytes.
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _field(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except NVMLError:
        return None


def _throttle_reasons(nvml: Any, handle: Any) -> int:
    # Renamed "clocks event reasons" in newer NVML; the bitmask is the same.
    reader = getattr(nvml, "nvmlDeviceGetCurrentClocksEventReasons", None)
    if reader is None:
        reader = nvml.nvmlDeviceGetCurrentClocksThrottleReasons
    return int(reader(handle))


def _readers(nvml: Any, h: Any) -> dict[str, Callable[[], Any]]:
    """Column name -> a zero-argument call returning the value in the column's unit."""
    return {
        "gpu_name": lambda: _text(nvml.nvmlDeviceGetName(h))[:255],
        "gpu_utilization": lambda: float(nvml.nvmlDeviceGetUtilizationRates(h).gpu),
        "memory_bandwidth_utilization": lambda: float(nvml.nvmlDeviceGetUtilizationRates(h).memory),
        "memory_used": lambda: int(nvml.nvmlDeviceGetMemoryInfo(h).used // MIB),
        "memory_total": lambda: int(nvml.nvmlDeviceGetMemoryInfo(h).total // MIB),
        "temperature": lambda: float(nvml.nvmlDeviceGetTemperature(h, nvml.NVML_TEMPERATURE_GPU)),
        "power_usage": lambda: nvml.nvmlDeviceGetPowerUsage(h) / 1000.0,  # mW -> W
        "power_limit": lambda: nvml.nvmlDeviceGetEnforcedPowerLimit(h) / 1000.0,
        "fan_speed": lambda: int(nvml.nvmlDeviceGetFanSpeed(h)),
        "sm_clock": lambda: int(nvml.nvmlDeviceGetClockInfo(h, nvml.NVML_CLOCK_SM)),
        "sm_clock_max": lambda: int(nvml.nvmlDeviceGetMaxClockInfo(h, nvml.NVML_CLOCK_SM)),
        "memory_clock": lambda: int(nvml.nvmlDeviceGetClockInfo(h, nvml.NVML_CLOCK_MEM)),
        "memory_clock_max": lambda: int(nvml.nvmlDeviceGetMaxClockInfo(h, nvml.NVML_CLOCK_MEM)),
        "pstate": lambda: int(nvml.nvmlDeviceGetPerformanceState(h)),
        "throttle_reasons": lambda: _throttle_reasons(nvml, h),
        "compute_processes_count": lambda: len(nvml.nvmlDeviceGetComputeRunningProcesses(h)),
        "pcie_replay_counter": lambda: int(nvml.nvmlDeviceGetPcieReplayCounter(h)),
        "temp_slowdown_threshold": lambda: float(
            nvml.nvmlDeviceGetTemperatureThreshold(h, nvml.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN)
        ),
        "pcie_link_gen": lambda: int(nvml.nvmlDeviceGetCurrPcieLinkGeneration(h)),
        "pcie_link_width": lambda: int(nvml.nvmlDeviceGetCurrPcieLinkWidth(h)),
        # KB/s over a 20 ms window: the slowest call here.
        "pcie_tx_throughput": lambda: int(
            nvml.nvmlDeviceGetPcieThroughput(h, nvml.NVML_PCIE_UTIL_TX_BYTES)
        ),
        "pcie_rx_throughput": lambda: int(
            nvml.nvmlDeviceGetPcieThroughput(h, nvml.NVML_PCIE_UTIL_RX_BYTES)
        ),
        "encoder_utilization": lambda: int(nvml.nvmlDeviceGetEncoderUtilization(h)[0]),
        "decoder_utilization": lambda: int(nvml.nvmlDeviceGetDecoderUtilization(h)[0]),
        "bar1_used": lambda: int(nvml.nvmlDeviceGetBAR1MemoryInfo(h).bar1Used // MIB),
    }


# Every column the sampler fills from NVML (inference_fps comes from the database instead).
NVML_COLUMNS: tuple[str, ...] = tuple(_readers(pynvml, None))


def init(nvml: Any) -> int:
    """Initialise NVML and return the GPU count, or raise ``NvmlUnavailable`` with the reason."""
    try:
        nvml.nvmlInit()
        return int(nvml.nvmlDeviceGetCount())
    except NVMLError as exc:
        raise NvmlUnavailable(f"NVML unavailable: {_text(exc)}") from exc


def shutdown(nvml: Any) -> None:
    # Already shut down or never initialised: nothing to release.
    with contextlib.suppress(NVMLError):
        nvml.nvmlShutdown()


def read_gpu(nvml: Any, index: int) -> GpuSample:
    """Read every supported field of GPU ``index``; raises ``NVMLError`` only if the GPU itself
    cannot be reached (no handle), so the caller can skip that GPU for this tick."""
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    uuid = _field(lambda: _text(nvml.nvmlDeviceGetUUID(handle))[:96])
    values = {name: _field(read) for name, read in _readers(nvml, handle).items()}
    return GpuSample(gpu_index=index, gpu_uuid=uuid, values=values)


def read_all(nvml: Any) -> tuple[list[GpuSample], list[tuple[int, str]]]:
    """Read every GPU NVML reports now. Returns the samples and ``(index, error)`` for GPUs that
    could not be read this time (e.g. a GPU that fell off the bus)."""
    samples: list[GpuSample] = []
    failures: list[tuple[int, str]] = []
    count = int(nvml.nvmlDeviceGetCount())
    for index in range(count):
        try:
            samples.append(read_gpu(nvml, index))
        except NVMLError as exc:
            failures.append((index, _text(exc)))
    return samples, failures
