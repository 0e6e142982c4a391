"""Save a PNG of every dashboard page to a folder (``make screenshots`` -> docs/screenshots/).

Starts a throwaway ``vigil serve`` on loopback, feeds it a week of the demo home through the
HTTP API, and photographs each page in headless Chromium (desktop, plus a phone and a dark-mode
view of the overview). Run: ``python -m tests.web.screenshots docs/screenshots``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from tests.web.server import CHROMIUM, CHROMIUM_ARGS, VigilServer, start_server
from vigil.demo.runner import DemoHome, DemoOptions, http_client

PAGES = (
    ("overview", "/"),
    ("alerts", "/alerts?status=all"),
    ("rules", "/rules"),
    ("events", "/events"),
    ("cameras", "/cameras"),
    ("baselines", "/baselines?camera_id=driveway"),
    ("jobs", "/jobs"),
    ("gpu", "/gpu"),
    ("logs", "/logs?q=alert"),
    ("audit", "/audit"),
    ("quality", "/quality"),
)


async def _feed(server: VigilServer, days: float) -> None:
    options = DemoOptions(backfill_days=days, live=False, timezone="UTC", seed=7)
    async with http_client(server.url, None) as client:
        stats = await DemoHome(client, options).run()
    print(f"demo: {stats.events} events, {stats.alerts} alerts")
    # Some background work for the jobs page: exports and baseline rebuilds (where available).
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for fmt in ("csv", "json"):
            await client.post("/api/events/export", json={"format": fmt})
        for camera in ("front_door", "driveway"):
            await client.post(f"/api/cameras/{camera}/baseline/rebuild")
    await asyncio.sleep(5)  # let the embedded worker run some of them


async def _detail_pages(server: VigilServer) -> list[tuple[str, str]]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        events = (
            await client.get("/api/events", params={"risk_level": "critical", "limit": 1})
        ).json()
        rules = (await client.get("/api/alerts/rules")).json()
        jobs = (await client.get("/api/jobs", params={"limit": 1})).json()
    pages = [("camera-zones", "/cameras/backyard")]
    if events.get("items"):
        pages.append(("event-detail", f"/events/{events['items'][0]['id']}"))
    if isinstance(rules, dict) and rules.get("items"):
        pages.append(("rule-detail", f"/rules/{rules['items'][0]['id']}"))
    if isinstance(jobs, dict) and jobs.get("items"):
        pages.append(("job-detail", f"/jobs/{jobs['items'][0]['id']}"))
    return pages


async def capture(target: Path, days: float) -> None:
    from playwright.async_api import async_playwright

    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vigil-shots-") as tmp:
        server = start_server(
            Path(tmp),
            api_key=None,
            extra_env={"VIGIL_BACKGROUND_TASKS": "true", "VIGIL_EMBEDDED_WORKER": "true"},
        )
        try:
            await _feed(server, days)
            pages = [*PAGES, *await _detail_pages(server)]
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                views: list[tuple[str, dict[str, Any], Sequence[tuple[str, str]]]] = [
                    ("", {"viewport": {"width": 1280, "height": 900}}, pages),
                    (
                        "-phone",
                        {
                            "viewport": {"width": 390, "height": 844},
                            "device_scale_factor": 2,
                            "is_mobile": True,
                        },
                        PAGES[:1],
                    ),
                    (
                        "-dark",
                        {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
                        PAGES[:2],
                    ),
                ]
                for suffix, options, chosen in views:
                    context = await browser.new_context(timezone_id="Europe/Berlin", **options)
                    page = await context.new_page()
                    for name, path in chosen:
                        await page.goto(f"{server.url}{path}", wait_until="networkidle")
                        if name == "rule-detail":  # show a dry run's result
                            await page.get_by_role("button", name="Dry run").click()
                            await page.locator("#match-rate").wait_for()
                        out = target / f"{name}{suffix}.png"
                        await page.screenshot(path=str(out), full_page=not suffix)
                        print(f"saved {out}")
                    await context.close()
                await browser.close()
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path, nargs="?", default=Path("docs/screenshots"))
    parser.add_argument("--days", type=float, default=7.0, help="days of demo history to feed")
    args = parser.parse_args()
    asyncio.run(capture(args.target, args.days))


if __name__ == "__main__":
    main()
