"""Every dashboard page answers 200 through the ASGI app on both databases: empty, and with
data from every area (read straight from the tables the areas write)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import detection, make_camera, make_event
from vigil.models import (
    ActivityBaseline,
    Alert,
    AlertRule,
    AuditLog,
    CameraZone,
    ClassBaseline,
    EventAudit,
    GpuStats,
    Job,
    JobLog,
    JobTransition,
    Log,
)
from vigil.models.baseline import BaselineAnomaly

PAGES = (
    "/",
    "/alerts",
    "/alerts?status=all&severity=high",
    "/alerts/_list",
    "/rules",
    "/events",
    "/events?risk_level=high&reviewed=no&object_type=person",
    "/cameras",
    "/baselines",
    "/jobs",
    "/jobs?status=queued",
    "/jobs/_list",
    "/gpu",
    "/gpu?range=30d",
    "/logs",
    "/logs?q=failed&level=WARNING&window=24h",
    "/audit",
    "/audit?status=failure",
    "/audit/_verify",
    "/quality",
    "/quality?days=30",
    "/quality/_body",
    "/quality/_body?days=30",
    "/signin",
)


async def test_pages_render_without_data(client: httpx.AsyncClient) -> None:
    # One test over all pages: the per-test database reset costs more than the requests.
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 200, f"{path}: {response.text[:500]}"
        assert response.headers["content-type"].startswith("text/html")


async def _populate(session: AsyncSession) -> dict[str, str]:
    now = datetime.now(UTC)
    await make_camera(session, "Front Door")
    event = await make_event(
        session,
        risk_score=88,
        summary="Person crouching at the porch",
        detections=[
            detection(
                enrichment={
                    "pose": {"pose_class": "crouching", "confidence": 0.9, "is_suspicious": True},
                    "action": {"action": "looking_in_window", "confidence": 0.8},
                    "demographics": {"age_range": "21-30", "gender": "male"},
                    "threats": [{"threat_type": "knife", "confidence": 0.7, "severity": "high"}],
                }
            )
        ],
    )
    rule = AlertRule(
        name="Night intruder",
        severity="critical",
        risk_threshold=70,
        schedule={"start_time": "22:00", "end_time": "06:00", "timezone": "UTC"},
        conditions={"action": {"actions": ["looking_in_window"], "min_confidence": 0.5}},
    )
    session.add(rule)
    await session.flush()
    session.add(Alert(event_id=event.id, rule_id=rule.id, severity="critical", dedup_key="k"))
    session.add(
        CameraZone(
            id="porch",
            camera_id="front_door",
            name="Porch",
            zone_type="entry_point",
            coordinates=[[0.1, 0.5], [0.9, 0.5], [0.9, 1.0], [0.1, 1.0]],
            shape="polygon",
            color="#EF4444",
        )
    )
    job = Job(
        job_type="retention.events",
        status="running",
        progress_percent=40,
        current_step="deleting old events",
    )
    session.add(job)
    await session.flush()
    session.add(
        JobTransition(job_id=job.id, from_status=None, to_status="queued", triggered_by="system")
    )
    session.add(JobLog(job_id=job.id, level="info", message="deleted 500 rows"))
    session.add(Log(level="ERROR", component="ingest", message="camera front_door failed"))
    session.add(AuditLog(action="create", resource_type="rule", actor="admin"))
    for i in range(30):
        session.add(
            GpuStats(
                recorded_at=now - timedelta(minutes=i),
                gpu_name="RTX 4090",
                gpu_utilization=40 + i,
                memory_used=8000,
                memory_total=24000,
                temperature=60.0,
                power_usage=200.0,
            )
        )
    session.add(
        ActivityBaseline(
            camera_id="front_door", hour=8, day_of_week=1, avg_count=3.5, sample_count=4
        )
    )
    session.add(
        ClassBaseline(
            camera_id="front_door", detection_class="person", hour=8, frequency=0.8, sample_count=4
        )
    )
    # The quality hook may already have written the partial audit; complete it either way.
    audit = await session.scalar(select(EventAudit).where(EventAudit.event_id == event.id))
    if audit is None:
        audit = EventAudit(event_id=event.id)
        session.add(audit)
    audit.has_yolo26, audit.has_zones = True, True
    audit.overall_quality_score, audit.missing_context = 4.0, '["weather"]'
    session.add(
        BaselineAnomaly(
            camera_id="front_door",
            event_id=event.id,
            slot_start=now,
            hour=now.hour,
            day_of_week=now.weekday(),
            kind="class",
            detection_class="person",
            observed_count=9,
            expected_count=0.4,
            p_value=0.0001,
            score=0.97,
        )
    )
    await session.commit()
    return {"event": str(event.id), "job": job.id, "rule": str(rule.id)}


async def test_pages_render_with_data(client: httpx.AsyncClient, session: AsyncSession) -> None:
    ids = await _populate(session)
    detail = (
        f"/events/{ids['event']}",
        f"/jobs/{ids['job']}",
        f"/jobs/{ids['job']}/_live",
        f"/rules/{ids['rule']}",
        "/cameras/front_door",
        "/baselines?camera_id=front_door",
    )
    for path in (*PAGES, *detail):
        response = await client.get(path)
        assert response.status_code == 200, f"{path}: {response.text[:500]}"
    overview = (await client.get("/")).text
    assert "Person crouching at the porch" in overview
    event_page = (await client.get(f"/events/{ids['event']}")).text
    assert "crouching" in event_page and "knife" in event_page and "Porch" in event_page
    assert "retention.events" in (await client.get("/jobs")).text
    assert "deleted 500 rows" in (await client.get(f"/jobs/{ids['job']}")).text
    assert "Night intruder" in (await client.get("/alerts")).text
    # The rule form carries conditions it does not edit, so saving keeps them.
    rule_page = (await client.get(f"/rules/{ids['rule']}")).text
    assert """data-conditions='{"action": {"actions": ["looking_in_window"]""" in rule_page
    assert "0.97" in (await client.get("/baselines?camera_id=front_door")).text
    assert "yolo26" in (await client.get("/quality/_body")).text
    # An SVG chart per metric once samples exist.
    assert "<polyline" in (await client.get("/gpu")).text


async def test_missing_things_are_404_and_bad_input_422(client: httpx.AsyncClient) -> None:
    for path in ("/events/999999", "/jobs/nope", f"/rules/{uuid.uuid4()}", "/cameras/nope"):
        assert (await client.get(path)).status_code == 404, path
    for path in ("/events?offset=-1", "/rules/not-a-uuid", "/gpu?range=1y", "/logs?q=" + "x" * 600):
        assert (await client.get(path)).status_code == 422, path


async def test_times_are_sent_as_utc_for_local_rendering(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_camera(session, "Driveway")
    await make_event(session, "driveway", started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    html = (await client.get("/events")).text
    assert '<time datetime="2026-01-02T03:04:05Z"' in html


async def test_static_assets_are_vendored(client: httpx.AsyncClient) -> None:
    for path in ("/static/htmx.min.js", "/static/app.js", "/static/app.css", "/static/zones.js"):
        assert (await client.get(path)).status_code == 200
    html = (await client.get("/")).text
    assert "https://" not in html.split("<main")[0]  # no CDN in the page head


async def test_long_lists_page_newer_and_older(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_camera(session, "Driveway")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(52):  # one page is 50 events
        await make_event(session, "driveway", started_at=start + timedelta(minutes=i))
    first = (await client.get("/events")).text
    assert "1\u201350 of 52" in first
    assert 'href="/events?offset=50"' in first and ">Newer<" not in first
    second = (await client.get("/events?offset=50")).text
    assert "51\u201352 of 52" in second
    assert ">Newer<" in second and ">Older<" not in second
