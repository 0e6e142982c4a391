"""Dashboard sign-in: key in, signed HttpOnly SameSite=Strict cookie out; pages and /api accept
the cookie; forged, expired or cross-site use is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from vigil.app import create_app
from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.core.session import SESSION_COOKIE, issue_session_token, verify_session_token
from vigil.models import AuditLog

ADMIN_KEY = "admin-key-0123456789abcdef"
VIEWER_KEY = "viewer-key-0123456789abcdef"


@pytest.fixture
async def secured(
    database_url: str, db: Database, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        background_tasks=False,
        embedded_worker=False,
        api_keys=f"admin:{ADMIN_KEY},viewer:{VIEWER_KEY}:read",
    )
    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.app_settings = settings  # type: ignore[attr-defined]
        yield client


async def _sign_in(client: httpx.AsyncClient, key: str, next_path: str = "/") -> httpx.Response:
    return await client.post("/signin", data={"api_key": key, "next": next_path})


async def test_sign_in_flow(secured: httpx.AsyncClient, db: Database) -> None:
    page = await secured.get("/alerts?status=all")
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=%2Falerts%3Fstatus%3Dall"
    # htmx fragments get a client-side redirect instead of a sign-in page swapped in.
    fragment = await secured.get("/alerts/_list", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"].startswith("/signin")

    wrong = await _sign_in(secured, "not-the-key-at-all-xxxx")
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert SESSION_COOKIE not in wrong.cookies

    ok = await _sign_in(secured, ADMIN_KEY, "/alerts?status=all")
    assert ok.status_code == 303 and ok.headers["location"] == "/alerts?status=all"
    cookie_header = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=strict" in cookie_header
    token = ok.cookies[SESSION_COOKIE]
    assert ADMIN_KEY not in token and ADMIN_KEY not in cookie_header  # the key never leaves
    assert (await secured.get("/alerts?status=all")).status_code == 200
    assert (await secured.get("/api/cameras")).status_code == 200  # /api accepts the cookie

    async with db.sessionmaker() as session:
        trail = (await session.scalars(select(AuditLog).where(AuditLog.action == "sign_in"))).all()
    assert [(a.actor, a.status) for a in trail] == [("anonymous", "failure"), ("admin", "success")]

    out = await secured.post("/signout")
    assert out.status_code == 303
    secured.cookies.clear()
    assert (await secured.get("/")).status_code == 303


async def test_cookie_writes_need_a_script_header(secured: httpx.AsyncClient) -> None:
    await _sign_in(secured, ADMIN_KEY)
    body = {"name": "Porch Cam"}
    # A cross-site form post would carry the cookie (if SameSite failed) but no custom header.
    assert (await secured.post("/api/cameras", json=body)).status_code == 401
    created = await secured.post(
        "/api/cameras", json=body, headers={"X-Requested-With": "vigil-dashboard"}
    )
    assert created.status_code == 201


async def test_read_only_key_session_cannot_write(secured: httpx.AsyncClient) -> None:
    await _sign_in(secured, VIEWER_KEY)
    assert (await secured.get("/")).status_code == 200
    refused = await secured.post(
        "/api/cameras", json={"name": "X"}, headers={"X-Requested-With": "vigil-dashboard"}
    )
    assert refused.status_code == 403


async def test_forged_and_expired_tokens_are_refused(secured: httpx.AsyncClient) -> None:
    settings = secured.app_settings  # type: ignore[attr-defined]
    admin = next(k for k in settings.keys if k.name == "admin")
    good = issue_session_token(settings, settings.keys, admin)
    assert verify_session_token(settings, good, settings.keys) == admin
    version, name, expires, signature = good.split(".")
    tampered = ".".join((version, name, str(int(expires) + 10_000), signature))
    expired = issue_session_token(settings, settings.keys, admin, now=0)
    for token in (tampered, expired, "garbage", "v1.!!.1.x", ""):
        assert verify_session_token(settings, token, settings.keys) is None
        secured.cookies.set(SESSION_COOKIE, token)
        assert (await secured.get("/")).status_code == 303
        assert (await secured.get("/api/cameras")).status_code == 401
    # A token dies with its key: the same token against settings without that key.
    others = tuple(k for k in settings.keys if k.name != "admin")
    assert verify_session_token(settings, good, others) is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil", ""])
async def test_sign_in_never_redirects_off_site(secured: httpx.AsyncClient, target: str) -> None:
    response = await _sign_in(secured, ADMIN_KEY, target)
    assert response.headers["location"] == "/"


async def test_without_keys_pages_are_open(client: httpx.AsyncClient) -> None:
    assert (await client.get("/")).status_code == 200
    assert (await client.post("/signin", data={"api_key": "x"})).status_code == 303
