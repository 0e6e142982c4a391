"""``vigil audit list|verify|export|prune``: the audit trail from the command line (direct
database access, same services as the API)."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vigil.audit import service
from vigil.audit.service import AuditFilter
from vigil.audit.verification import ChainCheck
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.models import AuditLog

app = typer.Typer(no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    from vigil.core.commands import settings_or_exit

    return settings_or_exit()


async def _list(settings: Settings, filters: AuditFilter, limit: int) -> list[AuditLog]:
    db = Database.from_settings(settings)
    try:
        async with db.read_sessionmaker() as session:
            rows, _ = await service.list_logs(session, filters, limit=limit, offset=0)
            return rows
    finally:
        await db.dispose()


@app.command("list")
def list_(
    action: str | None = typer.Option(None, help="Only this action, e.g. camera.create."),
    resource_type: str | None = typer.Option(None, help="Only this resource type."),
    actor: str | None = typer.Option(None, help="Only this actor (API key name)."),
    status: str | None = typer.Option(None, help="success or failure."),
    since: datetime | None = typer.Option(None, help="From this time (ISO 8601, UTC if naive)."),
    limit: int = typer.Option(50, min=1, max=10_000),
) -> None:
    """The newest audit entries."""
    filters = AuditFilter(action, resource_type, None, actor, status, _aware(since), None)
    rows = asyncio.run(_list(_settings(), filters, limit))
    table = Table("id", "time", "actor", "action", "resource", "status", "ip")
    for row in rows:
        resource = (
            f"{row.resource_type}:{row.resource_id}" if row.resource_id else row.resource_type
        )
        table.add_row(
            str(row.id),
            row.timestamp.isoformat(timespec="seconds"),
            row.actor,
            row.action,
            resource,
            row.status,
            row.ip_address or "",
        )
    out.print(table)


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


async def _verify(settings: Settings, full: bool) -> ChainCheck:
    db = Database.from_settings(settings)
    try:
        return await service.check_chain(db, full=full)
    finally:
        await db.dispose()


@app.command()
def verify(
    full: bool = typer.Option(
        False,
        "--full",
        help="Re-hash every entry, not only those after the last verified checkpoint "
        "(also finds entries edited in place before it).",
    ),
) -> None:
    """Verify the chain; exit 1 and name the first broken or missing link if it was tampered.
    Routine checks re-hash the entries after the last verified checkpoint; --full all of them."""
    result = asyncio.run(_verify(_settings(), full))
    if result.ok:
        if result.full:
            out.print(f"[green]ok[/green]: {result.checked} entries, chain intact (full re-hash)")
        else:
            last_full = (
                result.last_full_at.isoformat(timespec="seconds")
                if result.last_full_at
                else "never"
            )
            out.print(
                f"[green]ok[/green]: {result.checked} new entries re-hashed after checkpoint "
                f"#{result.checkpoint_id}, chain intact; entries up to the checkpoint were "
                f"checked for deletion and rewriting, not re-hashed (last full re-hash: "
                f"{last_full}; run with --full to re-hash them)"
            )
        return
    where = f"entry {result.first_bad_id}" if result.first_bad_id is not None else "chain"
    err.print(
        f"[red]TAMPERED[/red] at {where}: {result.problem} ({result.checked} verified before)"
    )
    raise typer.Exit(1)


async def _export(settings: Settings, fmt: str, target: Path | None, filters: AuditFilter) -> None:
    db = Database.from_settings(settings)
    try:
        async with db.read_sessionmaker() as session:
            stream = target.open("w", encoding="utf-8", newline="") if target else sys.stdout
            try:
                async for chunk in service.iter_export(session, filters, fmt):
                    stream.write(chunk)
            finally:
                if target:
                    stream.close()
    finally:
        await db.dispose()


@app.command()
def export(
    format: str = typer.Option("json", "--format", "-f", help="csv or json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default stdout)."),
    since: datetime | None = typer.Option(None, help="From this time (ISO 8601)."),
) -> None:
    """Write the trail (in chain order) as CSV or a JSON array."""
    if format not in ("csv", "json"):
        err.print("[red]error:[/red] --format must be csv or json")
        raise typer.Exit(2)
    filters = AuditFilter(since=_aware(since))
    asyncio.run(_export(_settings(), format, output, filters))


async def _prune(settings: Settings, days: int) -> int:
    db = Database.from_settings(settings)
    try:
        async with db.transaction() as session:
            return await service.apply_retention(session, days)
    finally:
        await db.dispose()


@app.command()
def prune(
    days: int = typer.Option(..., min=1, help="Keep this many days; older entries are deleted."),
) -> None:
    """Retention: delete entries older than N days, keeping the remaining chain verifiable."""
    deleted = asyncio.run(_prune(_settings(), days))
    out.print(f"deleted {deleted} entries older than {days} days")
