"""`vigil alerts` and `vigil rules` as a user runs them: a real process on the test database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
import pytest

from tests.alerting.helpers import camera, created, ingest, rule

pytestmark = pytest.mark.usefixtures("backend")
VIGIL = str(Path(sys.executable).parent / "vigil")


async def _vigil(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "VIGIL_DATABASE_URL": database_url,
        "VIGIL_DATA_DIR": str(tmp_path),
        "COLUMNS": "200",
    }
    proc = await asyncio.create_subprocess_exec(
        VIGIL, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_alerts_and_rules_cli(
    client: httpx.AsyncClient, database_url: str, tmp_path: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("each `vigil` start costs seconds; the services are tested on both databases")
    cam = await camera(client)
    r = await rule(client, name="CLI rule", risk_threshold=50, cooldown_seconds=0)
    (first,) = created(await ingest(client, cam, risk_score=90))
    (second,) = created(await ingest(client, cam, risk_score=95))
    await ingest(client, cam, risk_score=10)

    code, out = await _vigil(database_url, tmp_path, "alerts", "list", "--json")
    assert code == 0, out
    assert {json.loads(line)["id"] for line in out.splitlines()} == {first, second}

    code, out = await _vigil(database_url, tmp_path, "alerts", "ack", first)
    assert code == 0 and "acknowledged" in out, out
    code, out = await _vigil(database_url, tmp_path, "alerts", "ack", first)
    assert code == 1 and "cannot move alert" in out
    code, out = await _vigil(database_url, tmp_path, "alerts", "dismiss", second, "--reason", "cat")
    assert code == 0 and "dismissed" in out, out
    code, out = await _vigil(database_url, tmp_path, "rules", "test", r["id"], "--limit", "10")
    assert code == 0 and "2 of 3 events matched" in out, out
