"""Job-queue benchmark: Vigil vs procrastinate vs pgqueuer on one throwaway PostgreSQL.

Each system gets its own database on the same server, the same number of worker processes and
the same per-process concurrency, and runs no-op jobs:

1. bulk enqueue: ``--jobs`` jobs enqueued in batches of 1000 (jobs/s);
2. throughput: workers drain that backlog; jobs/s is measured between 10 % and 90 % done, so
   process start-up is not counted;
3. latency: with workers idle, ``--latency-jobs`` jobs enqueued one per transaction, 20 ms apart;
   each records (wall clock) how long after its enqueue it started; p50/p99 reported.

Vigil does its full bookkeeping (job_attempts and job_transitions rows, heartbeats).
The last line is ``ratio: X`` = Vigil jobs/s / the faster peer's jobs/s.

    .venv/bin/python bench/jobs.py --jobs 2000 --workers 2 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SYSTEMS = ("vigil", "procrastinate", "pgqueuer")


def record_latency(payload: dict[str, Any] | None) -> None:
    """Latency-phase jobs carry their enqueue time; append the delay to this process's file."""
    if payload and "t" in payload:
        with open(os.environ["BENCH_LATENCY_FILE"], "a") as f:
            f.write(f"{time.time() - float(payload['t'])}\n")


# --- Vigil ------------------------------------------------------------------------------------


def _vigil_task() -> None:
    from vigil.jobs.registry import get_task, task

    if get_task("bench.noop") is None:

        @task("bench.noop", max_attempts=1, timeout_seconds=60)
        async def noop(ctx: Any, payload: dict[str, Any]) -> None:
            record_latency(payload)


def _vigil_settings(url: str) -> Any:
    from vigil.core.config import load_settings

    return load_settings(
        database_url=url,
        job_periodic_enabled=False,
        log_db_enabled=False,
        data_dir=Path(tempfile.gettempdir()) / "vigil-bench",
    )


async def vigil_setup(url: str) -> None:
    from vigil.core.config import to_async_url
    from vigil.migrations import upgrade

    await upgrade(to_async_url(url))
    _vigil_task()
    from vigil.jobs.registry import load_tasks

    load_tasks()  # import every task module now, not inside the timed enqueue


async def vigil_enqueue(url: str, n: int, with_time: bool) -> None:
    from vigil.core.db import Database
    from vigil.jobs.service import enqueue, enqueue_many

    _vigil_task()
    db = Database.from_settings(_vigil_settings(url))
    try:
        if with_time:
            for _ in range(n):
                async with db.transaction() as s:
                    await enqueue(s, "bench.noop", {"t": time.time()})
                await asyncio.sleep(0.02)
        else:
            for start in range(0, n, 1000):
                async with db.transaction() as s:
                    await enqueue_many(s, "bench.noop", [{} for _ in range(min(1000, n - start))])
    finally:
        await db.dispose()


def vigil_worker(url: str, concurrency: int) -> None:
    from vigil.jobs.runtime import run_worker

    _vigil_task()
    asyncio.run(run_worker(_vigil_settings(url), concurrency=concurrency))


VIGIL_DONE = "SELECT count(*) FROM jobs WHERE status = 'completed'"


# --- procrastinate ----------------------------------------------------------------------------


def _procrastinate_app(url: str) -> Any:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_conninfo(url)))

    @app.task(name="noop")
    async def noop(t: float | None = None) -> None:
        record_latency({"t": t} if t is not None else None)

    return app


async def procrastinate_setup(url: str) -> None:
    app = _procrastinate_app(url)
    async with app.open_async():
        await app.schema_manager.apply_schema_async()


async def procrastinate_enqueue(url: str, n: int, with_time: bool) -> None:
    app = _procrastinate_app(url)
    noop = app.tasks["noop"]
    async with app.open_async():
        if with_time:
            for _ in range(n):
                await noop.defer_async(t=time.time())
                await asyncio.sleep(0.02)
        else:
            for start in range(0, n, 1000):
                await noop.batch_defer_async(*[{} for _ in range(min(1000, n - start))])


def procrastinate_worker(url: str, concurrency: int) -> None:
    import logging

    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    app = _procrastinate_app(url)

    async def main() -> None:
        async with app.open_async():
            await app.run_worker_async(concurrency=concurrency, wait=True)

    asyncio.run(main())


PROCRASTINATE_DONE = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'"


# --- pgqueuer ---------------------------------------------------------------------------------


async def pgqueuer_setup(url: str) -> None:
    import asyncpg
    from pgqueuer import AsyncpgDriver, Queries

    conn = await asyncpg.connect(url)
    try:
        await Queries(AsyncpgDriver(conn)).install()
    finally:
        await conn.close()


async def pgqueuer_enqueue(url: str, n: int, with_time: bool) -> None:
    import json

    import asyncpg
    from pgqueuer import AsyncpgDriver, Queries

    conn = await asyncpg.connect(url)
    try:
        q = Queries(AsyncpgDriver(conn))
        if with_time:
            for _ in range(n):
                await q.enqueue("noop", json.dumps({"t": time.time()}).encode())
                await asyncio.sleep(0.02)
        else:
            for start in range(0, n, 1000):
                k = min(1000, n - start)
                await q.enqueue(["noop"] * k, [None] * k, [0] * k)
    finally:
        await conn.close()


def pgqueuer_worker(url: str, concurrency: int) -> None:
    import json

    import asyncpg
    from pgqueuer import AsyncpgDriver, Queries, QueueManager

    async def main() -> None:
        conn = await asyncpg.connect(url)
        qm = QueueManager(Queries(AsyncpgDriver(conn)))

        @qm.entrypoint("noop")
        async def noop(job: Any) -> None:
            record_latency(json.loads(job.payload) if job.payload else None)

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, qm.shutdown.set)
        # pgqueuer caps picked jobs per worker at max_concurrent_tasks (>= 2 x batch size).
        await qm.run(batch_size=max(1, concurrency // 2), max_concurrent_tasks=max(2, concurrency))
        await conn.close()

    asyncio.run(main())


PGQUEUER_REMAINING = "SELECT count(*) FROM pgqueuer"


# --- driver -----------------------------------------------------------------------------------


def _conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    q = dict(u.query)
    return f"host={q['host']} port={q['port']} user={u.username} dbname={u.database}"


SETUP = {"vigil": vigil_setup, "procrastinate": procrastinate_setup, "pgqueuer": pgqueuer_setup}
ENQUEUE = {
    "vigil": vigil_enqueue,
    "procrastinate": procrastinate_enqueue,
    "pgqueuer": pgqueuer_enqueue,
}
WORKER = {"vigil": vigil_worker, "procrastinate": procrastinate_worker, "pgqueuer": pgqueuer_worker}


async def done_count(conn: Any, system: str, total: int) -> int:
    if system == "pgqueuer":
        return total - int(await conn.fetchval(PGQUEUER_REMAINING))
    return int(await conn.fetchval(VIGIL_DONE if system == "vigil" else PROCRASTINATE_DONE))


async def wait_done(
    conn: Any, system: str, total: int, timeout: float, procs: list[subprocess.Popen[bytes]]
) -> tuple[float | None, float | None]:
    """Poll until ``total`` jobs are done; return (t at 10 %, t at 90 %)."""
    t10 = t90 = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs and all(p.poll() is not None for p in procs):
            raise RuntimeError(f"{system}: every worker process exited (run with --verbose)")
        done = await done_count(conn, system, total)
        now = time.monotonic()
        if t10 is None and done >= total * 0.1:
            t10 = now
        if t90 is None and done >= total * 0.9:
            t90 = now
        if done >= total:
            break
        await asyncio.sleep(0.02)
    return t10, t90


async def bench_system(
    system: str, url: str, args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    import asyncpg

    await SETUP[system](url)
    conn = await asyncpg.connect(url)
    latency_file = tmp / f"{system}-latency.txt"
    env = {**os.environ, "BENCH_LATENCY_FILE": str(latency_file)}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        t0 = time.perf_counter()
        await ENQUEUE[system](url, args.jobs, False)
        bulk_rate = args.jobs / (time.perf_counter() - t0)

        for _ in range(args.workers):
            procs.append(
                subprocess.Popen(
                    [sys.executable, __file__, "_worker", system, url, str(args.concurrency)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL if not args.verbose else None,
                )
            )
        t10, t90 = await wait_done(conn, system, args.jobs, args.timeout, procs)
        if t10 is None or t90 is None or t90 <= t10:
            jobs_per_s = float("nan")
        else:
            jobs_per_s = args.jobs * 0.8 / (t90 - t10)
        await wait_done(conn, system, args.jobs, args.timeout, procs)  # let the tail finish

        await ENQUEUE[system](url, args.latency_jobs, True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if latency_file.exists() and len(latency_file.read_text().split()) >= args.latency_jobs:
                break
            await asyncio.sleep(0.1)
        lat = (
            sorted(float(x) * 1000 for x in latency_file.read_text().split())
            if (latency_file.exists())
            else []
        )
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        await conn.close()
    return {
        "system": system,
        "jobs_per_s": jobs_per_s,
        "p50_ms": statistics.median(lat) if lat else float("nan"),
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
        "bulk_per_s": bulk_rate,
    }


def _median(system: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("jobs_per_s", "p50_ms", "p99_ms", "bulk_per_s")
    return {"system": system, **{k: statistics.median(r[k] for r in rounds) for k in keys}}


async def main(args: argparse.Namespace) -> None:
    from tests.pg_server import PostgresServer

    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    server = PostgresServer().start()
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
    try:
        # Rounds interleave the systems (a fresh database each time), so a machine whose load
        # drifts during the run does not favour whichever system ran first.
        for round_no in range(args.rounds):
            for system in systems:
                with tempfile.TemporaryDirectory() as tmp:
                    url = server.create_database(f"bench_{system}_{round_no}")
                    runs[system].append(await bench_system(system, url, args, Path(tmp)))
    finally:
        server.stop()
    results = [_median(system, rs) for system, rs in runs.items()]
    print(
        f"\njobs={args.jobs} workers={args.workers} concurrency={args.concurrency} "
        f"latency_jobs={args.latency_jobs} rounds={args.rounds} "
        "(no-op jobs, one PostgreSQL; medians over rounds)"
    )
    print(f"{'system':<14}{'jobs/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'bulk enq/s':>13}")
    for r in results:
        print(
            f"{r['system']:<14}{r['jobs_per_s']:>10.0f}{r['p50_ms']:>10.1f}"
            f"{r['p99_ms']:>10.1f}{r['bulk_per_s']:>13.0f}"
        )
    by_name = {r["system"]: r for r in results}
    peers = [r["jobs_per_s"] for r in results if r["system"] != "vigil"]
    if "vigil" in by_name and peers:
        print(f"ratio: {by_name['vigil']['jobs_per_s'] / max(peers):.2f}")


def cli() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_worker":
        _, _, system, url, concurrency = sys.argv
        with contextlib.suppress(KeyboardInterrupt):
            WORKER[system](url, int(concurrency))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000, help="backlog size (default 2000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="jobs at once per process")
    parser.add_argument("--latency-jobs", type=int, default=100, help="latency sample size")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset")
    parser.add_argument("--rounds", type=int, default=1, help="repeat, report medians")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait per phase")
    parser.add_argument("--verbose", action="store_true", help="show worker stderr")
    # SIGTERM (e.g. from ``timeout``) unwinds like Ctrl-C, so the throwaway server is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
