"""Task registry: job code is declared with ``@task`` in each area's ``tasks.py``.

A task is ``async def fn(ctx: JobContext, payload: dict) -> dict | None``. It opens its own
transactions with ``ctx.db.transaction()`` (the job run owns them), reports progress and logs
through ``ctx``, and calls ``ctx.check_cancelled()`` at safe points.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from vigil.core.config import Settings
from vigil.core.db import Database

# Modules that declare tasks; the worker imports them all before it claims anything.
TASK_MODULES = (
    "vigil.jobs.tasks",
    "vigil.alerting.tasks",
    "vigil.notify.tasks",
    "vigil.telemetry.tasks",
    "vigil.logs.tasks",
    "vigil.audit.tasks",
    "vigil.quality.tasks",
    "vigil.baselines.tasks",
    "vigil.retention.tasks",
    "vigil.events.export",
)


class JobCancelled(Exception):
    """Raised by ``ctx.check_cancelled()`` when a user asked to cancel the running job."""


class JobContext(Protocol):
    job_id: str
    job_type: str
    attempt: int
    db: Database
    settings: Settings

    async def log(self, level: str, message: str, **context: Any) -> None: ...

    async def progress(self, percent: int, step: str | None = None) -> None: ...

    async def check_cancelled(self) -> None:
        """Raise ``JobCancelled`` if a user asked to cancel this job."""
        ...


TaskFn = Callable[[JobContext, dict[str, Any]], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: TaskFn
    queue: str = "default"
    priority: int = 2
    max_attempts: int = 3
    timeout_seconds: float = 600.0
    description: str = ""


@dataclass(frozen=True)
class PeriodicSpec:
    """A task enqueued on a cron schedule, once per tick across all workers."""

    task_name: str
    cron: str
    payload: dict[str, Any]
    # Name of a ``Settings`` field holding the cron expression, so operators can move it
    # (an empty value turns the schedule off); ``cron`` is the default when the field is unset.
    cron_setting: str | None = None

    def cron_for(self, settings: Settings) -> str:
        if self.cron_setting is not None:
            value = getattr(settings, self.cron_setting, None)
            if value is not None:
                return str(value).strip()
        return self.cron


_TASKS: dict[str, TaskSpec] = {}
_PERIODIC: dict[str, PeriodicSpec] = {}


def task(
    name: str,
    *,
    queue: str = "default",
    priority: int = 2,
    max_attempts: int = 3,
    timeout_seconds: float = 600.0,
) -> Callable[[TaskFn], TaskFn]:
    def register(fn: TaskFn) -> TaskFn:
        if name in _TASKS and _TASKS[name].fn is not fn:
            raise RuntimeError(f"task {name!r} is declared twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        _TASKS[name] = TaskSpec(
            name, fn, queue, priority, max_attempts, timeout_seconds, doc[0] if doc else ""
        )
        return fn

    return register


def periodic(
    cron: str, *, cron_setting: str | None = None, payload: dict[str, Any] | None = None
) -> Callable[[TaskFn], TaskFn]:
    """Run a task on a cron schedule (5 fields, or 6 with seconds last). Put it above ``@task``:

    ``@periodic("0 3 * * *")`` then ``@task("retention.cleanup", ...)`` on the function.
    """
    from croniter import croniter

    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression {cron!r}")

    def register(fn: TaskFn) -> TaskFn:
        spec = next((s for s in _TASKS.values() if s.fn is fn), None)
        if spec is None:
            raise RuntimeError("@periodic must be applied above @task(...)")
        _PERIODIC[spec.name] = PeriodicSpec(spec.name, cron, dict(payload or {}), cron_setting)
        return fn

    return register


def periodic_tasks() -> dict[str, PeriodicSpec]:
    load_tasks()
    return dict(_PERIODIC)


@cache
def _import_task_modules() -> None:
    for module in TASK_MODULES:
        importlib.import_module(module)


def load_tasks() -> dict[str, TaskSpec]:
    """Every declared task: those of ``TASK_MODULES`` plus any module imported since (a worker's
    ``--tasks-module``, tests)."""
    _import_task_modules()
    return dict(_TASKS)


def get_task(name: str) -> TaskSpec | None:
    _import_task_modules()
    return _TASKS.get(name)
