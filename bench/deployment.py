"""Start and stop real Vigil processes (``vigil serve`` / ``vigil worker``) on loopback, for the
load benchmark, the fault scenarios and the multi-process tests. Nothing here listens beyond
127.0.0.1, and every process started is stopped by ``Deployment.close()``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``tests.pg_server`` importable
    sys.path.insert(0, str(ROOT))

from tests.pg_server import PostgresServer  # noqa: E402

VIGIL = [sys.executable, "-m", "vigil"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    port: int | None = None
    expected_exit: bool = False  # stopped or killed on purpose (not a crash to report)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        self.expected_exit = True
        if self.alive():
            self.popen.send_signal(sig)

    def stop(self, timeout: float = 15.0) -> None:
        self.expected_exit = True
        if not self.alive():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Deployment:
    """Vigil processes sharing one database URL and one environment."""

    database_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        env.update(
            {
                "VIGIL_DATABASE_URL": self.database_url,
                "VIGIL_DATA_DIR": str(self.workdir),
                "VIGIL_LOG_LEVEL": "WARNING",
                "VIGIL_GPU_SAMPLER_ENABLED": "false",
            }
        )
        env.update(self.env)
        env.update(extra)
        return env

    def migrate(self) -> None:
        subprocess.run(
            [*VIGIL, "db", "upgrade"], env=self._env({}), check=True, capture_output=True
        )

    def serve(self, name: str = "serve", **extra: str) -> Proc:
        port = free_port()
        log_path = self.workdir / f"{name}.log"
        popen = subprocess.Popen(
            [*VIGIL, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"],
            env=self._env(extra),
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        proc = Proc(name, popen, log_path, port)
        self.procs.append(proc)
        return proc

    def worker(self, name: str = "worker", *args: str, **extra: str) -> Proc:
        log_path = self.workdir / f"{name}.log"
        popen = subprocess.Popen(
            [*VIGIL, "worker", *args],
            env=self._env(extra),
            stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        proc = Proc(name, popen, log_path)
        self.procs.append(proc)
        return proc

    def wait_healthy(self, proc: Proc, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
            try:
                if httpx.get(proc.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{proc.name} not healthy after {timeout}s:\n{proc.log_tail()}")

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()


def start_postgres() -> PostgresServer:
    """A durable throwaway PostgreSQL that can be crash-stopped (``halt``) and ``resume``d."""
    return PostgresServer(durable=True).start()
