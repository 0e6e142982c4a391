"""Typed settings, read once from the environment (prefix ``VIGIL_``) and validated at start-up.

The database URL is the user-facing contract: plain ``postgresql://`` or ``sqlite:///`` URLs.
The async driver is an internal detail chosen here, so users never type ``+asyncpg``.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """A configuration problem, reported to the operator as one line."""


@dataclass(frozen=True)
class ApiKey:
    """An API key as Vigil holds it: name, scope and the SHA-256 of the secret, never the key."""

    name: str
    digest: bytes
    read_only: bool = False


def hash_api_key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="ignore", frozen=True)

    # --- core -----------------------------------------------------------------------------
    data_dir: Path = Path("./vigil-data")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # ``name:key`` or ``name:key:read`` entries, comma separated. Keys are hashed on load.
    api_keys: str = Field(default="", repr=False)
    trusted_proxies: str = ""
    # Requests bigger than this are refused with 413 before they are parsed.
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    # Severity bands for risk scores (upper bounds, inclusive): low ≤ 29 < medium ≤ 59 < high ≤ 84.
    severity_low_max: int = Field(default=29, ge=0, le=100)
    severity_medium_max: int = Field(default=59, ge=0, le=100)
    severity_high_max: int = Field(default=84, ge=0, le=100)
    # Run background work (embedded worker, samplers) inside ``vigil serve``.
    embedded_worker: bool = True
    background_tasks: bool = True

    # --- feature settings: each area adds its own below, in its own block ------------------

    # alerting / notifications (vigil.alerting, vigil.notify): seconds one webhook or Apprise
    # send may take before the attempt counts as failed (the delivery job then retries).
    notify_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    # re-identification
    reid_dimension: int = Field(default=512, ge=8, le=4096)
    # (vigil.reid) default cosine threshold of /api/reid searches; matches at or above it are
    # reported as "probably the same subject", never as a confirmed identity.
    reid_similarity_threshold: float = Field(default=0.85, ge=-1.0, le=1.0)
    # Load the in-process search index when ``vigil serve`` starts, not on the first search.
    reid_preload: bool = True

    # camera zones (vigil.zones): which point of a detection's bbox decides its zone.
    # bottom_center = where a person or vehicle touches the ground (Frigate's choice, default);
    # center = the middle of the box. Either is normalised by the detection's own image size.
    zone_anchor: Literal["bottom_center", "center"] = "bottom_center"

    # scene understanding: activity/class baselines and anomaly scores (vigil.baselines)
    # EWMA weight of the newest hour slot (the first slots use a plain running mean, 1/n).
    baseline_alpha: float = Field(default=0.1, gt=0.0, le=1.0)
    # Slots a baseline row must have learned before events are scored against it.
    baseline_min_samples: int = Field(default=4, ge=1, le=10_000)
    # Score cutoff for an anomaly: score = 1 - P(count >= observed | learned rate).
    baseline_anomaly_threshold: float = Field(default=0.99, ge=0.5, lt=1.0)
    # Hour slots (hour of day, weekday) are taken in this IANA time zone: homes live in local time.
    baseline_timezone: str = "UTC"
    # An hour slot is closed (folded into the EWMA) this long after it ends, so detections that
    # arrive a little late still count in it.
    baseline_close_grace_seconds: int = Field(default=300, ge=0, le=86_400)

    # reliability and access control (vigil.keys, core/security.py, core/middleware.py, core/db.py)
    # Database keys (``vigil keys create``) are re-read at most this often by each server.
    api_key_cache_seconds: float = Field(default=5.0, ge=0, le=3600)
    # Wrong API keys per client IP before it gets 429 for the rest of the window.
    auth_failure_limit: int = Field(default=10, ge=1, le=100_000)
    auth_failure_window_seconds: float = Field(default=60.0, gt=0, le=86_400)
    # JSON bodies nested deeper than this are refused (422) before they are parsed.
    max_json_depth: int = Field(default=64, ge=4, le=10_000)
    # PostgreSQL: give up connecting / on one statement / waiting for a pooled connection after
    # this long, so an outage answers 503 quickly instead of hanging requests.
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    db_command_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    # monitoring: GPU telemetry (vigil.telemetry)
    gpu_sampler_enabled: bool = True
    gpu_poll_interval_seconds: float = Field(default=5.0, ge=1, le=60)
    # monitoring: application logs in the database (vigil.logs). INFO, not DEBUG, by default:
    # DEBUG records into the table are a heavy write load for little value.
    log_db_enabled: bool = True
    log_db_min_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_db_batch_size: int = Field(default=200, ge=1, le=5000)
    log_db_flush_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    # Records held in memory while the database is slow or down; beyond this they are dropped
    # (and counted in /api/logs/stats).
    log_db_buffer_size: int = Field(default=10_000, ge=10, le=1_000_000)
    # browser logs: token bucket per client IP (entries per second, bucket size), size limits
    frontend_log_rate_per_second: float = Field(default=5.0, gt=0, le=10_000)
    frontend_log_burst: int = Field(default=100, ge=1, le=100_000)
    frontend_log_max_message_chars: int = Field(default=4000, ge=100, le=100_000)
    frontend_log_max_extra_bytes: int = Field(default=8192, ge=256, le=1_000_000)

    # dashboard (vigil.web): signed session cookie set by the sign-in page. An empty secret
    # derives one from the configured API keys (stable across processes with the same keys).
    session_secret: str = Field(default="", repr=False)
    session_max_age_seconds: int = Field(default=43_200, ge=300, le=2_592_000)

    # jobs (vigil.jobs): workers, retries, crash recovery, schedules
    # PostgreSQL workers wake on LISTEN/NOTIFY; this poll is only the fallback (and finds jobs
    # whose run_at/next_retry_at came due). SQLite has no NOTIFY, so it polls more often.
    job_poll_interval_seconds: float = Field(default=5.0, gt=0, le=300)
    job_sqlite_poll_interval_seconds: float = Field(default=0.5, gt=0, le=60)
    job_worker_concurrency: int = Field(default=4, ge=1, le=256)
    # A worker silent for job_stall_timeout_seconds is presumed dead; its jobs are retried.
    job_heartbeat_interval_seconds: float = Field(default=5.0, gt=0, le=300)
    job_stall_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # SIGTERM: running jobs get this long to finish, then are released back to the queue.
    job_shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=3600)
    # A running job that ignores a cancel request this long is stopped by the worker.
    job_cancel_grace_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Retry backoff: base * 2**(attempt-1), capped, plus up to 25 % jitter.
    job_retry_base_seconds: float = Field(default=5.0, ge=0, le=3600)
    job_retry_max_seconds: float = Field(default=600.0, ge=0, le=86_400)
    # Periodic jobs: how often workers look at the schedules; a tick later than the lateness
    # (the system was down) is skipped, not replayed.
    job_periodic_enabled: bool = True
    job_periodic_check_seconds: float = Field(default=5.0, gt=0, le=300)
    job_periodic_max_lateness_seconds: float = Field(default=600.0, gt=0, le=86_400)

    # retention (vigil.retention): ages in days, 0 keeps forever. Events with feedback or an
    # AI audit are always kept (and counted in the job result), as are audit_logs.
    retention_cron: str = "0 3 * * *"
    retention_events_days: int = Field(default=30, ge=0, le=36_500)
    retention_gpu_stats_days: int = Field(default=30, ge=0, le=36_500)
    retention_logs_days: int = Field(default=7, ge=0, le=36_500)
    retention_jobs_days: int = Field(default=30, ge=0, le=36_500)
    retention_chunk_size: int = Field(default=1000, ge=1, le=100_000)

    # trust: audit trail, feedback calibration, AI-pipeline quality audits (vigil.audit,
    # vigil.feedback, vigil.quality)
    # Audit rows older than this many days are pruned by ``vigil audit prune``/the audit.prune
    # job (the chain stays verifiable through its anchor); 0 keeps them forever.
    audit_retention_days: int = Field(default=0, ge=0, le=36_500)
    # Calibration adjusts once per window of this many new feedbacks, by at most max_step points;
    # user thresholds never drift more than max_shift from their defaults, camera offsets stay
    # within +/- camera_offset_limit.
    calibration_window: int = Field(default=20, ge=1, le=10_000)
    calibration_max_step: int = Field(default=5, ge=1, le=50)
    calibration_max_shift: int = Field(default=20, ge=1, le=100)
    calibration_camera_offset_limit: int = Field(default=30, ge=1, le=100)
    # OpenAI-compatible chat-completions endpoint for quality evaluation (e.g. llama.cpp's
    # server); unset disables evaluation. The key is sent as a Bearer token, never logged.
    llm_url: str | None = None
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_model: str = "local"
    llm_connect_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    llm_timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    llm_max_retries: int = Field(default=2, ge=0, le=10)

    @field_validator("severity_high_max")
    @classmethod
    def _bands_increase(cls, high: int, info: object) -> int:
        data = getattr(info, "data", {})
        low, medium = data.get("severity_low_max", 29), data.get("severity_medium_max", 59)
        if not (low < medium < high):
            raise ValueError("severity bands must increase: low_max < medium_max < high_max")
        return high

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        to_async_url(value)  # raises ValueError with a readable message
        return value

    @field_validator("baseline_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("api_keys")
    @classmethod
    def _check_keys(cls, value: str) -> str:
        parse_api_keys(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for item in _split(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"trusted proxy {item!r} is not an IP address or network") from exc
        return value

    @cached_property
    def async_database_url(self) -> URL:
        if self.database_url:
            return to_async_url(self.database_url)
        return URL.create("sqlite+aiosqlite", database=str(self.data_dir / "vigil.db"))

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.get_backend_name() == "sqlite"

    @cached_property
    def keys(self) -> tuple[ApiKey, ...]:
        return parse_api_keys(self.api_keys)

    @property
    def auth_enabled(self) -> bool:
        return bool(self.keys)

    @cached_property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(p, strict=False) for p in _split(self.trusted_proxies))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_api_keys(value: str) -> tuple[ApiKey, ...]:
    keys: list[ApiKey] = []
    for entry in _split(value):
        parts = entry.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise ValueError("each API key entry must be 'name:key' or 'name:key:read'")
        if len(parts[1]) < 16:
            raise ValueError(f"API key {parts[0]!r} is shorter than 16 characters")
        if len(parts) == 3 and parts[2] not in ("read", "write"):
            raise ValueError(f"API key {parts[0]!r}: scope must be 'read' or 'write'")
        keys.append(
            ApiKey(parts[0], hash_api_key(parts[1]), len(parts) == 3 and parts[2] == "read")
        )
    return tuple(keys)


def to_async_url(raw: str) -> URL:
    """Turn a user's ``postgresql://`` or ``sqlite:///`` URL into the async-driver URL."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ValueError(f"not a valid URL: {raw!r}") from exc
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("SQLite needs a file path, e.g. sqlite:///vigil.db")
        return url.set(drivername="sqlite+aiosqlite")
    raise ValueError(f"unsupported database {backend!r}; use postgresql:// or sqlite:///")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation failures into one readable ``ConfigError`` line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"VIGIL_{'_'.join(str(p) for p in err['loc']).upper()}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            if err["loc"]
            else err["msg"]
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None
