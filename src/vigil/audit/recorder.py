"""The audit mechanism for every mutating ``/api`` call, whoever wrote the route.

* Success: ``AuditSessionHook`` (registered in ``app.state.session_hooks``) appends the row inside
  the request's own transaction, just before it commits, so the change and its audit row commit
  or roll back together. Details are the before/after of what the session wrote.
* Anything else (401/403/404/409/413/422, 5xx, or a route that never opened the request
  transaction): ``AuditMiddleware`` sees the final status and, when no row was committed for the
  request, appends one in its own transaction after the request's rollback.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vigil.audit.capture import ChangeCapture
from vigil.audit.chain import append
from vigil.audit.context import (
    actor_of,
    address_of,
    is_audited,
    route_action,
    user_agent_of,
)
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.logging import get_logger, redact

log = get_logger("audit")

_CAPTURE = "audit_capture"
_PENDING = "audit_pending"
_RECORDED = "audit_recorded"
MAX_ERROR_BODY = 4096


def _row_fields(request: Request, settings: Settings) -> dict[str, Any]:
    described = route_action(request)
    return {
        "action": described.action,
        "resource_type": described.resource_type,
        "resource_id": described.resource_id,
        "actor": actor_of(request),
        "ip_address": address_of(request, settings),
        "user_agent": user_agent_of(request),
    }


class AuditSessionHook:
    """Writes the success row in the request's transaction (see ``core.db.RequestSessionHook``)."""

    def began(self, request: Request, session: AsyncSession) -> None:
        if not is_audited(request.method, request.url.path):
            return
        capture = ChangeCapture()
        capture.attach(session.sync_session)
        setattr(request.state, _CAPTURE, capture)

    async def before_commit(self, request: Request, session: AsyncSession) -> None:
        capture: ChangeCapture | None = getattr(request.state, _CAPTURE, None)
        if capture is None:
            return
        await session.flush()  # so the capture sees every pending change
        settings: Settings = request.app.state.settings
        fields = _row_fields(request, settings)
        described = route_action(request)
        if described.creates:
            fields["resource_id"] = capture.created_id(described.resource_type)
        details = {"method": request.method, "path": request.url.path, **capture.details()}
        await append(session, **fields, details=redact(details), status="success")
        setattr(request.state, _PENDING, True)

    def committed(self, request: Request) -> None:
        if getattr(request.state, _PENDING, False):
            setattr(request.state, _RECORDED, True)


def _error_code(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    code = parsed.get("error") if isinstance(parsed, dict) else None
    return str(code)[:100] if code is not None else None


class AuditMiddleware:
    """Records refused and failed mutating calls (and successes no session hook recorded)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_audited(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        status: int | None = None
        error_body = bytearray()

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and status is not None and status >= 400:
                room = MAX_ERROR_BODY - len(error_body)
                if room > 0:
                    error_body.extend(message.get("body", b"")[:room])
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception:
            await self._record(scope, 500, b"")
            raise
        if not scope.get("state", {}).get(_RECORDED):
            await self._record(scope, status or 500, bytes(error_body))

    async def _record(self, scope: Scope, status: int, body: bytes) -> None:
        request = Request(scope)
        app_state = scope["app"].state
        settings: Settings = app_state.settings
        database: Database = app_state.db
        failed = status >= 400
        details: dict[str, Any] = {
            "method": request.method,
            "path": request.url.path,
            "http_status": status,
        }
        if failed:
            details["error"] = _error_code(body) or "error"
            reason = getattr(request.state, "auth_failure", None)
            if reason:
                details["auth_failure"] = reason
        else:
            details["note"] = "the route did not use the request transaction; changes not captured"
        path_params = scope.get("path_params") or {}
        if path_params:
            details["path_params"] = {k: str(v)[:255] for k, v in path_params.items()}
        try:
            async with database.transaction() as session:
                await append(
                    session,
                    **_row_fields(request, settings),
                    details=redact(details),
                    status="failure" if failed else "success",
                )
        except Exception as exc:
            # The call already happened; losing its audit row must be loud, never silent.
            log.error(
                "audit.write_failed",
                path=request.url.path,
                http_status=status,
                error=type(exc).__name__,
            )
