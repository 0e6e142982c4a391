"""The job worker: claims due jobs and runs up to ``concurrency`` of them at once.

Loop: claim as many jobs as there are free slots; run each in its own task; when nothing is
due, sleep until woken (PostgreSQL ``LISTEN vigil_jobs``, or a finished job freeing a slot) or
until the fallback poll. Beside it: a heartbeat (which also picks up cancel requests and
recovers other workers' stalled jobs) and, when enabled, the periodic scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import traceback
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.errors import InvalidInput
from vigil.core.logging import get_logger
from vigil.jobs import liveness, store, store_pg
from vigil.jobs.context import RunContext
from vigil.jobs.periodic import schedule_due
from vigil.jobs.registry import JobCancelled, PeriodicSpec, get_task, load_tasks, periodic_tasks
from vigil.jobs.retry import RetryStrategy
from vigil.jobs.service import NOTIFY_CHANNEL

log = get_logger("jobs")

# Bookkeeping writes that fail for other reasons than an unreachable database (or while the
# worker stops) are tried this many times.
FINISH_TRIES = 5
# Bad input does not get better by retrying: the job fails at once, with its error.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (InvalidInput, ValidationError)


def _database_unreachable(exc: BaseException) -> bool:
    """The database is out of reach (down, restarting, connection cut), as opposed to a
    statement that will keep failing. Same classes as the API's 503 mapping in ``vigil.app``."""
    if isinstance(
        exc, OSError | TimeoutError | PoolTimeoutError | InterfaceError | OperationalError
    ):
        return True
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return exc.connection_invalidated or (
            isinstance(state, str) and state.startswith(("08", "57P", "53300"))
        )
    return False


class Worker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        queues: Iterable[str] | None = None,
        concurrency: int | None = None,
        schedule: Iterable[PeriodicSpec] | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.queues = sorted(set(queues)) if queues else None
        self.concurrency = concurrency or settings.job_worker_concurrency
        self.worker_id = worker_id or store.new_worker_id()
        self.strategy = RetryStrategy(
            base_seconds=settings.job_retry_base_seconds,
            max_seconds=settings.job_retry_max_seconds,
        )
        if schedule is None:
            schedule = periodic_tasks().values() if settings.job_periodic_enabled else ()
        self.schedule = [
            s
            for s in schedule
            if self.queues is None or self._task_queue(s.task_name) in self.queues
        ]
        self.poll_interval = (
            settings.job_poll_interval_seconds
            if db.dialect == "postgresql"
            else settings.job_sqlite_poll_interval_seconds
        )
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._contexts: dict[str, RunContext] = {}
        self._cancel_seen: dict[str, float] = {}
        self._hard_cancelled: set[str] = set()
        self._listen_conn: Any = None
        self._listen_raw: Any = None
        self._completions: list[
            tuple[store.ClaimedJob, dict[str, Any] | None, asyncio.Future[bool]]
        ] = []
        self._completer: asyncio.Task[None] | None = None
        self._fast = store_pg.FastPath(db)
        self._job_types: list[str] = []
        self.jobs_done = 0

    @staticmethod
    def _task_queue(name: str) -> str:
        spec = get_task(name)
        return spec.queue if spec else "default"

    def stop(self) -> None:
        """Ask the worker to stop: it claims nothing more, then finishes or releases its jobs."""
        self._stopping.set()
        self._wake.set()

    # --- main loop ------------------------------------------------------------------------------

    async def run(self, *, stop_when_idle: bool = False) -> None:
        """Run until ``stop()`` (or, with ``stop_when_idle``, until nothing is due or running)."""
        job_types = self._job_types = sorted(load_tasks())
        if not await self._register():
            await self._fast.close()
            return
        log.info(
            "jobs.worker_started",
            worker_id=self.worker_id,
            queues=self.queues or "all",
            concurrency=self.concurrency,
        )
        await self._listen()
        side = [asyncio.create_task(self._heartbeat_loop())]
        if self.schedule:
            side.append(asyncio.create_task(self._schedule_loop()))
        try:
            claim_failures = 0
            while not self._stopping.is_set():
                self._wake.clear()
                free = self.concurrency - len(self._running)
                try:
                    claimed = await self._claim(free, job_types) if free > 0 else []
                    claim_failures = 0
                except Exception as exc:
                    # Database unreachable or restarting: keep the running jobs and try again
                    # soon (1 s, doubling up to 30 s) instead of dying.
                    log.error("jobs.claim_failed", worker_id=self.worker_id, error=repr(exc))
                    claim_failures += 1
                    if await self._sleep(min(30.0, 2.0 ** (claim_failures - 1))):
                        break
                    continue
                for job in claimed:
                    self._running[job.id] = asyncio.create_task(self._execute(job))
                if stop_when_idle and not claimed and not self._running:
                    break
                if free > 0 and len(claimed) == free:
                    continue  # there may be more waiting: claim again once a slot frees up
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                # Let jobs finishing in the same batch free their slots first, so one claim
                # fetches several jobs instead of one each.
                for _ in range(3):
                    await asyncio.sleep(0)
        finally:
            self._stopping.set()
            await self._shutdown(side)

    async def _register(self) -> bool:
        """Register in ``job_workers``, waiting (1 s, doubling up to 30 s) while the database is
        unreachable: a worker started before PostgreSQL, or restarted during an outage, must
        not exit. False when asked to stop meanwhile."""
        failures = 0
        while True:
            try:
                await liveness.register_worker(
                    self.db, self.worker_id, self.queues, self.concurrency
                )
                return True
            except IntegrityError:
                return True  # an earlier try committed but its answer was lost
            except Exception as exc:
                failures += 1
                delay = min(30.0, 2.0 ** (failures - 1))
                log.error(
                    "jobs.register_failed",
                    worker_id=self.worker_id,
                    error=type(exc).__name__,
                    retry_in=delay,
                )
                if await self._sleep(delay):
                    return False

    async def _claim(self, free: int, job_types: list[str]) -> list[store.ClaimedJob]:
        if self.db.dialect == "postgresql":
            return await self._fast.claim(self.worker_id, self.queues, free, job_types)
        return await store.claim(self.db, self.worker_id, self.queues, free, job_types)

    async def _complete(
        self, db: Database, job: store.ClaimedJob, worker_id: str, result: dict[str, Any] | None
    ) -> bool:
        if db.dialect != "postgresql":
            return await store.complete(db, job, worker_id, result)
        # Jobs finishing together share one round trip, which also claims their successors:
        # a busy worker's cycle costs one statement per batch, not several per job.
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._completions.append((job, result, future))
        if self._completer is None or self._completer.done():
            self._completer = asyncio.create_task(self._flush_completions())
        return await asyncio.shield(future)

    async def _flush_completions(self) -> None:
        await asyncio.sleep(0)  # let jobs finishing in this same loop turn join the batch
        while self._completions:
            batch, self._completions = self._completions, []
            # The slots these jobs free are refilled in the same round trip (never while
            # stopping). New jobs join ``_running`` before the finished ones leave it, so the
            # main loop cannot claim the same slots again.
            claim = None
            if not self._stopping.is_set() and self._job_types:
                claim = (self.queues, len(batch), self._job_types)
            try:
                ours, claimed = await self._fast.complete_many(
                    self.worker_id, [(job, result) for job, result, _ in batch], claim
                )
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for new_job in claimed:
                self._running[new_job.id] = asyncio.create_task(self._execute(new_job))
            for job, _, future in batch:
                if not future.done():
                    future.set_result(job.id in ours)

    async def _shutdown(self, side: list[asyncio.Task[None]]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.job_shutdown_grace_seconds
        # A loop, not one wait: a completion batch in flight may still hand us new jobs.
        while self._running:
            _, pending = await asyncio.wait(
                list(self._running.values()), timeout=max(0.0, deadline - loop.time())
            )
            for task in pending:
                task.cancel()  # ``_execute`` releases the job back to the queue
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        if self._completer is not None:
            await asyncio.gather(self._completer, return_exceptions=True)
        # The side loops see ``_stopping`` and end between transactions; cancelling one mid-write
        # could leave its connection holding SQLite's write lock.
        _, stuck = await asyncio.wait(side, timeout=10)
        for task in stuck:
            task.cancel()
        await asyncio.gather(*side, return_exceptions=True)
        await self._unlisten()
        await self._fast.close()
        with contextlib.suppress(Exception):
            await liveness.unregister_worker(self.db, self.worker_id)
        log.info("jobs.worker_stopped", worker_id=self.worker_id, jobs_done=self.jobs_done)

    # --- LISTEN/NOTIFY (PostgreSQL) --------------------------------------------------------------

    async def _listen(self) -> None:
        if self.db.dialect != "postgresql":
            return
        try:
            conn = await self.db.engine.connect()
            raw = await conn.get_raw_connection()
            await raw.driver_connection.add_listener(NOTIFY_CHANNEL, self._on_notify)  # type: ignore[union-attr]
            self._listen_conn = conn
            self._listen_raw = raw.driver_connection
        except Exception as exc:  # polling still works; say why wake-ups are slower
            log.warning("jobs.listen_failed", error=type(exc).__name__)

    async def _ensure_listening(self) -> None:
        """Re-subscribe after the LISTEN connection was lost (database restart)."""
        if self.db.dialect != "postgresql":
            return
        raw = self._listen_raw
        if raw is not None and not raw.is_closed():
            return
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.invalidate()  # never hand a dead one back to the pool
        await self._unlisten()
        await self._listen()
        if self._listen_conn is not None:
            self._wake.set()  # notifications may have been missed meanwhile

    async def _unlisten(self) -> None:
        if self._listen_conn is None:
            return
        with contextlib.suppress(Exception):
            raw = await self._listen_conn.get_raw_connection()
            await raw.driver_connection.remove_listener(NOTIFY_CHANNEL, self._on_notify)
        with contextlib.suppress(Exception):
            await self._listen_conn.close()
        self._listen_conn = None
        self._listen_raw = None

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, queue: str) -> None:
        if self.queues is None or queue in self.queues:
            self._wake.set()

    # --- running one job ------------------------------------------------------------------------

    async def _execute(self, job: store.ClaimedJob) -> None:
        spec = get_task(job.job_type)
        ctx = RunContext(
            job_id=job.id,
            job_type=job.job_type,
            attempt=job.attempt_number,
            db=self.db,
            settings=self.settings,
        )
        self._contexts[job.id] = ctx
        timed_out = False
        try:
            assert spec is not None  # claim() only takes job types this worker knows
            try:
                async with asyncio.timeout(spec.timeout_seconds) as deadline:
                    try:
                        result = store.json_safe(await spec.fn(ctx, dict(job.payload)))
                    finally:
                        timed_out = deadline.expired()
            except JobCancelled:
                await self._finish(store.cancelled, job, self.worker_id)
            except asyncio.CancelledError:
                if job.id in self._hard_cancelled:
                    await self._finish(store.cancelled, job, self.worker_id)
                else:
                    await self._finish(store.release, job, self.worker_id)
            except Exception as exc:
                if timed_out:
                    await self._finish(
                        store.fail,
                        job,
                        self.worker_id,
                        f"timed out after {spec.timeout_seconds:g} s",
                        None,
                        self.strategy,
                        "timeout",
                    )
                else:
                    await self._finish(
                        store.fail,
                        job,
                        self.worker_id,
                        f"{type(exc).__name__}: {exc}",
                        traceback.format_exc(),
                        self.strategy,
                        "worker",
                        not isinstance(exc, PERMANENT_ERRORS),
                    )
            else:
                await self._finish(self._complete, job, self.worker_id, result)
        finally:
            self.jobs_done += 1
            self._running.pop(job.id, None)
            self._contexts.pop(job.id, None)
            self._cancel_seen.pop(job.id, None)
            self._hard_cancelled.discard(job.id)
            self._wake.set()

    async def _finish(self, fn: Any, *args: Any) -> None:
        """Record how a job ended. While the database is unreachable this is retried for as
        long as the outage lasts: a job given up on would stay ``running`` under this worker,
        which keeps heartbeating, so stalled-job recovery would never pick it up."""
        attempt = 0
        while True:
            try:
                if await fn(self.db, *args) in (None, False):
                    log.warning("jobs.finish_skipped", job_id=args[0].id, reason="not ours anymore")
                return
            except Exception as exc:
                attempt += 1
                log.error(
                    "jobs.finish_failed",
                    job_id=args[0].id,
                    error=type(exc).__name__,
                    attempt=attempt,
                )
                if attempt >= FINISH_TRIES and (
                    self._stopping.is_set() or not _database_unreachable(exc)
                ):
                    # Left running under this worker's id: once the worker exits (or is
                    # presumed dead), stalled-job recovery retries it.
                    return
                await asyncio.sleep(min(10.0, 0.5 * 2 ** min(attempt - 1, 5)))

    # --- heartbeat, cancel requests, stalled-job recovery -----------------------------------

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, waking early on stop; True when the worker is stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _heartbeat_loop(self) -> None:
        interval = self.settings.job_heartbeat_interval_seconds
        while True:
            try:
                await self._ensure_listening()
                cancel_ids = await liveness.heartbeat(self.db, self.worker_id)
                self._apply_cancel_requests(cancel_ids)
                await liveness.recover_stalled(
                    self.db, self.settings.job_stall_timeout_seconds, self.strategy
                )
            except Exception as exc:
                log.warning("jobs.heartbeat_failed", worker_id=self.worker_id, error=repr(exc))
            # Jitter so a fleet of workers started together does not stampede the database.
            if await self._sleep(interval * random.uniform(0.8, 1.0)):
                return

    def _apply_cancel_requests(self, cancel_ids: set[str]) -> None:
        now = time.monotonic()
        for job_id in cancel_ids:
            ctx = self._contexts.get(job_id)
            task = self._running.get(job_id)
            if ctx is None or task is None:
                continue
            ctx.cancel_requested = True
            first = self._cancel_seen.setdefault(job_id, now)
            if now - first >= self.settings.job_cancel_grace_seconds:
                # The job's code does not check for cancellation: stop it.
                self._hard_cancelled.add(job_id)
                task.cancel()

    async def _schedule_loop(self) -> None:
        while True:
            try:
                await schedule_due(
                    self.db,
                    self.schedule,
                    self.settings,
                    max_lateness_seconds=self.settings.job_periodic_max_lateness_seconds,
                )
            except Exception as exc:
                log.warning("jobs.schedule_failed", error=repr(exc))
            if await self._sleep(self.settings.job_periodic_check_seconds):
                return
