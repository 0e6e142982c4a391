"""A throwaway PostgreSQL server, started from the ``initdb``/``pg_ctl`` on PATH.

PostgreSQL refuses to run as root, so when we are root the server runs as the ``postgres`` user,
with a data and socket directory that user owns. It listens only on a Unix socket.

The test suite's shared server trades durability for speed (``fsync=off``). Fault tests and the
load/fault scenarios use ``durable=True``: a commit is durable once acknowledged, so a crash
(``halt()``) followed by ``resume()`` must not lose anything the API answered 2xx for.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, *, durable: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="vigil-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.port = _free_port()
        self.durable = durable
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> PostgresServer:
        if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
            raise RuntimeError("initdb/pg_ctl not on PATH: install PostgreSQL 15 server binaries")
        if self._as_postgres:
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.resume()
        return self

    def resume(self) -> None:
        """Start the server on its existing data directory and port."""
        options = f"-k {self.socket_dir} -c listen_addresses='' -p {self.port} "
        if self.durable:
            options += "-c max_connections=200"
        else:
            options += (
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=300 -c shared_buffers=128MB"
            )
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def halt(self, mode: str = "immediate") -> None:
        """``immediate`` is a crash (no checkpoint, clients cut off); ``fast`` a clean stop."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        subprocess.run(
            [
                "psql",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-qc",
                f'CREATE DATABASE "{name}"',
            ],
            check=True,
            capture_output=True,
        )
        return self.url(name)

    def stop(self) -> None:
        try:
            self.halt()
        except subprocess.CalledProcessError:
            pass  # already stopped (a fault test may have halted it)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
