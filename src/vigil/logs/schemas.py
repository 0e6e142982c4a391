"""API shapes of the logs area."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from vigil.core.schemas import ReadModel, StrictModel

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL", "LOG": "INFO", "TRACE": "DEBUG"}
# Hard ceiling for the schema; the configurable, usually lower limit is checked by the service.
MESSAGE_HARD_LIMIT = 100_000


def normalise_level(value: object) -> object:
    if isinstance(value, str):
        upper = value.strip().upper()
        return _LEVEL_ALIASES.get(upper, upper)
    return value


class LogRead(ReadModel):
    id: int
    timestamp: datetime
    level: str
    component: str
    message: str
    camera_id: str | None
    event_id: int | None
    request_id: str | None
    detection_id: int | None
    duration_ms: int | None
    extra: dict[str, Any] | None
    source: str
    user_agent: str | None


class LogPage(BaseModel):
    """Newest first. ``next_cursor`` fetches the following (older) page; null on the last."""

    items: list[LogRead]
    limit: int
    has_more: bool
    next_cursor: str | None


class FrontendLogCreate(StrictModel):
    """A log entry from the browser. The level is case-insensitive (``warn`` is WARNING)."""

    level: LogLevel = "INFO"
    message: str = Field(min_length=1, max_length=MESSAGE_HARD_LIMIT)
    component: str = Field("frontend", min_length=1, max_length=50)
    camera_id: str | None = Field(None, max_length=100)
    event_id: int | None = Field(None, ge=0, le=2**31 - 1)
    detection_id: int | None = Field(None, ge=0, le=2**31 - 1)
    request_id: str | None = Field(None, max_length=36)
    duration_ms: int | None = Field(None, ge=0, le=2**31 - 1)
    url: str | None = Field(None, max_length=2000)
    user_agent: str | None = Field(None, max_length=1000)
    extra: dict[str, Any] | None = None

    _level = field_validator("level", mode="before")(normalise_level)

    @field_validator("message", "component", "camera_id", "request_id", "url", "user_agent")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL text cannot hold NUL; refuse it instead of failing at insert time.
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class FrontendLogBatch(StrictModel):
    entries: list[FrontendLogCreate] = Field(min_length=1, max_length=100)


class FrontendBatchResult(BaseModel):
    created: int
    ids: list[int]


class LogStats(BaseModel):
    """Counts since 00:00 UTC today, plus this process's database-handler counters."""

    since: datetime
    total_today: int
    errors_today: int
    warnings_today: int
    by_level: dict[str, int]
    by_component: dict[str, int]
    top_component: str | None
    db_handler_active: bool
    dropped: int
    pending: int
