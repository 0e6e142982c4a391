"""Feeds the simulated home into a running Vigil through its HTTP API (or, in-process, through
the same app over an ASGI transport): cameras, zones, sample rules, a backfill of history, then
live activity at a chosen speed.

Cameras, events, detections and enrichment always go through ``/api/cameras`` and
``/api/ingest``. Zones, rules and feedback are created only where their endpoint answers, so the
demo also runs against a build in which those areas are missing (it logs what it skipped).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from vigil.core.logging import get_logger
from vigil.demo.home import CAMERAS, SAMPLE_RULES
from vigil.demo.scenario import Scenario, Sighting, hours_between

log = get_logger("demo")
RETRIES = 5
FEEDBACK_SHARE = 0.04  # events that get user feedback, so calibration and quality have data


@dataclass
class DemoOptions:
    speed: float = 1.0
    backfill_days: float = 0.0
    seed: int = 7
    timezone: str = "UTC"
    reid_dimension: int = 512
    duration_seconds: float | None = None  # None: run until cancelled
    live: bool = True
    tick_seconds: float = 1.0


@dataclass
class DemoStats:
    events: int = 0
    duplicates: int = 0
    alerts: int = 0
    feedback: int = 0
    errors: int = 0
    skipped: list[str] = field(default_factory=list)


def local_timezone() -> str:
    """The machine's IANA zone (TZ, /etc/timezone or /etc/localtime), else UTC: the day/night
    rhythm should follow the viewer's clock."""
    candidates = [os.environ.get("TZ", "")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        name = name.lstrip(":")
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (KeyError, ValueError, OSError):
            continue
        return name
    return "UTC"


class DemoHome:
    def __init__(self, client: httpx.AsyncClient, options: DemoOptions) -> None:
        self.client = client
        self.options = options
        self.scenario = Scenario(
            seed=options.seed, timezone=options.timezone, reid_dimension=options.reid_dimension
        )
        self.stats = DemoStats()
        self._rng = random.Random(options.seed)
        self._feedback_available: bool | None = None

    # --- set-up --------------------------------------------------------------------------------

    async def setup(self) -> None:
        await self._ensure_cameras()
        await self._ensure_zones()
        await self._ensure_rules()

    async def _ensure_cameras(self) -> None:
        response = await self.client.get("/api/cameras", params={"limit": 1000})
        response.raise_for_status()
        existing = {c["id"] for c in response.json()["items"]}
        for camera in CAMERAS:
            if camera.id in existing:
                continue
            created = await self.client.post(
                "/api/cameras", json={"name": camera.name, "folder_path": f"/cameras/{camera.id}"}
            )
            if created.status_code not in (201, 409):
                created.raise_for_status()
            log.info("demo.camera_created", camera_id=camera.id)

    async def _ensure_zones(self) -> None:
        for camera in CAMERAS:
            path = f"/api/cameras/{camera.id}/zones"
            listed = await self.client.get(path)
            if listed.status_code in (404, 405):
                self._skip("zones", "the zones API is not available")
                return
            listed.raise_for_status()
            have = {z["id"] for z in listed.json()}
            for zone in camera.zones:
                if zone.id in have:
                    continue
                body = {
                    "id": zone.id,
                    "name": zone.name,
                    "zone_type": zone.zone_type,
                    "shape": "polygon",
                    "coordinates": [list(p) for p in zone.coordinates],
                    "color": zone.color,
                    "priority": zone.priority,
                }
                created = await self.client.post(path, json=body)
                if created.status_code not in (201, 409):
                    log.warning(
                        "demo.zone_refused",
                        zone=zone.id,
                        status=created.status_code,
                        detail=created.text[:300],
                    )

    async def _ensure_rules(self) -> None:
        listed = await self.client.get("/api/alerts/rules", params={"limit": 1000})
        if listed.status_code in (404, 405):
            self._skip("rules", "the alert rules API is not available")
            return
        listed.raise_for_status()
        names = {r["name"] for r in listed.json()["items"]}
        for rule in SAMPLE_RULES:
            if rule["name"] in names:
                continue
            body = dict(rule)
            if "schedule" in body:
                body["schedule"] = {**body["schedule"], "timezone": self.options.timezone}  # type: ignore[dict-item]
            created = await self.client.post("/api/alerts/rules", json=body)
            if created.status_code != 201:
                log.warning(
                    "demo.rule_refused",
                    rule=rule["name"],
                    status=created.status_code,
                    detail=created.text[:300],
                )

    def _skip(self, what: str, why: str) -> None:
        if what not in self.stats.skipped:
            self.stats.skipped.append(what)
            log.info("demo.skipped", what=what, reason=why)

    # --- writing events ------------------------------------------------------------------------

    async def write(self, sightings: list[Sighting]) -> None:
        for index, sighting in enumerate(sightings):
            payload = self.scenario.payload(sighting, index)
            response = await self._post_with_retry("/api/ingest", payload)
            if response.status_code == 409:
                self.stats.duplicates += 1  # already stored by an earlier run
                continue
            if response.status_code != 201:
                self.stats.errors += 1
                log.warning(
                    "demo.ingest_refused", status=response.status_code, detail=response.text[:300]
                )
                continue
            self.stats.events += 1
            body = response.json()
            alerting = (body.get("pipeline") or {}).get("alerts") or {}
            self.stats.alerts += len(alerting.get("created") or [])
            await self._maybe_feedback(body["event"], sighting)

    async def _post_with_retry(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST, retrying a busy database (503, e.g. SQLite locked by a writer) a few times."""
        for attempt in range(RETRIES):
            response = await self.client.post(path, json=body)
            if response.status_code != 503 or attempt == RETRIES - 1:
                return response
            await asyncio.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    async def _maybe_feedback(self, event: dict[str, Any], sighting: Sighting) -> None:
        if self._feedback_available is False or self._rng.random() > FEEDBACK_SHARE:
            return
        verdict = "accurate"
        if sighting.kind == "animal" and (event.get("risk_score") or 0) > 8:
            verdict = "false_positive"
        response = await self.client.post(
            "/api/feedback", json={"event_id": event["id"], "feedback_type": verdict}
        )
        if response.status_code in (404, 405) and "event" not in response.text:
            self._feedback_available = False
            self._skip("feedback", "the feedback API is not available")
            return
        self._feedback_available = True
        if response.status_code == 201:
            self.stats.feedback += 1

    # --- backfill and live ---------------------------------------------------------------------

    async def backfill(self, days: float, *, now: datetime | None = None) -> None:
        """Write ``days`` of history, hour by hour, as fast as the API takes it."""
        end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=days)
        hours = list(hours_between(start, end))
        for n, hour in enumerate(hours, 1):
            await self.write(self.scenario.plan_hour(hour))
            if n % 24 == 0 or n == len(hours):
                log.info("demo.backfill_progress", hours=n, of=len(hours), events=self.stats.events)

    async def live(self, *, clock: Callable[[], datetime] | None = None) -> None:
        """Live activity: every tick writes ``speed`` times tick seconds of the home's life, at the
        current hour's rates, stamped with the current time (a walk-on to a second camera is
        stamped now, its first sighting a minute earlier)."""
        now = clock or (lambda: datetime.now(UTC))
        loop = asyncio.get_running_loop()
        started = loop.time()
        tick = self.options.tick_seconds
        while self.options.duration_seconds is None or (
            loop.time() - started < self.options.duration_seconds
        ):
            moment = now()
            hour = moment.replace(minute=0, second=0, microsecond=0)
            scale = self.options.speed * tick / 3600
            plan = self.scenario.plan_hour(hour, scale=scale, salt=f"live:{moment.isoformat()}")
            for s in plan:
                lead = 0.0 if s.follow_up else self._rng.uniform(30, 90)
                s.at = moment - timedelta(seconds=lead)
            plan.sort(key=lambda s: s.at)
            await self.write(plan)
            await asyncio.sleep(tick)

    async def run(self) -> DemoStats:
        await self.setup()
        if self.options.backfill_days > 0:
            await self.backfill(self.options.backfill_days)
        if self.options.live:
            await self.live()
        return self.stats


def http_client(url: str, api_key: str | None) -> httpx.AsyncClient:
    headers = {"X-API-Key": api_key} if api_key else {}
    return httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=30.0)


def in_process_client(app: Any, api_key: str | None) -> httpx.AsyncClient:
    """The same API, called in-process (``vigil serve --demo``): no socket, same code paths."""
    headers = {"X-API-Key": api_key} if api_key else {}
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
    return httpx.AsyncClient(
        transport=transport, base_url="http://vigil-demo", headers=headers, timeout=60.0
    )
