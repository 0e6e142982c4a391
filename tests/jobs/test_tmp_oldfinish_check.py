import asyncio
from typing import Any

import pytest

from tests.jobs.test_worker_outage import outage_db, pg, test_worker_survives_postgres_restart  # noqa
from vigil.jobs.worker import Worker


async def _old_finish(self: Any, fn: Any, *args: Any) -> None:
    for attempt in range(5):
        try:
            await fn(self.db, *args)
            return
        except Exception:
            await asyncio.sleep(min(10.0, 0.5 * 2**attempt))


@pytest.fixture(autouse=True)
def old(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Worker, "_finish", _old_finish)
