"""Load against a real Vigil deployment: mixed ingest and reads at a fixed rate, then a check that
nothing acknowledged was lost and every alert exists (and was delivered) exactly once.

Targets (each a fresh deployment on loopback, run one after the other in the same run):
  postgresql  a throwaway PostgreSQL, 2 x ``vigil serve`` + 2 x ``vigil worker`` (the scale-out
              deployment of docs/operations.md); requests alternate between the two servers
  sqlite      the embedded default: one ``vigil serve`` with its embedded worker (the peer)

Every ingest carries one detection; a "person" event matches the one alert rule (cooldown 0),
so it must produce exactly one alert, delivered to a local webhook receiver, and announced on the
live stream (SSE ``/api/alerts/stream``) of *every* server, whichever server took the request.
Open-loop: requests are sent on schedule whether or not earlier ones have answered.

    python bench/load.py --duration 10            # smoke
    python bench/load.py --duration 180 --rate 40 # the few-minutes run

The last line is ``errors: N lost: M`` (both must be 0). Requests refused with 503 (the database
was down: see scripts/faults) are counted as ``refused``, not errors: they were not acknowledged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.deployment import Deployment, Proc, start_postgres  # noqa: E402
from bench.receiver import WebhookReceiver  # noqa: E402

STARTED = "2026-11-26T10:00:00+00:00"


@dataclass
class Sample:
    kind: str
    status: int  # 0: transport error / timeout
    seconds: float
    batch_id: str | None = None
    person: bool = False


@dataclass
class Result:
    target: str
    samples: list[Sample] = field(default_factory=list)
    elapsed: float = 0.0
    lost: int = 0
    alert_problems: int = 0
    undelivered: int = 0
    notes: list[str] = field(default_factory=list)
    live: dict[str, set[str]] = field(default_factory=dict)  # server -> alert ids it streamed
    live_reconnects: dict[str, list[int]] = field(default_factory=dict)
    live_resyncs: dict[str, list[int]] = field(default_factory=dict)
    listeners: list[asyncio.Task[None]] = field(default_factory=list)
    missed_live: int = 0

    def of(self, kind: str) -> list[Sample]:
        return [s for s in self.samples if s.kind == kind]

    @property
    def errors(self) -> int:
        # 503 with Retry-After is a correct refusal during an outage, not an error.
        return sum(
            1 for s in self.samples if s.status == 0 or (s.status >= 400 and s.status != 503)
        )

    @property
    def refused(self) -> int:
        return sum(1 for s in self.samples if s.status == 503)


@dataclass
class Target:
    name: str
    deployment: Deployment
    servers: list[Proc]
    receiver: WebhookReceiver
    cleanup: Callable[[], None]
    pg: Any = None  # tests.pg_server.PostgresServer for the postgresql target


def start_target(
    name: str, workdir: Path, receiver: WebhookReceiver, workers: int, env: dict[str, str]
) -> Target:
    if name == "postgresql":
        pg = start_postgres()
        url = pg.create_database("vigil_load")
        deployment = Deployment(url, workdir, env={"VIGIL_EMBEDDED_WORKER": "false", **env})
        cleanup_db: Callable[[], None] = pg.stop
        n_servers = 2
    else:
        deployment = Deployment(f"sqlite:///{workdir / 'vigil.db'}", workdir, env=dict(env))
        cleanup_db = lambda: None  # noqa: E731
        pg = None
        n_servers, workers = 1, 0
    try:
        deployment.migrate()
        servers = [deployment.serve(f"serve{i}") for i in range(n_servers)]
        for i in range(workers):
            deployment.worker(f"worker{i}")
        for proc in servers:
            deployment.wait_healthy(proc)
    except BaseException:
        deployment.close()
        cleanup_db()
        raise

    def cleanup() -> None:
        deployment.close()
        cleanup_db()

    return Target(name, deployment, servers, receiver, cleanup, pg)


CAMERAS = 4


async def setup(client: httpx.AsyncClient, receiver_url: str) -> list[str]:
    cameras = []
    for n in range(CAMERAS):
        r = await client.post("/api/cameras", json={"name": f"Load Cam {n}"})
        r.raise_for_status()
        cameras.append(str(r.json()["id"]))
    r = await client.post(
        "/api/notification/channels",
        json={"name": "load-hook", "kind": "webhook", "url": receiver_url},
    )
    r.raise_for_status()
    rule = {
        "name": "person seen",
        "object_types": ["person"],
        "cooldown_seconds": 0,
        "channels": ["load-hook"],
    }
    (await client.post("/api/alerts/rules", json=rule)).raise_for_status()
    return cameras


async def all_alert_ids(client: httpx.AsyncClient) -> set[str]:
    ids: set[str] = set()
    offset = 0
    while True:
        r = await client.get("/api/alerts", params={"limit": 1000, "offset": offset})
        r.raise_for_status()
        page = r.json()
        ids.update(str(a["id"]) for a in page["items"])
        if not page["has_more"]:
            return ids
        offset += len(page["items"])


async def listen(
    url: str, seen: set[str], ready: asyncio.Event, reconnects: list[int], resyncs: list[int]
) -> None:
    """Collect the alert ids announced on one server's live stream (SSE). Like a browser's
    EventSource it reconnects when the stream ends or breaks (counted in ``reconnects``); like
    the dashboard it refetches the alert list on ``event: resync`` (counted in ``resyncs``)."""
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(10, read=None)) as client:
        while True:
            try:
                async with client.stream("GET", "/api/alerts/stream") as response:
                    ready.set()
                    event = ""
                    async for line in response.aiter_lines():
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "alert.created":
                            with contextlib.suppress(ValueError):
                                seen.add(str(json.loads(line[6:]).get("id")))
                        elif line.startswith("data: ") and event == "resync":
                            # The server's LISTEN connection was down: refetch, as the
                            # dashboard does; everything after this must arrive live again.
                            resyncs[0] += 1
                            seen.update(await all_alert_ids(client))
            except httpx.HTTPError:
                pass
            reconnects[0] += 1
            await asyncio.sleep(1.0)


async def run_load(
    target: Target,
    *,
    duration: float,
    rate: float,
    read_share: float,
    max_requests: int,
    timeout: float,
    fault: Callable[[Target, float], Awaitable[None]] | None = None,
) -> Result:
    result = Result(target.name)
    listeners: list[asyncio.Task[None]] = []
    clients = [
        httpx.AsyncClient(base_url=p.url, timeout=timeout, limits=httpx.Limits(max_connections=200))
        for p in target.servers
    ]
    try:
        # A live-update subscriber on every server: each must hear every alert, whichever
        # server's request created it.
        for proc in target.servers:
            ready = asyncio.Event()
            seen: set[str] = set()
            result.live[proc.name] = seen
            reconnects = result.live_reconnects.setdefault(proc.name, [0])
            resyncs = result.live_resyncs.setdefault(proc.name, [0])
            listeners.append(
                asyncio.create_task(listen(proc.url, seen, ready, reconnects, resyncs))
            )
            await asyncio.wait_for(ready.wait(), 10)
        cameras = await setup(clients[0], target.receiver.url)
        total = min(max_requests, int(duration * rate))
        started = time.monotonic()
        tasks: list[asyncio.Task[None]] = []
        fault_task = asyncio.create_task(fault(target, duration)) if fault else None

        async def one(i: int) -> None:
            client = clients[i % len(clients)]
            is_read = (i * 7919 % 100) < read_share * 100  # deterministic mix
            t0 = time.monotonic()
            sample: Sample
            try:
                if is_read:
                    path = "/api/events" if i % 2 else "/api/alerts"
                    r = await client.get(path, params={"limit": 20})
                    sample = Sample("read", r.status_code, 0.0)
                else:
                    person = i % 3 != 0
                    batch = f"load-{target.name}-{i}"
                    body = {
                        "camera_id": cameras[i % len(cameras)],
                        "batch_id": batch,
                        "started_at": STARTED,
                        "risk_score": 60,
                        "detections": [
                            {
                                "file_path": f"/load/{i}.jpg",
                                "object_type": "person" if person else "car",
                                "confidence": 0.9,
                                "bbox": {"x": 10, "y": 10, "width": 50, "height": 80},
                                "image_width": 640,
                                "image_height": 480,
                            }
                        ],
                    }
                    r = await client.post("/api/ingest", json=body)
                    sample = Sample("ingest", r.status_code, 0.0, batch, person)
            except httpx.HTTPError:
                sample = Sample("read" if is_read else "ingest", 0, 0.0)
            sample.seconds = time.monotonic() - t0
            result.samples.append(sample)

        for i in range(total):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        result.elapsed = time.monotonic() - started
        if fault_task:
            await fault_task
    finally:
        for c in clients:
            await c.aclose()
    result.listeners = listeners
    return result


async def verify(target: Target, result: Result, settle_timeout: float) -> None:
    """Every 2xx ingest is stored; every stored person event has exactly one alert, each alert
    reached the receiver (at least once, and the duplicates are counted)."""
    from sqlalchemy import text

    from vigil.core.config import to_async_url
    from vigil.core.db import Database

    acked = {s.batch_id: s.person for s in result.of("ingest") if 200 <= s.status < 300}
    db = Database(to_async_url(target.deployment.database_url))
    try:
        deadline = time.monotonic() + settle_timeout
        while True:
            async with db.transaction(write=False) as s:
                events = dict(
                    (
                        await s.execute(
                            text("SELECT batch_id, id FROM events WHERE batch_id LIKE 'load-%'")
                        )
                    ).all()
                )
                alert_rows = (await s.execute(text("SELECT event_id, id FROM alerts"))).all()
                pending = await s.scalar(
                    text("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
                )
                retried = await s.scalar(text("SELECT count(*) FROM jobs WHERE attempt_number > 1"))
            alerts_by_event: dict[int, list[str]] = {}
            for event_id, alert_id in alert_rows:
                # SQLite stores UUIDs as bare hex: normalise to the dashed form the webhook sends.
                alerts_by_event.setdefault(int(event_id), []).append(str(uuid.UUID(str(alert_id))))
            all_alerts = {a for ids in alerts_by_event.values() for a in ids}
            delivered = target.receiver.alert_ids()
            undelivered = all_alerts - set(delivered)
            if (not undelivered and not pending) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await db.dispose()
    result.lost = sum(1 for b in acked if b not in events)
    problems = 0
    for batch, person in acked.items():
        if batch not in events:
            continue
        n = len(alerts_by_event.get(int(events[batch]), []))
        if n != (1 if person else 0):
            problems += 1
    result.alert_problems = problems
    result.undelivered = len(undelivered)
    # Live updates are fire-and-forget: give the streams a moment, then compare.
    await asyncio.sleep(1.0)
    for task in result.listeners:
        task.cancel()
    for server, seen in result.live.items():
        missing = all_alerts - seen
        result.missed_live += len(missing)
        if missing:
            result.notes.append(f"{server} streamed {len(seen)}/{len(all_alerts)} alerts")
        if result.live_reconnects.get(server, [0])[0]:
            result.notes.append(
                f"{server} stream reconnected {result.live_reconnects[server][0]} times"
            )
        if result.live_resyncs.get(server, [0])[0]:
            result.notes.append(f"{server} stream resynced {result.live_resyncs[server][0]} times")
    duplicates = sum(1 for a in all_alerts if delivered.get(a, 0) > 1)
    if duplicates:
        result.notes.append(f"{duplicates} alerts delivered more than once (at-least-once)")
    if retried:
        result.notes.append(f"{retried} jobs ran more than once (retried)")
    if pending:
        result.notes.append(f"{pending} jobs still queued/running after {settle_timeout:.0f}s")


async def supervise(target: Target, restarts: list[str]) -> None:
    """Restart worker processes that exit, as the documented deployment does (systemd
    ``Restart=always``, compose ``restart: unless-stopped``); each restart is reported."""
    while True:
        await asyncio.sleep(1.0)
        for proc in list(target.deployment.procs):
            if proc.name.startswith("worker") and not proc.alive() and not proc.expected_exit:
                proc.expected_exit = True
                restarts.append(f"{proc.name} (exit {proc.popen.returncode})")
                target.deployment.worker(f"{proc.name}-r")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000


def report(results: list[Result]) -> str:
    head = (
        f"{'target':<11} {'kind':<7} {'sent':>6} {'ok':>6} {'req/s':>7} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6} {'503':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        for kind in ("ingest", "read"):
            samples = r.of(kind)
            ok = [s for s in samples if 200 <= s.status < 300]
            lat = [s.seconds for s in ok]
            errs = sum(1 for s in samples if s.status == 0 or (s.status >= 400 and s.status != 503))
            lines.append(
                f"{r.target:<11} {kind:<7} {len(samples):>6} {len(ok):>6} "
                f"{len(ok) / r.elapsed if r.elapsed else 0:>7.1f} {pct(lat, 0.5):>8.1f} "
                f"{pct(lat, 0.99):>8.1f} {errs:>6} {sum(1 for s in samples if s.status == 503):>5}"
            )
        bad = Counter(s.status for s in r.samples if s.status == 0 or s.status >= 400)
        if bad:
            lines.append(
                f"{r.target:<11} status  "
                + " ".join(f"{code or 'timeout'}x{n}" for code, n in sorted(bad.items()))
            )
        lines.append(
            f"{r.target:<11} check   lost={r.lost} alert_count_wrong={r.alert_problems} "
            f"undelivered={r.undelivered} live_missed={r.missed_live} {'; '.join(r.notes)}"
        )
    return "\n".join(lines)


def summary(results: list[Result]) -> tuple[int, int]:
    errors = sum(r.errors + r.alert_problems + r.undelivered + r.missed_live for r in results)
    lost = sum(r.lost for r in results)
    return errors, lost


async def run_target(
    name: str,
    args: argparse.Namespace,
    fault: Callable[[Target, float], Awaitable[None]] | None,
    env: dict[str, str] | None = None,
) -> Result:
    receiver = WebhookReceiver()
    await receiver.start()
    workdir = Path(tempfile.mkdtemp(prefix=f"vigil-load-{name}-"))
    target = await asyncio.to_thread(start_target, name, workdir, receiver, args.workers, env or {})
    restarts: list[str] = []
    supervisor = asyncio.create_task(supervise(target, restarts))
    try:
        result = await run_load(
            target,
            duration=args.duration,
            rate=args.rate,
            read_share=args.read_share,
            max_requests=args.max_requests,
            timeout=args.timeout,
            fault=fault,
        )
        await verify(target, result, args.settle)
        if restarts:
            result.notes.append(f"workers that exited and were restarted: {', '.join(restarts)}")
        return result
    except BaseException:
        for proc in target.deployment.procs:
            print(f"--- {proc.name} log tail ---\n{proc.log_tail(15)}", file=sys.stderr)
        raise
    finally:
        supervisor.cancel()
        await asyncio.to_thread(target.cleanup)
        await receiver.stop()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    p.add_argument("--rate", type=float, default=20.0, help="requests per second (default 20)")
    p.add_argument("--read-share", type=float, default=0.5, help="share of reads (default 0.5)")
    p.add_argument("--max-requests", type=int, default=20_000, help="hard cap on requests")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds")
    p.add_argument("--settle", type=float, default=60.0, help="max wait for deliveries, seconds")
    p.add_argument("--workers", type=int, default=2, help="vigil worker processes (postgresql)")
    p.add_argument("--targets", default="postgresql,sqlite", help="comma list: postgresql, sqlite")
    return p


async def main_async(args: argparse.Namespace) -> int:
    results = []
    for name in [t.strip() for t in args.targets.split(",") if t.strip()]:
        results.append(await run_target(name, args, None))
    print(report(results))
    errors, lost = summary(results)
    print(f"errors: {errors} lost: {lost}")
    return 0 if errors == 0 and lost == 0 else 1


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
