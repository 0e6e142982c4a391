from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigil.cli import app
from vigil.core.db import Database


def test_create_list_revoke(
    database_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VIGIL_API_KEYS", "ops:ops-key-0123456789abcdef")
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "laptop", "--read-only"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert len(secret) >= 32
    again = runner.invoke(app, ["keys", "create", "laptop"])
    assert again.exit_code == 1
    clash = runner.invoke(app, ["keys", "create", "ops"])
    assert clash.exit_code == 1
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0
    assert "laptop" in listed.stdout and secret[:8] in listed.stdout and "read" in listed.stdout
    assert secret not in listed.stdout
    assert "ops" in listed.stdout
    assert runner.invoke(app, ["keys", "revoke", "laptop"]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", "nobody"]).exit_code == 1


def test_serve_refuses_public_bind_without_any_key(
    database_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", database_url)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("VIGIL_API_KEYS", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "vigil keys create" in result.output
