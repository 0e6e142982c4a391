"""Browser-test fixtures: one real server per session, one Chromium, a signed-in page per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.web.server import CHROMIUM, CHROMIUM_ARGS, VigilServer, start_server
from vigil.core.db import Database

API_KEY = "browser-test-key-0123456789"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} not found: install Debian's chromium (make chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def vigil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VigilServer]:
    server = start_server(tmp_path_factory.mktemp("vigil-browser"), api_key=API_KEY)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def server_db(vigil_server: VigilServer) -> AsyncIterator[Database]:
    db = vigil_server.database()
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        instance = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            await instance.close()


async def sign_in(page: Any, server: VigilServer, path: str = "/") -> None:
    await page.goto(f"{server.url}{path}")
    if "/signin" in page.url:
        await page.get_by_label("API key").fill(API_KEY)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(lambda url: "/signin" not in url)


@pytest.fixture
async def page(browser: Any, vigil_server: VigilServer) -> AsyncIterator[Any]:
    context = await browser.new_context(timezone_id="Europe/Berlin")
    page = await context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await sign_in(page, vigil_server)
    try:
        yield page
    finally:
        await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
