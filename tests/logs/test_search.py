from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.models import Log

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

ROWS = [
    # (minutes after T0, level, component, message, camera)
    (0, "ERROR", "cameras", "Camera connection failed after 3 retries", "front_door"),
    (1, "INFO", "cameras", "Camera connection established", "front_door"),
    (2, "WARNING", "detector", "Detector failing to keep up with the frame rate", "garage"),
    (3, "ERROR", "notify", "Webhook delivery failed: timeout", None),
    (4, "INFO", "events", "Event stored for the garage camera", "garage"),
    (5, "INFO", "events", "Connection pool resized", None),
    (6, "DEBUG", "jobs", "Job queue idle", None),
]


async def seed(session: AsyncSession) -> list[int]:
    logs = [
        Log(
            timestamp=T0 + timedelta(minutes=m),
            level=level,
            component=component,
            message=message,
            camera_id=camera,
        )
        for m, level, component, message, camera in ROWS
    ]
    session.add_all(logs)
    await session.commit()
    return [log.id for log in logs]


async def messages(client: httpx.AsyncClient, **params: object) -> list[str]:
    r = await client.get("/api/logs", params=params)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return [item["message"] for item in r.json()["items"]]


async def test_stemming_failing_finds_failed(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed(session)
    found = await messages(client, q="failing")
    assert set(found) == {
        "Camera connection failed after 3 retries",
        "Detector failing to keep up with the frame rate",
        "Webhook delivery failed: timeout",
    }
    assert found[0] == "Webhook delivery failed: timeout"  # newest first


async def test_phrase_negation_and_or(session: AsyncSession, client: httpx.AsyncClient) -> None:
    await seed(session)
    assert await messages(client, q='"connection failed"') == [
        "Camera connection failed after 3 retries"
    ]
    # all words must match, order free; a phrase needs adjacency
    assert await messages(client, q="failed connection") == [
        "Camera connection failed after 3 retries"
    ]
    assert await messages(client, q='"failed connection"') == []
    assert await messages(client, q="connection -camera") == ["Connection pool resized"]
    assert await messages(client, q='connection -"pool resized" -failed') == [
        "Camera connection established"
    ]
    assert await messages(client, q="webhook or detector") == [
        "Webhook delivery failed: timeout",
        "Detector failing to keep up with the frame rate",
    ]


async def test_pure_negation_matches_everything_else(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed(session)
    found = await messages(client, q="-connection -camera")
    assert found == [
        "Job queue idle",
        "Webhook delivery failed: timeout",
        "Detector failing to keep up with the frame rate",
    ]


async def test_filters_combine_with_text(session: AsyncSession, client: httpx.AsyncClient) -> None:
    await seed(session)
    assert await messages(client, q="failed", level="error", camera_id="front_door") == [
        "Camera connection failed after 3 retries"
    ]
    assert await messages(client, level="ERROR,warning", component="detector") == [
        "Detector failing to keep up with the frame rate"
    ]
    found = await messages(
        client,
        q="connection",
        since=(T0 + timedelta(minutes=1)).isoformat(),
        until=(T0 + timedelta(minutes=5)).isoformat(),
    )
    assert found == ["Connection pool resized", "Camera connection established"]
    assert await messages(client, source="frontend") == []


async def test_cursor_pages_walk_everything_once(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    ids = await seed(session)
    # two rows with the same timestamp: the id breaks the tie
    session.add(Log(timestamp=T0, level="INFO", component="x", message="twin of the first"))
    await session.commit()
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get("/api/logs", params=params)).json()  # type: ignore[arg-type]
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        cursor = body["next_cursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == len(ids) + 1


async def test_cursor_with_text_search(session: AsyncSession, client: httpx.AsyncClient) -> None:
    await seed(session)
    first = (await client.get("/api/logs", params={"q": "failed", "limit": 2})).json()
    assert first["has_more"] is True
    second = (
        await client.get(
            "/api/logs", params={"q": "failed", "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [i["message"] for i in second["items"]] == ["Camera connection failed after 3 retries"]
    assert second["has_more"] is False


ODD_QUERIES = [
    '"unterminated phrase',
    "a AND (b",
    "NEAR(camera connection, 2)",
    "message:camera",
    "camera*",
    "^camera",
    "'; DROP TABLE logs; --",
    "- -- ---",
    '""',
    "or or or",
    "camera OR",
    "!!camera && | <->",
    "\u00e9v\u00e9nement \u2603 \U0001f600",
]


async def test_arbitrary_syntax_never_errors(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed(session)
    for q in ODD_QUERIES:
        r = await client.get("/api/logs", params={"q": q})
        assert r.status_code in (200, 422), (q, r.text)
        if r.status_code == 422:
            assert r.json()["error"] == "invalid_query"


async def test_bad_input_is_4xx(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/logs", params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_range"
    for cursor in ("garbage", "eyJ0IjoxfQ", "!!"):
        r = await client.get("/api/logs", params={"cursor": cursor})
        assert r.status_code == 422 and r.json()["error"] == "invalid_cursor"
    r = await client.get("/api/logs", params={"level": "LOUD"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_level"
    r = await client.get("/api/logs", params={"q": "x" * 501})
    assert r.status_code == 422
    r = await client.get("/api/logs", params={"q": "bad\x00byte"})
    assert r.status_code == 422
    assert (await client.get("/api/logs/999999")).status_code == 404
    assert (await client.get(f"/api/logs/{2**40}")).status_code == 422
    r = await client.get("/api/logs", params={"since": "0001-01-01T00:00:00+05:00"})
    assert r.status_code == 422


async def test_get_one_and_stats(session: AsyncSession, client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    session.add_all(
        [
            Log(timestamp=now, level="ERROR", component="cameras", message="a"),
            Log(timestamp=now, level="ERROR", component="cameras", message="b"),
            Log(timestamp=now, level="WARNING", component="jobs", message="c"),
            Log(timestamp=now - timedelta(days=2), level="ERROR", component="old", message="d"),
        ]
    )
    await session.commit()
    stats = (await client.get("/api/logs/stats")).json()
    assert stats["total_today"] == 3
    assert stats["errors_today"] == 2 and stats["warnings_today"] == 1
    assert stats["by_component"] == {"cameras": 2, "jobs": 1}
    assert stats["top_component"] == "cameras"
    assert stats["dropped"] == 0 and stats["db_handler_active"] is False
    listed = (await client.get("/api/logs", params={"limit": 1})).json()["items"][0]
    one = (await client.get(f"/api/logs/{listed['id']}")).json()
    assert one == listed
