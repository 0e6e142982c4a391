from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from vigil.alerting import alerts, rules
from vigil.alerting.schemas import (
    AlertAcknowledge,
    AlertDismiss,
    AlertRead,
    AlertStatus,
    RuleCreate,
    RuleRead,
    RuleTestRequest,
    RuleTestResult,
    RuleUpdate,
    Severity,
)
from vigil.alerting.service import ALERTS_CHANNEL
from vigil.core.broadcast import get_broadcaster
from vigil.core.deps import ActorDep, SessionDep
from vigil.core.errors import responses
from vigil.core.schemas import Page

router = APIRouter(prefix="/api/alerts", tags=["alerts"])

SSE_KEEPALIVE_SECONDS = 15.0


# --- rules (declared before /{alert_id} so their paths win) ---------------------------------


@router.get("/rules", response_model=Page[RuleRead])
async def list_rules(
    session: SessionDep,
    enabled: bool | None = None,
    severity: Severity | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[RuleRead]:
    """Alert rules sorted by name."""
    rows, total = await rules.list_rules(
        session, enabled=enabled, severity=severity, limit=limit, offset=offset
    )
    return Page(
        items=[RuleRead.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
        has_more=offset + len(rows) < total,
    )


@router.post(
    "/rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RuleRead,
    responses=responses(409, 422),
)
async def create_rule(data: RuleCreate, session: SessionDep) -> RuleRead:
    """Create a rule. Schedules use full weekday names, HH:MM and an IANA time zone."""
    return RuleRead.model_validate(await rules.create_rule(session, data))


@router.get("/rules/{rule_id}", response_model=RuleRead, responses=responses(404))
async def get_rule(rule_id: uuid.UUID, session: SessionDep) -> RuleRead:
    return RuleRead.model_validate(await rules.get_rule(session, rule_id))


@router.put("/rules/{rule_id}", response_model=RuleRead, responses=responses(404, 422))
@router.patch("/rules/{rule_id}", response_model=RuleRead, responses=responses(404, 422))
async def update_rule(rule_id: uuid.UUID, data: RuleUpdate, session: SessionDep) -> RuleRead:
    """Partial update (only the fields sent change); ``{"enabled": false}`` disables a rule."""
    return RuleRead.model_validate(await rules.update_rule(session, rule_id, data))


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
async def delete_rule(rule_id: uuid.UUID, session: SessionDep) -> Response:
    """Delete a rule; alerts it created are kept (their rule_id becomes null)."""
    await rules.delete_rule(session, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/rules/{rule_id}/test", response_model=RuleTestResult, responses=responses(404, 422))
async def test_rule(
    rule_id: uuid.UUID, session: SessionDep, data: RuleTestRequest | None = None
) -> RuleTestResult:
    """Dry run: evaluate the rule against given events or the newest ``limit`` ones, at
    ``test_time`` if given (else each event's start). Ignores cooldown, creates nothing."""
    return await rules.dry_run_rule(session, rule_id, data or RuleTestRequest())


# --- live updates ---------------------------------------------------------------------------


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_alerts(request: Request) -> StreamingResponse:
    """Server-Sent Events: ``alert.created`` and ``alert.updated`` as they commit, from every
    Vigil process sharing the database (PostgreSQL LISTEN/NOTIFY; in-process on SQLite), and
    ``resync`` after this server's LISTEN connection was lost and re-established (a database
    restart): changes made meanwhile were not streamed, so refetch the list."""
    subscription = get_broadcaster(request.app).subscribe(ALERTS_CHANNEL)
    await subscription.start()

    async def events() -> AsyncIterator[str]:
        try:
            yield ": connected\n\n"
            while not await request.is_disconnected():
                try:
                    message = await subscription.get(SSE_KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                kind = str(message.get("type", "message"))
                yield f"event: {kind}\ndata: {json.dumps(message.get('alert', message))}\n\n"
        except asyncio.CancelledError:
            raise
        finally:
            subscription.close()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# --- alerts ---------------------------------------------------------------------------------


@router.get("", response_model=Page[AlertRead], responses=responses(422))
async def list_alerts(
    session: SessionDep,
    status_: AlertStatus | None = Query(None, alias="status"),
    severity: Severity | None = None,
    camera_id: str | None = None,
    rule_id: uuid.UUID | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[AlertRead]:
    """Alerts, newest first, filtered by status, severity, camera, rule and creation time."""
    since_dt: datetime | None = since
    items, total = await alerts.list_alerts(
        session,
        status=status_,
        severity=severity,
        camera_id=camera_id,
        rule_id=rule_id,
        since=since_dt,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page(
        items=items, total=total, limit=limit, offset=offset, has_more=offset + len(items) < total
    )


@router.get("/{alert_id}", response_model=AlertRead, responses=responses(404))
async def get_alert(alert_id: uuid.UUID, session: SessionDep) -> AlertRead:
    return await alerts.get_alert(session, alert_id)


@router.post(
    "/{alert_id}/acknowledge", response_model=AlertRead, responses=responses(404, 409, 422)
)
async def acknowledge_alert(
    alert_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    data: AlertAcknowledge | None = None,
) -> AlertRead:
    """pending/delivered -> acknowledged. Send ``version_id`` to refuse a stale view (409)."""
    expected = data.version_id if data else None
    return await alerts.acknowledge(session, alert_id, expected_version=expected, actor=actor)


@router.post("/{alert_id}/dismiss", response_model=AlertRead, responses=responses(404, 409, 422))
async def dismiss_alert(
    alert_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    data: AlertDismiss | None = None,
) -> AlertRead:
    """Any status but dismissed -> dismissed, with an optional reason."""
    return await alerts.dismiss(
        session,
        alert_id,
        expected_version=data.version_id if data else None,
        actor=actor,
        reason=data.reason if data else None,
    )
