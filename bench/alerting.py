"""Alerting pipeline throughput: events ingested through the real HTTP API with N enabled rules,
side by side with bare INSERTs of the same events (the database's own limit), per database.

    .venv/bin/python bench/alerting.py --small            # smoke run
    .venv/bin/python bench/alerting.py --events 2000 --concurrency 16

Starts `vigil serve` as a subprocess (background tasks off) against a fresh SQLite file and a
throwaway PostgreSQL (tests/pg_server.py, or --postgres-url). The last line is
``ratio: X`` = pipeline events/s ÷ bare-insert events/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from vigil.core.config import to_async_url  # noqa: E402
from vigil.core.db import Database  # noqa: E402
from vigil.migrations import upgrade  # noqa: E402
from vigil.models import Alert, Detection, Event, EventDetection  # noqa: E402

OBJECT_TYPES = ("person", "car", "dog", "cat", "truck", "bicycle")


@dataclass
class Result:
    backend: str
    mode: str
    events: int
    seconds: float
    latencies_ms: list[float]
    errors: int = 0
    alerts: int | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_events(n: int, cameras: list[str], seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(hours=1)
    events = []
    for i in range(n):
        dets = []
        for _ in range(rng.randint(1, 3)):
            w, h = rng.randint(20, 300), rng.randint(20, 300)
            dets.append(
                {
                    "file_path": f"/bench/{i}.jpg",
                    "object_type": rng.choice(OBJECT_TYPES),
                    "confidence": round(rng.uniform(0.3, 0.99), 3),
                    "bbox": {
                        "x": rng.randint(0, 1600),
                        "y": rng.randint(0, 700),
                        "width": w,
                        "height": h,
                    },
                    "image_width": 1920,
                    "image_height": 1080,
                }
            )
        events.append(
            {
                "camera_id": rng.choice(cameras),
                "started_at": (start + timedelta(seconds=i)).isoformat(),
                "risk_score": rng.randint(0, 100),
                "detections": dets,
            }
        )
    return events


def make_rules(n: int, cameras: list[str], seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rules = []
    for i in range(n):
        rule: dict[str, Any] = {
            "name": f"bench rule {i:03d}",
            "severity": rng.choice(["low", "medium", "high", "critical"]),
            "risk_threshold": rng.choice([None, 30, 50, 70, 90]),
            "camera_ids": rng.sample(cameras, rng.randint(1, 3)) if rng.random() < 0.7 else None,
            "object_types": rng.sample(OBJECT_TYPES, 2) if rng.random() < 0.6 else None,
            "min_confidence": rng.choice([None, 0.5, 0.8]),
            "cooldown_seconds": rng.choice([0, 60, 300]),
            "dedup_key_template": rng.choice(
                ["{camera_id}:{rule_id}", "{camera_id}:{object_type}:{rule_id}"]
            ),
        }
        if rng.random() < 0.2:
            rule["schedule"] = {
                "days": ["monday", "friday", "saturday"],
                "start_time": "22:00",
                "end_time": "06:00",
                "timezone": "Europe/Berlin",
            }
        rules.append({k: v for k, v in rule.items() if v is not None})
    return rules


async def _drive(
    send: Any, items: list[dict[str, Any]], concurrency: int
) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            ok = await send(item)
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += 0 if ok else 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, errors


async def bare_inserts(
    db: Database, events: list[dict[str, Any]], concurrency: int, backend: str
) -> Result:
    """The same rows (event, detections, links) with plain INSERTs, one transaction each."""

    async def send(item: dict[str, Any]) -> bool:
        async with db.engine.begin() as conn:
            det_rows = [
                {
                    "camera_id": item["camera_id"],
                    "file_path": d["file_path"],
                    "object_type": d["object_type"],
                    "confidence": d["confidence"],
                    "bbox_x": d["bbox"]["x"],
                    "bbox_y": d["bbox"]["y"],
                    "bbox_width": d["bbox"]["width"],
                    "bbox_height": d["bbox"]["height"],
                    "image_width": d["image_width"],
                    "image_height": d["image_height"],
                    "detected_at": datetime.fromisoformat(item["started_at"]),
                }
                for d in item["detections"]
            ]
            ids = (
                (await conn.execute(insert(Detection).returning(Detection.id), det_rows))
                .scalars()
                .all()
            )
            event_id = (
                await conn.execute(
                    insert(Event)
                    .values(
                        batch_id=uuid.uuid4().hex,
                        camera_id=item["camera_id"],
                        started_at=datetime.fromisoformat(item["started_at"]),
                        risk_score=item["risk_score"],
                    )
                    .returning(Event.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(EventDetection), [{"event_id": event_id, "detection_id": i} for i in ids]
            )
        return True

    seconds, latencies, errors = await _drive(send, events, concurrency)
    return Result(backend, "bare INSERT", len(events), seconds, latencies, errors)


async def pipeline(
    base_url: str, events: list[dict[str, Any]], concurrency: int, backend: str
) -> Result:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def send(item: dict[str, Any]) -> bool:
            response = await client.post("/api/ingest", json=item)
            return response.status_code == 201

        seconds, latencies, errors = await _drive(send, events, concurrency)
    return Result(backend, "HTTP ingest + rules", len(events), seconds, latencies, errors)


async def setup(base_url: str, cameras: int, rules: int) -> list[str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        ids = []
        for i in range(cameras):
            r = await client.post("/api/cameras", json={"name": f"Bench Cam {i:02d}"})
            r.raise_for_status()
            ids.append(r.json()["id"])
        for body in make_rules(rules, ids):
            r = await client.post("/api/alerts/rules", json=body)
            r.raise_for_status()
        return ids


def start_server(url: str, data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {
        **os.environ,
        "VIGIL_DATABASE_URL": url,
        "VIGIL_DATA_DIR": data_dir,
        "VIGIL_BACKGROUND_TASKS": "false",
        "VIGIL_EMBEDDED_WORKER": "false",
        "VIGIL_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    vigil = str(Path(sys.executable).parent / "vigil")
    cmd = [vigil, "serve", "--port", str(port), "--no-migrate"]
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 (lives as long as the server)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            tail = (Path(data_dir) / "server.log").read_text()[-2000:]
            raise RuntimeError(f"vigil serve exited: {tail}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("vigil serve did not start")


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> list[Result]:
    await upgrade(to_async_url(url))
    with tempfile.TemporaryDirectory() as data_dir:
        proc, base = start_server(url, data_dir)
        try:
            try:
                cameras = await setup(base, args.cameras, args.rules)
            except httpx.HTTPError:
                print((Path(data_dir) / "server.log").read_text()[-3000:], file=sys.stderr)
                raise
            events = make_events(args.events, cameras)
            warm = make_events(min(20, args.events), cameras, seed=99)
            await pipeline(base, warm, 1, backend)
            concurrency = args.concurrency if backend == "postgresql" else args.sqlite_concurrency
            piped = await pipeline(base, events, concurrency, backend)
        finally:
            proc.terminate()
            proc.wait(10)
    db = Database(to_async_url(url))
    try:
        async with db.sessionmaker() as s:
            piped.alerts = await s.scalar(select(func.count()).select_from(Alert))
        bare = await bare_inserts(db, events, concurrency, backend)
    finally:
        await db.dispose()
    return [piped, bare]


def print_table(results: list[Result]) -> None:
    header = (
        f"{'backend':<11} {'mode':<22} {'events':>7} {'events/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6} {'alerts':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.backend:<11} {r.mode:<22} {r.events:>7} {r.rate:>9.1f} {r.pct(50):>8.2f} "
            f"{r.pct(99):>8.2f} {r.errors:>6} {'' if r.alerts is None else r.alerts:>7}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8, help="PostgreSQL clients")
    parser.add_argument(
        "--sqlite-concurrency",
        type=int,
        default=1,
        help="SQLite clients (one writer at a time anyway)",
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=None, help="use this server instead")
    parser.add_argument("--small", action="store_true", help="smoke run: 100 events")
    args = parser.parse_args()
    if args.small:
        args.events = 100
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: list[Result] = []
    print(f"{args.events} events, {args.rules} enabled rules, {args.cameras} cameras\n")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            results += await run_backend("sqlite", f"sqlite:///{tmp}/bench.db", args)
    if "postgresql" in backends:
        server = None
        url = args.postgres_url
        if url is None:
            from tests.pg_server import PostgresServer

            server = PostgresServer().start()
            url = server.create_database(f"bench_{uuid.uuid4().hex[:8]}")
        try:
            results += await run_backend("postgresql", url, args)
        finally:
            if server is not None:
                server.stop()
    print_table(results)
    pg = {r.mode: r for r in results if r.backend == "postgresql"}
    if len(pg) == 2:
        piped, bare = pg["HTTP ingest + rules"], pg["bare INSERT"]
        print(f"ratio: {piped.rate / bare.rate:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
