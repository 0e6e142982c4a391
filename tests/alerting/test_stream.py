"""Live updates over Server-Sent Events through a real HTTP server (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from tests.alerting.helpers import camera, created, ingest, rule

pytestmark = pytest.mark.usefixtures("backend")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def live(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            yield c
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        broadcaster = getattr(app.state, "broadcaster", None)
        if broadcaster is not None:  # created lazily (no lifespan services in tests)
            await broadcaster.close()


async def _events(lines: AsyncIterator[str], wanted: int) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    kind = ""
    async for line in lines:
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            found.append((kind, json.loads(line[6:])))
            if len(found) == wanted:
                break
    return found


async def test_sse_pushes_created_and_updated(live: httpx.AsyncClient) -> None:
    cam = await camera(live)
    await rule(live, cooldown_seconds=0)
    async with live.stream("GET", "/api/alerts/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        assert await anext(lines) == ": connected"
        (alert_id,) = created(await ingest(live, cam))
        # The request session commits after the response is sent (FastAPI's default scope for
        # yield dependencies), so the alert may become visible a moment after the 201.
        for _ in range(50):
            ack = await live.post(f"/api/alerts/{alert_id}/acknowledge")
            if ack.status_code != 404:
                break
            await asyncio.sleep(0.05)
        assert ack.status_code == 200, ack.text
        events = await asyncio.wait_for(_events(lines, 2), 10)
    assert [(k, e["id"]) for k, e in events] == [
        ("alert.created", alert_id),
        ("alert.updated", alert_id),
    ]
    assert events[0][1]["camera_id"] == cam and events[1][1]["status"] == "acknowledged"
