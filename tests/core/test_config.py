from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vigil.core.config import ConfigError, load_settings, parse_api_keys, to_async_url


def test_plain_urls_get_async_drivers() -> None:
    assert to_async_url("postgresql://u:p@h/db").drivername == "postgresql+asyncpg"
    socket_url = to_async_url("postgresql://u@/db?host=/run/pg")
    assert socket_url.query["host"] == "/run/pg"
    assert to_async_url("sqlite:///x/vigil.db").drivername == "sqlite+aiosqlite"


def test_default_is_sqlite_under_data_dir(tmp_path: os.PathLike[str]) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.is_sqlite
    assert settings.async_database_url.database == f"{tmp_path}/vigil.db"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"database_url": "mysql://x/y"}, "VIGIL_DATABASE_URL: unsupported database 'mysql'"),
        ({"database_url": "sqlite://"}, "SQLite needs a file path"),
        ({"api_keys": "admin:short"}, "shorter than 16"),
        ({"trusted_proxies": "not-an-ip"}, "VIGIL_TRUSTED_PROXIES"),
        ({"port": 0}, "VIGIL_PORT"),
    ],
)
def test_bad_config_is_one_clear_line(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(**overrides)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_keys_are_held_hashed() -> None:
    keys = parse_api_keys("admin:0123456789abcdef0123,viewer:fedcba9876543210fedc:read")
    assert [k.name for k in keys] == ["admin", "viewer"]
    assert keys[1].read_only and not keys[0].read_only
    assert all(len(k.digest) == 32 and b"0123456789" not in k.digest for k in keys)


def _vigil(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_cli_reports_bad_config_without_traceback() -> None:
    result = _vigil("db", "current", VIGIL_DATABASE_URL="mysql://x/y")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unsupported database" in result.stderr


def test_serve_refuses_public_bind_without_keys(tmp_path: os.PathLike[str]) -> None:
    result = _vigil("serve", "--host", "0.0.0.0", VIGIL_DATA_DIR=str(tmp_path), VIGIL_API_KEYS="")
    assert result.returncode == 2
    assert "refusing to listen" in result.stderr
