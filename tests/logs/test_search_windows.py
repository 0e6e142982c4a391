"""Text search looks in widening recent windows first; pages must equal a brute-force answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.models import Log


async def seed(session: AsyncSession) -> list[tuple[datetime, int, str]]:
    now = datetime.now(UTC)
    rows = [
        # dense recently, sparse weeks ago; one row from a clock running ahead
        Log(
            timestamp=now - timedelta(minutes=i**1.7),
            level="INFO",
            component="w",
            message=("alpha" if i % 3 == 0 else "beta")
            + (" gamma" if i % 50 == 0 else "")
            + f" {i}",
        )
        for i in range(400)
    ]
    rows.append(
        Log(timestamp=now + timedelta(hours=1), level="INFO", component="w", message="alpha ahead")
    )
    session.add_all(rows)
    await session.commit()
    return [(r.timestamp, r.id, r.message) for r in rows]


def expected(
    rows: list[tuple[datetime, int, str]], keep: object, until: datetime | None
) -> list[int]:
    chosen = [r for r in rows if keep(r[2].split()) and (until is None or r[0] <= until)]  # type: ignore[operator]
    return [r[1] for r in sorted(chosen, key=lambda r: (r[0], r[1]), reverse=True)]


async def walk(client: httpx.AsyncClient, params: dict[str, object]) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = (
            await client.get(
                "/api/logs", params={**params, **({"cursor": cursor} if cursor else {})}
            )  # type: ignore[arg-type]
        ).json()
        ids += [item["id"] for item in page["items"]]
        if not page["has_more"]:
            return ids
        cursor = page["next_cursor"]


async def test_windowed_text_search_pages_are_exact(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    rows = await seed(session)
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    cases = [
        ("alpha", lambda w: "alpha" in w),
        ('"alpha"', lambda w: "alpha" in w),  # a phrase: windowed on PostgreSQL too
        ("gamma", lambda w: "gamma" in w),
        ("alpha or gamma", lambda w: "alpha" in w or "gamma" in w),
        ("-beta", lambda w: "beta" not in w),
    ]
    for q, keep in cases:
        for limit in (1, 7, 60):
            got = await walk(client, {"q": q, "limit": limit})
            assert got == expected(rows, keep, None), (q, limit)
        got = await walk(client, {"q": q, "limit": 9, "until": two_hours_ago.isoformat()})
        assert got == expected(rows, keep, two_hours_ago), (q, "until")
