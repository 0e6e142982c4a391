"""Dashboard sign-in: an API key in, an HttpOnly SameSite=Strict session cookie out.

The cookie holds a signed token (``core/session.py``), never the key. Pages check it here;
``/api`` accepts it too (``core/security.authenticate``), so htmx calls from the pages work.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigil.core.config import Settings
from vigil.core.logging import get_logger
from vigil.core.security import (
    LOCAL_ACTOR,
    auth_throttle,
    client_ip,
    configured_keys,
    find_key,
)
from vigil.core.session import SESSION_COOKIE, issue_session_token, verify_session_token
from vigil.web.availability import optional_attr
from vigil.web.render import render

log = get_logger("web")
router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def safe_next(value: str | None) -> str:
    """Only same-site paths: never ``//host`` or a scheme, so sign-in is no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def require_page_session(request: Request) -> str:
    """Page dependency: the actor, or ``SignInRequired`` when keys exist and no valid cookie."""
    settings: Settings = request.app.state.settings
    keys = await configured_keys(request, settings)
    request.state.auth_enabled = bool(keys)
    if not keys:
        request.state.actor = LOCAL_ACTOR
        return LOCAL_ACTOR
    token = request.cookies.get(SESSION_COOKIE)
    key = verify_session_token(settings, token, keys) if token else None
    if key is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    request.state.actor = key.name
    return key.name


async def _sign_in_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    location = "/signin?next=" + quote(safe_next(exc.next_path), safe="")
    if request.headers.get("hx-request"):
        # htmx fragment: make the browser navigate instead of swapping a sign-in page in.
        return Response(status_code=200, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def install_sign_in_handler(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_redirect)


async def _audit(request: Request, *, action: str, actor: str, ok: bool, ip: str) -> None:
    """Sign-ins are not /api calls, so the audit middleware does not see them: record them in
    the same hash-chained trail (when the audit area is installed). Never the presented key."""
    append = optional_attr("vigil.audit.chain", "append")
    if append is None:
        return
    agent = request.headers.get("user-agent")
    async with request.app.state.db.transaction() as session:
        await append(
            session,
            action=action,
            resource_type="session",
            actor=actor,
            ip_address=ip if ip != "unknown" else None,
            user_agent=agent[:500] if agent else None,
            status="success" if ok else "failure",
        )


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "signin.html", {"next": safe_next(next), "error": None})


@router.post("/signin", response_model=None)
async def sign_in(
    request: Request,
    api_key: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    settings: Settings = request.app.state.settings
    keys = await configured_keys(request, settings)
    target = safe_next(next)
    if not keys:
        return RedirectResponse(target, status_code=303)
    ip = client_ip(request, settings) or "unknown"
    throttle = auth_throttle(request)
    wait = throttle.retry_after(ip)
    if wait is not None:
        error = f"Too many failed attempts from this address; try again in {wait} s."
        return render(request, "signin.html", {"next": target, "error": error}, status=429)
    key = find_key(keys, api_key.strip()) if api_key.strip() else None
    if key is None:
        throttle.record_failure(ip)
        log.warning("web.sign_in_failed", client_ip=ip)
        await _audit(request, action="sign_in", actor="anonymous", ok=False, ip=ip)
        return render(
            request, "signin.html", {"next": target, "error": "That API key is not valid."}, 401
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issue_session_token(settings, keys, key),
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    log.info("web.signed_in", actor=key.name, client_ip=ip)
    await _audit(request, action="sign_in", actor=key.name, ok=True, ip=ip)
    return response


@router.post("/signout")
async def sign_out() -> RedirectResponse:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
