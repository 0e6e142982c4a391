"""A stand-in for the worker's ``JobContext``, to call task functions directly in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vigil.core.config import Settings
from vigil.core.db import Database


@dataclass
class FakeJobContext:
    db: Database
    settings: Settings
    attempt: int = 1
    job_id: str = "test-job"
    job_type: str = "test"
    logs: list[tuple[str, str]] = field(default_factory=list)

    async def log(self, level: str, message: str, **context: Any) -> None:
        self.logs.append((level, message))

    async def progress(self, percent: int, step: str | None = None) -> None:
        return None

    async def check_cancelled(self) -> None:
        return None
