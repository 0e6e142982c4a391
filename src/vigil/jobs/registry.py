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
)


class JobCancelled(Exception):  # noqa: N818 (it is a signal, not an error)
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


_TASKS: dict[str, TaskSpec] = {}


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


@cache
def load_tasks() -> dict[str, TaskSpec]:
    for module in TASK_MODULES:
        importlib.import_module(module)
    return dict(_TASKS)


def get_task(name: str) -> TaskSpec | None:
    return load_tasks().get(name)
