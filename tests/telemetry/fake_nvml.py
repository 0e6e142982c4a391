"""A scripted stand-in for ``pynvml``: same function names, values from a dict per GPU, and the
real ``pynvml.NVMLError`` subclasses for anything a card "does not support"."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pynvml

MIB = 1024 * 1024

FULL_GPU: dict[str, Any] = {
    "name": "NVIDIA RTX 4090",
    "uuid": "GPU-aaaa",
    "util_gpu": 40,
    "util_mem": 20,
    "mem_used_mib": 8000,
    "mem_total_mib": 24000,
    "temperature": 61,
    "power_mw": 250_000,
    "power_limit_mw": 450_000,
    "fan": 45,
    "sm_clock": 2520,
    "sm_clock_max": 2800,
    "mem_clock": 10501,
    "mem_clock_max": 10501,
    "pstate": 2,
    "throttle": 4,
    "processes": 3,
    "replay": 0,
    "slowdown": 90,
    "pcie_gen": 4,
    "pcie_width": 16,
    "pcie_tx": 1500,
    "pcie_rx": 3000,
    "encoder": 5,
    "decoder": 7,
    "bar1_used_mib": 12,
}


@dataclass
class FakeNvml:
    gpus: list[dict[str, Any]]
    init_error: type[pynvml.NVMLError] | None = None
    # When set, every call blocks until the event is set (like the slow PCIe throughput query);
    # ``gate_timeouts`` counts calls that gave up waiting (2 s).
    gate: threading.Event | None = None

    NVMLError = pynvml.NVMLError
    NVML_TEMPERATURE_GPU = pynvml.NVML_TEMPERATURE_GPU
    NVML_CLOCK_SM = pynvml.NVML_CLOCK_SM
    NVML_CLOCK_MEM = pynvml.NVML_CLOCK_MEM
    NVML_TEMPERATURE_THRESHOLD_SLOWDOWN = pynvml.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN
    NVML_PCIE_UTIL_TX_BYTES = pynvml.NVML_PCIE_UTIL_TX_BYTES
    NVML_PCIE_UTIL_RX_BYTES = pynvml.NVML_PCIE_UTIL_RX_BYTES

    def __post_init__(self) -> None:
        self.threads: set[str] = set()
        self.initialised = False
        self.gate_timeouts = 0

    def _get(self, handle: int, key: str) -> Any:
        self.threads.add(threading.current_thread().name)
        # After one timeout the gate is considered stuck: later calls do not wait again.
        if self.gate is not None and not self.gate_timeouts and not self.gate.wait(timeout=2):
            self.gate_timeouts += 1
        value = self.gpus[handle].get(key)
        if value is None:
            raise pynvml.NVMLError_NotSupported(pynvml.NVML_ERROR_NOT_SUPPORTED)
        if isinstance(value, type) and issubclass(value, pynvml.NVMLError):
            raise value(pynvml.NVML_ERROR_UNKNOWN)
        return value

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise self.init_error(pynvml.NVML_ERROR_DRIVER_NOT_LOADED)
        self.initialised = True

    def nvmlShutdown(self) -> None:
        self.initialised = False

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        if self.gpus[index].get("lost"):
            raise pynvml.NVMLError_GpuIsLost(pynvml.NVML_ERROR_GPU_IS_LOST)
        return index

    def nvmlDeviceGetUUID(self, h: int) -> str:
        return str(self._get(h, "uuid"))

    def nvmlDeviceGetName(self, h: int) -> str:
        return str(self._get(h, "name"))

    def nvmlDeviceGetUtilizationRates(self, h: int) -> Any:
        return SimpleNamespace(gpu=self._get(h, "util_gpu"), memory=self._get(h, "util_mem"))

    def nvmlDeviceGetMemoryInfo(self, h: int) -> Any:
        return SimpleNamespace(
            used=self._get(h, "mem_used_mib") * MIB, total=self._get(h, "mem_total_mib") * MIB
        )

    def nvmlDeviceGetTemperature(self, h: int, sensor: int) -> int:
        assert sensor == pynvml.NVML_TEMPERATURE_GPU
        return int(self._get(h, "temperature"))

    def nvmlDeviceGetPowerUsage(self, h: int) -> int:
        return int(self._get(h, "power_mw"))

    def nvmlDeviceGetEnforcedPowerLimit(self, h: int) -> int:
        return int(self._get(h, "power_limit_mw"))

    def nvmlDeviceGetFanSpeed(self, h: int) -> int:
        return int(self._get(h, "fan"))

    def nvmlDeviceGetClockInfo(self, h: int, clock: int) -> int:
        return int(self._get(h, "sm_clock" if clock == pynvml.NVML_CLOCK_SM else "mem_clock"))

    def nvmlDeviceGetMaxClockInfo(self, h: int, clock: int) -> int:
        key = "sm_clock_max" if clock == pynvml.NVML_CLOCK_SM else "mem_clock_max"
        return int(self._get(h, key))

    def nvmlDeviceGetPerformanceState(self, h: int) -> int:
        return int(self._get(h, "pstate"))

    def nvmlDeviceGetCurrentClocksEventReasons(self, h: int) -> int:
        return int(self._get(h, "throttle"))

    def nvmlDeviceGetComputeRunningProcesses(self, h: int) -> list[Any]:
        return [SimpleNamespace(pid=i) for i in range(self._get(h, "processes"))]

    def nvmlDeviceGetPcieReplayCounter(self, h: int) -> int:
        return int(self._get(h, "replay"))

    def nvmlDeviceGetTemperatureThreshold(self, h: int, kind: int) -> int:
        assert kind == pynvml.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN
        return int(self._get(h, "slowdown"))

    def nvmlDeviceGetCurrPcieLinkGeneration(self, h: int) -> int:
        return int(self._get(h, "pcie_gen"))

    def nvmlDeviceGetCurrPcieLinkWidth(self, h: int) -> int:
        return int(self._get(h, "pcie_width"))

    def nvmlDeviceGetPcieThroughput(self, h: int, counter: int) -> int:
        key = "pcie_tx" if counter == pynvml.NVML_PCIE_UTIL_TX_BYTES else "pcie_rx"
        return int(self._get(h, key))

    def nvmlDeviceGetEncoderUtilization(self, h: int) -> list[int]:
        return [int(self._get(h, "encoder")), 167000]

    def nvmlDeviceGetDecoderUtilization(self, h: int) -> list[int]:
        return [int(self._get(h, "decoder")), 167000]

    def nvmlDeviceGetBAR1MemoryInfo(self, h: int) -> Any:
        return SimpleNamespace(bar1Used=self._get(h, "bar1_used_mib") * MIB)


def gpu(**overrides: Any) -> dict[str, Any]:
    return {**FULL_GPU, **overrides}
