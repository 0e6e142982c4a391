"""``vigil jobs list|show|cancel|retry|logs``: jobs straight from the database."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.commands import err, run_db, settings_or_exit
from vigil.core.db import Database
from vigil.core.errors import VigilError
from vigil.jobs import queries, service
from vigil.jobs.schemas import JobLogRead, JobRead
from vigil.models.job import JOB_LOG_LEVELS, JOB_STATUSES

app = typer.Typer(no_args_is_help=True)
out = Console()
CLI_ACTOR = "cli"
FOLLOW_POLL_SECONDS = 0.5
T = TypeVar("T")

STATUS_STYLE = {
    "queued": "cyan",
    "running": "yellow",
    "completed": "green",
    "failed": "red",
    "cancelled": "magenta",
}


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, help=f"one of {', '.join(JOB_STATUSES)}"),
    job_type: str | None = typer.Option(None, "--type", help="job type, e.g. retention.cleanup"),
    queue: str | None = typer.Option(None, help="queue name"),
    search: str | None = typer.Option(None, "--search", "-s", help="text search"),
    limit: int = typer.Option(20, min=1, max=1000),
) -> None:
    """List jobs, newest first."""
    if status is not None and status not in JOB_STATUSES:
        err.print(f"[red]error:[/red] status must be one of {', '.join(JOB_STATUSES)}")
        raise typer.Exit(2)

    async def work(s: AsyncSession) -> tuple[list[JobRead], int]:
        rows, total = await queries.list_jobs(
            s,
            status=[status] if status else (),
            job_type=[job_type] if job_type else (),
            queue=queue,
            q=search,
            limit=limit,
        )
        return [queries.job_read(j) for j in rows], total

    jobs, total = run_db(work)
    table = Table("id", "type", "status", "queue", "prio", "attempt", "progress", "created")
    for j in jobs:
        table.add_row(
            j.id,
            j.job_type,
            _status(j.status),
            j.queue_name or "-",
            str(j.priority),
            f"{j.attempt_number}/{j.max_attempts}",
            f"{j.progress_percent}%",
            _when(j.created_at),
        )
    out.print(table)
    out.print(f"{len(jobs)} of {total} jobs")


@app.command("show")
def show_cmd(
    job_id: str,
    follow: bool = typer.Option(False, "--follow", "-f", help="live progress until it finishes"),
) -> None:
    """Show a job, its transitions and attempts (``-f``: a live progress bar)."""
    if follow:
        _follow_progress(job_id)
    history = run_db(lambda s: queries.history(s, job_id))
    job = history.job
    out.print(f"[bold]{job.id}[/bold]  {job.job_type}  {_status(job.status)}")
    out.print(
        f"queue {job.queue_name}  priority {job.priority}  attempt "
        f"{job.attempt_number}/{job.max_attempts}  progress {job.progress_percent}%"
        + (f"  step: {job.current_step}" if job.current_step else "")
    )
    if job.next_retry_at and job.status == "queued":
        out.print(f"next retry at {_when(job.next_retry_at)}")
    if job.error_message:
        out.print(f"[red]error:[/red] {job.error_message}")
    if job.result is not None:
        out.print(f"result: {json.dumps(job.result, default=str)}")
    transitions = Table("at", "from", "to", "by", title="transitions")
    for t in history.transitions:
        transitions.add_row(
            _when(t.transitioned_at), t.from_status or "-", t.to_status, t.triggered_by
        )
    out.print(transitions)
    attempts = Table("#", "status", "worker", "started", "seconds", "error", title="attempts")
    for a in history.attempts:
        attempts.add_row(
            str(a.attempt_number),
            a.status,
            a.worker_id or "-",
            _when(a.started_at),
            f"{a.duration_seconds:.2f}" if a.duration_seconds is not None else "-",
            (a.error_message or "")[:60],
        )
    out.print(attempts)


def _follow_progress(job_id: str) -> None:
    async def main() -> None:
        db = Database.from_settings(settings_or_exit())
        try:
            with Progress(
                TextColumn("[bold]{task.fields[status]}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=out,
            ) as bar:
                task_id = bar.add_task("", total=100, status="")
                while True:
                    async with db.sessionmaker() as s:
                        job = await queries.get_job(s, job_id)
                    bar.update(
                        task_id,
                        completed=job.progress_percent,
                        description=job.current_step or "",
                        status=job.status,
                    )
                    if job.is_finished:
                        return
                    await asyncio.sleep(FOLLOW_POLL_SECONDS)
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    except VigilError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command("cancel")
def cancel_cmd(job_id: str) -> None:
    """Cancel a job: queued at once, running cooperatively."""
    job = run_db(lambda s: service.cancel_job(s, job_id, CLI_ACTOR))
    if job.status == "cancelled":
        out.print(f"job {job_id}: cancelled")
    else:
        out.print(f"job {job_id}: cancel requested; it stops at its next cancellation check")


@app.command("retry")
def retry_cmd(job_id: str) -> None:
    """Queue a failed or cancelled job again (same id, next attempt)."""
    job = run_db(lambda s: service.retry_job(s, job_id, CLI_ACTOR))
    out.print(f"job {job_id}: queued again as attempt {job.attempt_number}")


def _print_log(entry: JobLogRead) -> None:
    style = {"error": "red", "warning": "yellow", "debug": "dim"}.get(entry.level, "white")
    ctx = f" {json.dumps(entry.context, default=str)}" if entry.context else ""
    out.print(
        f"{_when(entry.timestamp)} [{style}]{entry.level:<7}[/] "
        f"#{entry.attempt_number} {entry.message}{ctx}",
        highlight=False,
    )


@app.command("logs")
def logs_cmd(
    job_id: str,
    level: str = typer.Option("debug", help=f"minimum level: {', '.join(JOB_LOG_LEVELS)}"),
    limit: int = typer.Option(1000, min=1, max=10_000),
    follow: bool = typer.Option(False, "--follow", "-f", help="keep tailing until it finishes"),
) -> None:
    """Print a job's log (``-f`` tails it until the job finishes)."""
    if level not in JOB_LOG_LEVELS:
        err.print(f"[red]error:[/red] level must be one of {', '.join(JOB_LOG_LEVELS)}")
        raise typer.Exit(2)

    async def main() -> None:
        db = Database.from_settings(settings_or_exit())
        since: datetime | None = None
        try:
            while True:
                async with db.sessionmaker() as s:
                    page = await queries.logs(s, job_id, level=level, since=since, limit=limit)
                    job = await queries.get_job(s, job_id)
                for entry in page.items:
                    _print_log(entry)
                    since = entry.timestamp
                if not follow or (job.is_finished and not page.has_more):
                    if follow:
                        out.print(f"job {job_id}: {_status(job.status)}")
                    return
                if not page.has_more:
                    await asyncio.sleep(FOLLOW_POLL_SECONDS)
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    except VigilError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
