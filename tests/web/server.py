"""A real ``vigil serve`` subprocess on 127.0.0.1 (free port, throwaway SQLite database) for
the browser tests and the screenshot script."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from vigil.core.config import to_async_url
from vigil.core.db import Database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class VigilServer:
    url: str
    database_url: str
    api_key: str | None
    process: subprocess.Popen[bytes]
    log_path: Path

    def database(self) -> Database:
        return Database(to_async_url(self.database_url))

    def api_paths(self) -> dict[str, list[str]]:
        spec = httpx.get(f"{self.url}/openapi.json", timeout=10).json()
        return {path: list(ops) for path, ops in spec["paths"].items()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(
    data_dir: Path,
    *,
    api_key: str | None,
    extra_args: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> VigilServer:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_DATA_DIR=str(data_dir),
        VIGIL_LOG_LEVEL="WARNING",
        # Deterministic pages: no embedded worker or samplers racing the test's own writes.
        VIGIL_BACKGROUND_TASKS="false",
        VIGIL_EMBEDDED_WORKER="false",
    )
    env.update(extra_env or {})
    if api_key:
        env["VIGIL_API_KEYS"] = f"admin:{api_key}"
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vigil",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *(extra_args or []),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    server = VigilServer(url, f"sqlite:///{data_dir / 'vigil.db'}", api_key, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vigil serve exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"vigil serve did not start in {timeout} s: {log_path.read_text()[-2000:]}")
