"""Delivery through a real local HTTP receiver: signed webhooks, Apprise json://, retries,
recorded attempts, delivered status, and secrets that never leak."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.alerting.helpers import camera, created, ingest, rule
from tests.fake_job_context import FakeJobContext
from tests.notify.receiver import Receiver
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.models import Alert, AlertDelivery
from vigil.notify.service import DeliveryFailed
from vigil.notify.tasks import deliver

pytestmark = pytest.mark.usefixtures("backend")
SECRET = "s3cret-signing-key-0123456789"
TOKEN = "supersecrettoken42"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


async def _channel(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/notification/channels", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_failed_then_retried_delivery(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="vigil")
    await _channel(
        client, name="hook", kind="webhook", url=f"{receiver.url}/hook?token={TOKEN}", secret=SECRET
    )
    await _channel(
        client,
        name="phone",
        kind="apprise",
        url=f"json://user:{TOKEN}@127.0.0.1:{receiver.port}/ap",
    )
    cam = await camera(client)
    await rule(client, name="Porch person", severity="high", channels=["hook", "phone"])
    (alert_id,) = created(await ingest(client, cam))
    receiver.fail_next = 1  # the first request (the webhook, channels go by name) gets a 500

    with pytest.raises(DeliveryFailed):
        await deliver(FakeJobContext(db, settings, attempt=1), {"alert_id": alert_id})
    pending = (await client.get(f"/api/alerts/{alert_id}")).json()
    assert pending["status"] == "pending" and pending["delivered_at"] is None

    result = await deliver(FakeJobContext(db, settings, attempt=2), {"alert_id": alert_id})
    assert result == {"delivered_to": ["hook"], "channels": 2}  # Apprise was not sent twice
    delivered = (await client.get(f"/api/alerts/{alert_id}")).json()
    assert delivered["status"] == "delivered" and delivered["delivered_at"] is not None

    async with db.sessionmaker() as s:
        attempts = (
            await s.scalars(
                select(AlertDelivery)
                .where(AlertDelivery.alert_id == uuid.UUID(alert_id))
                .order_by(AlertDelivery.id)
            )
        ).all()
    assert [(a.channel_name, a.attempt, a.ok, a.error) for a in attempts] == [
        ("hook", 1, False, "HTTP 500"),
        ("phone", 1, True, None),
        ("hook", 2, True, None),
    ]

    webhooks = [r for r in receiver.requests if r.path.startswith("/hook")]
    assert len(webhooks) == 2
    last = webhooks[-1]
    timestamp = last.headers["x-vigil-timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + last.body, hashlib.sha256)
    assert last.headers["x-vigil-signature"] == f"sha256={expected.hexdigest()}"
    payload = last.json()
    assert payload["alert"]["id"] == alert_id and payload["alert"]["rule_name"] == "Porch person"

    (apprise_request,) = [r for r in receiver.requests if r.path.startswith("/ap")]
    assert "Porch person" in apprise_request.json()["title"]

    assert TOKEN not in caplog.text and SECRET not in caplog.text


async def test_delivery_of_missing_alert_and_no_channels(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    gone = await deliver(FakeJobContext(db, settings), {"alert_id": str(uuid.uuid4())})
    assert gone == {"skipped": "alert no longer exists"}
    cam = await camera(client)
    await rule(client)
    (alert_id,) = created(await ingest(client, cam))
    assert await deliver(FakeJobContext(db, settings), {"alert_id": alert_id}) == {
        "delivered_to": [],
        "channels": 0,
    }
    async with db.sessionmaker() as s:
        alert = await s.get(Alert, uuid.UUID(alert_id))
        assert alert is not None and alert.status == "pending"


async def test_delivery_keeps_acknowledged_status(
    client: httpx.AsyncClient, db: Database, settings: Settings, receiver: Receiver
) -> None:
    await _channel(client, name="hook", kind="webhook", url=f"{receiver.url}/hook")
    cam = await camera(client)
    await rule(client, channels=["hook"])
    (alert_id,) = created(await ingest(client, cam))
    assert (await client.post(f"/api/alerts/{alert_id}/acknowledge")).status_code == 200
    await deliver(FakeJobContext(db, settings), {"alert_id": alert_id})
    alert = (await client.get(f"/api/alerts/{alert_id}")).json()
    assert alert["status"] == "acknowledged" and alert["delivered_at"] is not None


async def test_channels_api_masks_secrets(
    client: httpx.AsyncClient, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="vigil")
    hook = await _channel(
        client, name="hook", kind="webhook", url=f"{receiver.url}/x?token={TOKEN}", secret=SECRET
    )
    ntfy = await _channel(client, name="phone", kind="apprise", url=f"ntfy://{TOKEN}@ntfy.sh/t")
    assert hook["url_masked"] == f"http://127.0.0.1:{receiver.port}/***"
    assert hook["has_secret"] is True and "url" not in hook and "secret" not in hook
    assert ntfy["url_masked"] == "ntfy://***"
    listed = await client.get("/api/notification/channels")
    one = await client.get(f"/api/notification/channels/{hook['id']}")
    for text in (listed.text, one.text, str(hook), str(ntfy)):
        assert TOKEN not in text and SECRET not in text
    dup = await client.post(
        "/api/notification/channels",
        json={"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:1/"},
    )
    assert dup.status_code == 409
    bad = await client.post(
        "/api/notification/channels",
        json={"name": "bad", "kind": "apprise", "url": f"nosuchscheme://{TOKEN}"},
    )
    assert bad.status_code == 422 and TOKEN not in bad.text
    bad_hook = await client.post(
        "/api/notification/channels",
        json={"name": "bad", "kind": "webhook", "url": "ftp://host/x"},
    )
    assert bad_hook.status_code == 422
    off = await client.patch(f"/api/notification/channels/{hook['id']}", json={"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert (await client.delete(f"/api/notification/channels/{ntfy['id']}")).status_code == 204
    assert TOKEN not in caplog.text and SECRET not in caplog.text


async def test_notification_test_endpoint(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await _channel(client, name="hook", kind="webhook", url=f"{receiver.url}/t", secret=SECRET)
    await _channel(client, name="dead", kind="webhook", url="http://127.0.0.1:1/nothing")
    ok = await client.post("/api/notification/test", json={"channel": "hook"})
    assert ok.status_code == 200 and ok.json() == {"channel": "hook", "ok": True, "error": None}
    assert receiver.requests[-1].json()["type"] == "vigil.test"
    dead = await client.post("/api/notification/test", json={"channel": "dead"})
    assert dead.json()["ok"] is False and dead.json()["error"] == "request failed: ConnectError"
    missing = await client.post("/api/notification/test", json={"channel": "nope"})
    assert missing.status_code == 404


async def test_job_worker_retries_failed_delivery(
    client: httpx.AsyncClient, db: Database, settings: Settings, receiver: Receiver
) -> None:
    """End to end through the real job queue: the first send fails, the worker retries it
    after a backoff, the second succeeds and the alert becomes delivered."""
    from vigil.jobs.worker import Worker
    from vigil.models import Job

    await _channel(client, name="hook", kind="webhook", url=f"{receiver.url}/hook")
    cam = await camera(client)
    await rule(client, channels=["hook"])
    (alert_id,) = created(await ingest(client, cam))
    receiver.fail_next = 1
    fast = settings.model_copy(
        update={
            "job_retry_base_seconds": 0.2,
            "job_retry_max_seconds": 0.5,
            "job_periodic_enabled": False,
        }
    )
    for _ in range(20):
        await Worker(db, fast, queues=["notify"], schedule=[]).run(stop_when_idle=True)
        status = (await client.get(f"/api/alerts/{alert_id}")).json()["status"]
        if status == "delivered":
            break
        await asyncio.sleep(0.2)
    assert status == "delivered"
    assert len([r for r in receiver.requests if r.path == "/hook"]) == 2
    async with db.sessionmaker() as s:
        job = await s.scalar(select(Job).where(Job.job_type == "notify.deliver"))
        assert job is not None and job.status == "completed", job and job.status
        oks = (await s.scalars(select(AlertDelivery.ok).order_by(AlertDelivery.id))).all()
        assert list(oks) == [False, True]
