"""Dashboard page-load times with N days of demo history (target: every page < 300 ms).

Starts a throwaway ``vigil serve`` on SQLite (loopback, background tasks off), feeds it N days of
the demo home through the HTTP API, then times every page over HTTP (server-side render plus
transfer, as a browser's document request sees it). ``/health`` is timed alongside as the floor
of one request. Run: ``python bench/dashboard.py --days 30``.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.server import start_server

from vigil.demo.runner import DemoHome, DemoOptions, http_client

PAGES = (
    "/health",
    "/",
    "/alerts?status=all",
    "/rules",
    "/events",
    "/events?risk_level=critical",
    "/cameras",
    "/cameras/backyard",
    "/baselines?camera_id=driveway",
    "/jobs",
    "/gpu?range=30d",
    "/logs?q=alert",
    "/audit",
    "/audit/_verify",
    "/quality?days=30",
    "/quality/_body?days=30",
)


async def run(days: float, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        server = start_server(Path(tmp), api_key=None)
        try:
            started = time.perf_counter()
            async with http_client(server.url, None) as client:
                options = DemoOptions(backfill_days=days, live=False, timezone="UTC")
                stats = await DemoHome(client, options).run()
            fed = time.perf_counter() - started
            print(
                f"fed {stats.events} events ({days} days) in {fed:.0f} s "
                f"({stats.events / fed:.0f} events/s through /api/ingest)"
            )
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                events = (await client.get("/api/events", params={"limit": 1})).json()
                first = events["items"][0]["id"] if events["items"] else 1
                pages = [*PAGES, f"/events/{first}"]
                print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
                worst = 0.0
                for path in pages:
                    await client.get(path)  # warm caches (templates, OpenAPI document)
                    times = []
                    for _ in range(repeat):
                        t0 = time.perf_counter()
                        response = await client.get(path)
                        times.append((time.perf_counter() - t0) * 1000)
                        assert response.status_code == 200, (path, response.status_code)
                    times.sort()
                    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                    if path != "/health" and "/_" not in path:  # pages, not lazy fragments
                        worst = max(worst, statistics.median(times))
                    print(f"{path:40} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
                print(
                    f"slowest page p50 (fragments loaded after the page excluded): {worst:.1f} ms "
                    "(target < 300 ms)"
                )
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=2.0, help="days of demo history (30 = full)")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page")
    args = parser.parse_args()
    asyncio.run(run(args.days, args.repeat))


if __name__ == "__main__":
    main()
