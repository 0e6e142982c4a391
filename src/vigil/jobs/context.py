"""What a running job's code sees: ``ctx.log``, ``ctx.progress``, ``ctx.check_cancelled``.

Each call writes in its own short transaction so progress and logs are visible to the API while
the job is still running (the job's own work commits separately, through ``ctx.db``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.logging import get_logger, redact
from vigil.jobs.clock import utcnow
from vigil.jobs.registry import JobCancelled
from vigil.models.job import JOB_LOG_LEVELS, Job, JobLog

log = get_logger("jobs")

# How often ``check_cancelled`` asks the database, at most (it is called in tight loops).
CANCEL_CHECK_INTERVAL_SECONDS = 0.5
MAX_STEP_CHARS = 255
JOBS = cast(Table, Job.__table__)


class RunContext:
    """The ``JobContext`` of one attempt."""

    def __init__(
        self, *, job_id: str, job_type: str, attempt: int, db: Database, settings: Settings
    ) -> None:
        self.job_id = job_id
        self.job_type = job_type
        self.attempt = attempt
        self.db = db
        self.settings = settings
        self.cancel_requested = False
        self._last_cancel_check = 0.0

    async def log(self, level: str, message: str, **context: Any) -> None:
        level = level.lower()
        if level not in JOB_LOG_LEVELS:
            raise ValueError(f"log level must be one of {JOB_LOG_LEVELS}, not {level!r}")
        async with self.db.transaction() as s:
            await s.execute(
                insert(cast(Table, JobLog.__table__)).values(
                    id=uuid.uuid4(),
                    job_id=self.job_id,
                    attempt_number=self.attempt,
                    timestamp=utcnow(),
                    level=level,
                    message=message,
                    context=redact(context) or None,
                )
            )

    async def progress(self, percent: int, step: str | None = None) -> None:
        percent = max(0, min(100, int(percent)))
        values: dict[str, Any] = {"progress_percent": percent}
        if step is not None:
            values["current_step"] = step[:MAX_STEP_CHARS]
        async with self.db.transaction() as s:
            await s.execute(
                update(JOBS)
                .where(JOBS.c.id == self.job_id, JOBS.c.status == "running")
                .values(**values)
            )

    async def check_cancelled(self) -> None:
        if not self.cancel_requested:
            now = time.monotonic()
            if now - self._last_cancel_check >= CANCEL_CHECK_INTERVAL_SECONDS:
                self._last_cancel_check = now
                async with self.db.sessionmaker() as s:
                    flag = await s.scalar(select(Job.cancel_requested).where(Job.id == self.job_id))
                self.cancel_requested = bool(flag)
        if self.cancel_requested:
            raise JobCancelled(self.job_id)
