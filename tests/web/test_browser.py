"""The dashboard in real headless Chromium against a real ``vigil serve``: each action is checked
on screen and in the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import detection, make_camera, make_event
from tests.web.conftest import API_KEY
from tests.web.server import VigilServer
from vigil.core.db import Database
from vigil.models import Alert, AlertRule, AuditLog, CameraZone, Job, JobTransition, Log
from vigil.web.pages.logs import log_search

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _require(server: VigilServer, method: str, path: str, area: str) -> None:
    """Areas land independently: where the endpoint is missing the test is an expected failure
    (the page itself still renders "not available yet")."""
    if method not in server.api_paths().get(path, []):
        pytest.xfail(f"{method.upper()} {path} is not available yet ({area} area)")


async def _camera(db: Database, prefix: str) -> str:
    async with db.sessionmaker() as session:
        camera = await make_camera(session, f"{prefix} {uuid.uuid4().hex[:8]}")
        return camera.id


async def test_sign_in_sets_an_http_only_cookie(browser: Any, vigil_server: VigilServer) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{vigil_server.url}/jobs")
    assert "/signin" in page.url
    await page.get_by_label("API key").fill("wrong-key-wrong-key-wrong")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("alert").filter(has_text="not valid").wait_for()
    await page.get_by_label("API key").fill(API_KEY)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{vigil_server.url}/jobs")
    cookies = await context.cookies()
    session = next(c for c in cookies if c["name"] == "vigil_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert API_KEY not in session["value"]
    await context.close()


async def test_acknowledge_an_alert(
    page: Any, vigil_server: VigilServer, server_db: Database
) -> None:
    _require(vigil_server, "post", "/api/alerts/{alert_id}/acknowledge", "alerting")
    camera_id = await _camera(server_db, "Ack Cam")
    async with server_db.sessionmaker() as session:
        event = await make_event(session, camera_id, risk_score=91, summary="Prowler at the gate")
        rule = AlertRule(name=f"Ack rule {uuid.uuid4().hex[:6]}", severity="critical")
        session.add(rule)
        await session.flush()
        alert = Alert(event_id=event.id, rule_id=rule.id, severity="critical", dedup_key="ack")
        session.add(alert)
        await session.commit()
        alert_id = alert.id

    await page.goto(f"{vigil_server.url}/alerts")
    row = page.locator(f"#alert-{alert_id}")
    await row.get_by_role("button", name="Acknowledge").click()
    await row.wait_for(state="detached")  # the open-alerts list refreshes without it
    await page.get_by_role("status").filter(has_text="Alert acknowledged").wait_for()

    await page.goto(f"{vigil_server.url}/alerts?status=acknowledged")
    assert (
        await page.locator(f"#alert-{alert_id} [data-role=status]").inner_text() == "acknowledged"
    )
    async with server_db.sessionmaker() as session:
        stored = await session.get(Alert, alert_id)
        assert stored is not None and stored.status == "acknowledged"
        audited = await session.scalar(
            select(AuditLog).where(AuditLog.resource_id == str(alert_id), AuditLog.actor == "admin")
        )
        assert audited is not None and audited.status == "success"


async def test_create_a_rule_and_dry_run_it(
    page: Any, vigil_server: VigilServer, server_db: Database
) -> None:
    _require(vigil_server, "post", "/api/alerts/rules/{rule_id}/test", "alerting")
    camera_id = await _camera(server_db, "Rule Cam")
    # The five newest events anywhere: 3 high-risk people, 2 low-risk cars.
    base = datetime.now(UTC) + timedelta(days=30)
    async with server_db.sessionmaker() as session:
        for i, (risk, kind) in enumerate(
            [(85, "person"), (90, "person"), (75, "person"), (10, "car"), (80, "car")]
        ):
            await make_event(
                session,
                camera_id,
                risk_score=risk,
                started_at=base + timedelta(minutes=i),
                detections=[detection(object_type=kind)],
            )
    name = f"Night watch {uuid.uuid4().hex[:6]}"

    await page.goto(f"{vigil_server.url}/rules")
    form = page.locator("#rule-form")
    await form.get_by_label("Name").fill(name)
    await form.get_by_label("Severity").select_option("high")
    await form.get_by_label("Risk score at least").fill("70")
    await form.get_by_label("person", exact=True).check()
    await form.locator(f'input[name="camera_ids"][value="{camera_id}"]').check()
    await form.locator('input[name="days"][value="saturday"]').check()
    await form.get_by_label("From").fill("22:00")
    await form.get_by_label("Until").fill("06:00")
    await form.get_by_label("Time zone").fill("Europe/Berlin")
    await form.get_by_role("button", name="Create rule").click()
    await page.wait_for_url(lambda url: "/rules/" in url)
    await page.get_by_role("heading", name=name).wait_for()

    await page.get_by_label("Newest events").fill("5")
    await page.get_by_role("button", name="Dry run").click()
    result = page.locator("#match-rate")
    await result.wait_for()
    text = await result.inner_text()
    assert "of 5 events" in text

    async with server_db.sessionmaker() as session:
        rule = await session.scalar(select(AlertRule).where(AlertRule.name == name))
        assert rule is not None
        assert rule.severity == "high" and rule.risk_threshold == 70
        assert rule.object_types == ["person"] and rule.camera_ids == [camera_id]
        assert rule.schedule == {
            "days": ["saturday"],
            "start_time": "22:00",
            "end_time": "06:00",
            "timezone": "Europe/Berlin",
        }
        alerts_before = len(
            (await session.scalars(select(Alert).where(Alert.rule_id == rule.id))).all()
        )
    assert alerts_before == 0  # a dry run creates nothing

    # Clear the schedule (edit) and dry-run again: 2 of 5 match (the people at risk >= 70).
    form = page.locator("#rule-form")
    await form.locator('input[name="days"][value="saturday"]').uncheck()
    await form.get_by_label("From").fill("")
    await form.get_by_label("Until").fill("")
    async with page.expect_navigation():  # saved: the page reloads with the stored rule
        await form.get_by_role("button", name="Save rule").click()
    await page.get_by_label("Newest events").fill("5")
    await page.get_by_role("button", name="Dry run").click()
    await page.locator("#match-rate").filter(has_text="60.0 %").wait_for()
    assert "matched 3 of 5" in await page.locator("#match-rate").inner_text()
    async with server_db.sessionmaker() as session:
        rule = await session.scalar(select(AlertRule).where(AlertRule.name == name))
        assert rule is not None and rule.schedule is None


async def test_draw_a_zone(page: Any, vigil_server: VigilServer, server_db: Database) -> None:
    _require(vigil_server, "post", "/api/cameras/{camera_id}/zones", "zones")
    camera_id = await _camera(server_db, "Zone Cam")
    await page.goto(f"{vigil_server.url}/cameras/{camera_id}")
    await page.get_by_label("Name").fill("Front porch")
    await page.get_by_label("Type").select_option("entry_point")
    await page.get_by_role("button", name="Draw").click()
    frame = page.locator("#frame")
    box = await frame.bounding_box()
    corners = [(0.2, 0.5), (0.8, 0.5), (0.8, 0.9), (0.2, 0.9)]
    for x, y in corners:
        await frame.click(position={"x": box["width"] * x, "y": box["height"] * y})
    assert "4 point(s)" in await page.locator("#draw-status").inner_text()
    await page.get_by_role("button", name="Save zone").click()
    item = page.locator("[data-zone-item]").filter(has_text="Front porch")
    await item.wait_for()
    assert await page.locator("#zones polygon").count() == 1

    async with server_db.sessionmaker() as session:
        zone = await session.scalar(select(CameraZone).where(CameraZone.camera_id == camera_id))
        assert zone is not None and zone.name == "Front porch" and zone.zone_type == "entry_point"
        assert zone.shape == "polygon" and len(zone.coordinates) == 4
        for (x, y), (ex, ey) in zip(zone.coordinates, corners, strict=True):
            assert abs(x - ex) < 0.02 and abs(y - ey) < 0.02


async def test_search_logs(page: Any, vigil_server: VigilServer, server_db: Database) -> None:
    tag = "cam" + uuid.uuid4().hex[:8]
    messages = [
        f"camera {tag} failed to connect",
        f"camera {tag} connected",
        f"disk {tag} is failing",
        f"unrelated failure {uuid.uuid4().hex[:6]}",
    ]
    async with server_db.transaction() as session:
        for i, message in enumerate(messages):
            session.add(
                Log(
                    level="ERROR" if "fail" in message else "INFO",
                    component="ingest",
                    message=message,
                    timestamp=datetime.now(UTC) - timedelta(seconds=i),
                )
            )

    await page.goto(f"{vigil_server.url}/logs")
    await page.get_by_role("searchbox", name="Search").fill(f"failing {tag}")
    await page.get_by_role("button", name="Search").click()
    rows = page.locator("#log-results tbody tr")
    await rows.first.wait_for()
    shown = sorted(await page.locator("#log-results .log-message").all_inner_texts())
    # Stemming: "failing" finds "failed" and "failing"; the tag narrows it to this test's rows.
    assert shown == sorted([messages[0], messages[2]])

    search = log_search()
    assert search is not None
    async with server_db.sessionmaker() as session:
        found, _ = await search.search_logs(session, search.LogFilter(q=f"failing {tag}"), limit=50)
        assert sorted(r.message for r in found) == shown


async def test_cancel_a_job(page: Any, vigil_server: VigilServer, server_db: Database) -> None:
    _require(vigil_server, "post", "/api/jobs/{job_id}/cancel", "jobs")
    job_type = "demo.noop"
    async with server_db.transaction() as session:
        job = Job(
            job_type=job_type,
            status="queued",
            queue_name="default",
            run_at=datetime.now(UTC) + timedelta(days=1),
        )
        session.add(job)
        await session.flush()
        session.add(
            JobTransition(
                job_id=job.id, from_status=None, to_status="queued", triggered_by="system"
            )
        )
        job_id = job.id

    await page.goto(f"{vigil_server.url}/jobs")
    row = page.locator(f"#job-{job_id}")
    await row.get_by_role("button", name="Cancel").click()
    await row.locator("[data-role=status]").filter(has_text="cancelled").wait_for()

    async with server_db.sessionmaker() as session:
        stored = await session.get(Job, job_id)
        assert stored is not None and stored.status == "cancelled"
        last = await session.scalar(
            select(JobTransition)
            .where(JobTransition.job_id == job_id)
            .order_by(JobTransition.transitioned_at.desc())
            .limit(1)
        )
        assert last is not None and last.to_status == "cancelled" and last.triggered_by == "user"
