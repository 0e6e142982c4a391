"""Log ingest and search: full-text index (PostgreSQL tsvector/GIN, SQLite FTS5) vs ILIKE scans.

Loads N realistic log rows into a throwaway PostgreSQL (tests/pg_server) and a SQLite file
through Vigil's own batched writer (``vigil.logs.writer.LogWriter``), then times the API's
search query (``vigil.logs.search.search_logs``: filters, newest first, limit 100) for a
common term (~0.6 % of rows), a rare term (~0.1 %), a phrase and a term within a one-day
range, against the same newest-first query with ``message ILIKE '%…%'`` instead of the
full-text condition.

    .venv/bin/python bench/logs.py                  # smoke size (20k rows)
    .venv/bin/python bench/logs.py --rows 1000000   # the real run

Last line: ``ratio: X`` = ILIKE p50 / full-text p50 on PostgreSQL for the (common) term query.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, or_, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tests.pg_server import PostgresServer  # noqa: E402

from vigil.core.config import to_async_url  # noqa: E402
from vigil.core.db import Database  # noqa: E402
from vigil.logs.handler import DatabaseLogHandler  # noqa: E402
from vigil.logs.search import LogFilter, search_logs  # noqa: E402
from vigil.logs.writer import LogWriter  # noqa: E402
from vigil.migrations import upgrade  # noqa: E402
from vigil.models import Log  # noqa: E402

DAYS = 30
CAMERAS = [
    "front_door",
    "garage",
    "backyard",
    "driveway",
    "side_gate",
    "porch",
    "kitchen",
    "garden",
]
HOSTS = ["ntfy.sh", "hooks.example.org", "hass.local", "api.telegram.org", "discord.com"]
OBJECTS = ["person", "car", "dog", "cat", "bicycle", "truck", "package"]
# (weight, level, component, template). Common chatter dominates, as in a real deployment;
# failures are a small share, and "timeout" appears in well under 1% of rows.
TEMPLATES: list[tuple[int, str, str, str]] = [
    (300, "INFO", "events", "events.ingested event {n} from {cam} with {k} detections"),
    (200, "DEBUG", "detector", "detector.frame processed {cam} frame {n} in {ms} ms"),
    (120, "INFO", "alerting", "alerting.rule_evaluated rule night-{k} matched {obj} on {cam}"),
    (80, "INFO", "jobs", "jobs.completed job {n} baselines.update in {ms} ms"),
    (60, "INFO", "api", "api.request GET /api/events?camera_id={cam} 200 in {ms} ms"),
    (50, "WARNING", "detector", "detector.slow_frame {cam} took {ms} ms, above budget"),
    (40, "INFO", "telemetry", "telemetry.gpu_sample util {k} percent memory {n} MiB"),
    (30, "WARNING", "cameras", "cameras.reconnecting {cam} stream dropped, retry {k}"),
    (20, "INFO", "notify", "notify.delivered alert {n} to {host} in {ms} ms"),
    (12, "ERROR", "cameras", "cameras.stream_error {cam} connection failed after {k} retries"),
    (6, "ERROR", "notify", "notify.delivery_failed alert {n} to {host}: timeout after {ms} ms"),
    (4, "WARNING", "jobs", "jobs.retrying job {n} attempt {k}: database is locked"),
    (2, "CRITICAL", "telemetry", "telemetry.gpu_memory_pressure critical on GPU-{k}"),
    (1, "ERROR", "reid", "reid.embedding_rejected dimension mismatch: got {k}, expected 512"),
]
QUERIES = {
    # name: (full-text query, ILIKE pattern(s) for the same meaning, one-day range?)
    "term": ("timeout", ["%timeout%"], False),
    "rare term": ("mismatch", ["%mismatch%"], False),
    "phrase": ('"connection failed"', ["%connection failed%"], False),
    "term+range": ("failed", ["%fail%"], True),
}


def make_rows(count: int, seed: int = 7) -> Any:
    """Yield row dicts in time order over the last 30 days (as a live system would write them)."""
    rng = random.Random(seed)
    weights = [t[0] for t in TEMPLATES]
    end = datetime.now(UTC)
    start = end - timedelta(days=DAYS)
    step = (end - start) / max(count, 1)
    for i in range(count):
        _, level, component, template = rng.choices(TEMPLATES, weights)[0]
        cam = rng.choice(CAMERAS)
        message = template.format(
            n=rng.randrange(1, 10_000_000),
            k=rng.randrange(1, 12),
            ms=rng.randrange(1, 5000),
            cam=cam,
            host=rng.choice(HOSTS),
            obj=rng.choice(OBJECTS),
        )
        yield {
            "timestamp": start + step * i,
            "level": level,
            "component": component,
            "message": message,
            "camera_id": cam if "{cam}" in template else None,
            "source": "backend",
            "request_id": None,
            "extra": None,
        }


async def load(db: Database, rows: int, batch: int) -> float:
    """Insert through Vigil's writer (one multi-row INSERT per batch); returns rows/s."""
    handler = DatabaseLogHandler(buffer_size=batch)
    writer = LogWriter(db, handler, batch_size=batch)
    chunk: list[dict[str, Any]] = []
    elapsed = 0.0
    for row in make_rows(rows):
        chunk.append(row)
        if len(chunk) == batch:
            elapsed += await _flush(writer, handler, chunk)
            chunk = []
    if chunk:
        elapsed += await _flush(writer, handler, chunk)
    if handler.written != rows:
        raise RuntimeError(f"wrote {handler.written} of {rows} rows")
    return rows / elapsed


async def _flush(
    writer: LogWriter, handler: DatabaseLogHandler, chunk: list[dict[str, Any]]
) -> float:
    handler.put_back(chunk)
    started = time.perf_counter()
    if not await writer.flush():
        raise RuntimeError("database unavailable during load")
    return time.perf_counter() - started


def _range(rows_end: datetime) -> tuple[datetime, datetime]:
    until = rows_end - timedelta(days=3)
    return until - timedelta(days=1), until


async def fts_query(db: Database, q: str, ranged: bool, end: datetime) -> int:
    since, until = _range(end) if ranged else (None, None)
    async with db.sessionmaker() as session:
        rows, _ = await search_logs(session, LogFilter(q=q, since=since, until=until), limit=100)
    return len(rows)


async def ilike_query(db: Database, patterns: list[str], ranged: bool, end: datetime) -> int:
    query = select(Log).where(or_(*(Log.message.ilike(p) for p in patterns)))
    if ranged:
        since, until = _range(end)
        query = query.where(and_(Log.timestamp >= since, Log.timestamp <= until))
    query = query.order_by(Log.timestamp.desc(), Log.id.desc()).limit(101)
    async with db.sessionmaker() as session:
        return len((await session.scalars(query)).all()[:100])


async def timed(fn: Callable[[], Awaitable[int]], runs: int) -> tuple[float, float, int]:
    hits = await fn()  # warm-up (and the hit count)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99, hits


async def plan(db: Database, q: str) -> str:
    """Which access path PostgreSQL picks for the API's full-text query."""
    async with db.engine.connect() as conn:
        result = await conn.execute(
            text(
                "EXPLAIN SELECT id FROM logs WHERE search_vector @@ "
                "websearch_to_tsquery('english'::regconfig, :q) "
                "ORDER BY timestamp DESC, id DESC LIMIT 101"
            ),
            {"q": q},
        )
        lines = [r[0] for r in result]
    if any("idx_logs_search_vector" in line for line in lines):
        return "GIN index (idx_logs_search_vector)"
    scans = [line.strip().lstrip("-> ") for line in lines if "Scan" in line]
    return "no GIN: " + (scans[0] if scans else lines[0])


async def run_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    await upgrade(to_async_url(url))
    db = Database(to_async_url(url))
    try:
        started = time.perf_counter()
        rate = await load(db, args.rows, args.batch)
        load_s = time.perf_counter() - started
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE logs" if name == "postgresql" else "ANALYZE"))
        end = datetime.now(UTC)
        results = {}
        for query_name, (q, patterns, ranged) in QUERIES.items():
            fts = await timed(lambda q=q, r=ranged: fts_query(db, q, r, end), args.runs)
            ilike = await timed(lambda p=patterns, r=ranged: ilike_query(db, p, r, end), args.runs)
            results[query_name] = (fts, ilike)
        plans = {}
        if name == "postgresql":
            plans = {query_name: await plan(db, q) for query_name, (q, _, _) in QUERIES.items()}
        return {"rate": rate, "load_s": load_s, "results": results, "plans": plans}
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="log rows per database")
    parser.add_argument("--batch", type=int, default=1000, help="rows per INSERT batch")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query")
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    # A SIGTERM (e.g. from `timeout`) must still run the cleanup that stops PostgreSQL.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    async def run() -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        server = PostgresServer().start() if "postgresql" in backends else None
        try:
            with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
                for backend in backends:
                    if backend == "postgresql":
                        assert server is not None
                        url = server.create_database("bench_logs")
                    else:
                        url = str(make_url(f"sqlite:///{tmp}/bench.db"))
                    out[backend] = await run_backend(backend, url, args)
        finally:
            if server is not None:
                server.stop()
        return out

    out = asyncio.run(run())
    print(
        f"\nlogs bench: {args.rows:,} rows per database, batch {args.batch}, {args.runs} runs/query"
    )
    print(f"{'backend':<11} {'ingest rows/s':>14} {'load s':>8}")
    for backend, data in out.items():
        print(f"{backend:<11} {data['rate']:>14,.0f} {data['load_s']:>8.1f}")
    print()
    header = (
        f"{'backend':<11} {'query':<11} {'hits':>5} {'fts p50':>9} {'fts p99':>9} "
        f"{'ilike p50':>10} {'ilike p99':>10} {'ilike/fts':>10}"
    )
    print(header + "   (ms)")
    for backend, data in out.items():
        for query_name, ((f50, f99, hits), (i50, i99, _)) in data["results"].items():
            print(
                f"{backend:<11} {query_name:<11} {hits:>5} {f50:>9.2f} {f99:>9.2f} "
                f"{i50:>10.2f} {i99:>10.2f} {i50 / f50:>9.1f}x"
            )
    if "postgresql" in out:
        print("\npostgresql access path chosen for the full-text query:")
        for query_name, chosen in out["postgresql"]["plans"].items():
            print(f"  {query_name:<11} {chosen}")
        (f50, _, _), (i50, _, _) = out["postgresql"]["results"]["term"]
        print(f"ratio: {i50 / f50:.1f}")


if __name__ == "__main__":
    main()
