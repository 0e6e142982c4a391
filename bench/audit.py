"""Cost of the audit trail: mutating API calls with the audit mechanism vs the same app with it
removed (the peer), and the speed of chain verification, per database.

    .venv/bin/python bench/audit.py --small           # smoke run
    .venv/bin/python bench/audit.py --requests 2000 --concurrency 8

Runs the ASGI app in-process (httpx.ASGITransport, no sockets) against a fresh SQLite file and a
throwaway PostgreSQL (tests/pg_server.py, or --postgres-url). Each request is a
``PATCH /api/cameras/{id}`` that renames one of 20 cameras. The last line is
``ratio: X`` = audited requests/s ÷ unaudited requests/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from vigil.app import create_app  # noqa: E402
from vigil.audit.recorder import AuditMiddleware  # noqa: E402
from vigil.audit.verification import verify_chain  # noqa: E402
from vigil.core.config import load_settings  # noqa: E402
from vigil.core.db import Database  # noqa: E402
from vigil.migrations import upgrade  # noqa: E402

CAMERAS = 20


async def _run(url: str, requests: int, concurrency: int, audited: bool) -> tuple[float, float]:
    settings = load_settings(
        database_url=url, data_dir=Path(tempfile.mkdtemp()), background_tasks=False
    )
    db = Database.from_settings(settings)
    app = create_app(settings, database=db)
    if not audited:
        app.state.session_hooks = []
        app.user_middleware = [m for m in app.user_middleware if m.cls is not AuditMiddleware]
    transport = httpx.ASGITransport(app=app)
    latencies: list[float] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        ids = []
        for i in range(CAMERAS):
            r = await client.post(
                "/api/cameras", json={"name": f"{'a' if audited else 'u'} cam {i}"}
            )
            r.raise_for_status()
            ids.append(r.json()["id"])
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(requests):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                cam = ids[n % CAMERAS]
                start = time.perf_counter()
                r = await client.patch(f"/api/cameras/{cam}", json={"name": f"{cam} v{n}"})
                r.raise_for_status()
                latencies.append((time.perf_counter() - start) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    await db.dispose()
    return requests / elapsed, statistics.median(latencies)


async def _verify_rate(url: str) -> tuple[int, float]:
    settings = load_settings(database_url=url, data_dir=Path(tempfile.mkdtemp()))
    db = Database.from_settings(settings)
    async with db.read_sessionmaker() as session:
        began = time.perf_counter()
        result = await verify_chain(session, full=True)
        elapsed = time.perf_counter() - began
    await db.dispose()
    assert result.ok, result
    return result.checked, result.checked / elapsed if elapsed else 0.0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--small", action="store_true", help="smoke size (200 requests)")
    parser.add_argument("--postgres-url", help="use this PostgreSQL instead of a throwaway one")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    requests = 200 if args.small else args.requests

    server = None
    backends: list[tuple[str, str]] = []
    tmp = Path(tempfile.mkdtemp())
    backends.append(("sqlite", f"sqlite:///{tmp / 'bench.db'}"))
    if not args.skip_postgres:
        if args.postgres_url:
            backends.append(("postgresql", args.postgres_url))
        else:
            from tests.pg_server import PostgresServer

            server = PostgresServer().start()
            backends.append(("postgresql", server.create_database("vigil_bench_audit")))
    try:
        print(f"{'database':<11} {'mode':<10} {'conc':>5} {'req/s':>9} {'p50 ms':>8}")
        ratio = None
        for name, url in backends:
            from vigil.core.config import to_async_url

            await upgrade(to_async_url(url))
            conc = args.concurrency
            plain_rate, plain_p50 = await _run(url, requests, conc, audited=False)
            audit_rate, audit_p50 = await _run(url, requests, conc, audited=True)
            print(f"{name:<11} {'unaudited':<10} {conc:>5} {plain_rate:>9.0f} {plain_p50:>8.2f}")
            print(f"{name:<11} {'audited':<10} {conc:>5} {audit_rate:>9.0f} {audit_p50:>8.2f}")
            rows, rate = await _verify_rate(url)
            print(f"{name:<11} verify: {rows} rows at {rate:,.0f} rows/s")
            ratio = audit_rate / plain_rate
        print(f"ratio: {ratio:.2f}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
