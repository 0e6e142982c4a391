"""``vigil keys create|list|revoke``: API keys stored (hashed) in the database."""

from __future__ import annotations

import asyncio
from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.core.errors import VigilError
from vigil.keys import service

app = typer.Typer(no_args_is_help=True)
err = Console(stderr=True)


def _settings() -> Settings:
    from vigil.core.commands import settings_or_exit

    return settings_or_exit()


async def _create(settings: Settings, name: str, read_only: bool) -> tuple[str, str]:
    db = Database.from_settings(settings)
    try:
        async with db.transaction() as session:
            reserved = frozenset(k.name for k in settings.keys)
            record, secret = await service.create_key(
                session, name, read_only=read_only, reserved_names=reserved
            )
            return record.scope, secret
    finally:
        await db.dispose()


@app.command("create")
def create(
    name: str = typer.Argument(..., help="A unique name; it becomes the actor in the audit trail."),
    read_only: bool = typer.Option(False, "--read-only", help="Allow only GET requests."),
) -> None:
    """Create a key and print it once: only its SHA-256 is stored, it cannot be shown again."""
    try:
        scope, secret = asyncio.run(_create(_settings(), name, read_only))
    except VigilError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    err.print(f"created {scope} key [bold]{name}[/bold]; store it now, it is not shown again:")
    typer.echo(secret)


async def _list(settings: Settings) -> list[tuple[str, ...]]:
    db = Database.from_settings(settings)
    try:
        async with db.sessionmaker() as session:
            rows = await service.list_keys(session)
    finally:
        await db.dispose()

    def when(value: datetime | None) -> str:
        return value.isoformat(timespec="seconds") if value is not None else "-"

    return [
        (
            r.name,
            r.prefix + "…",
            r.scope,
            when(r.created_at),
            when(r.last_used_at),
            when(r.revoked_at),
        )
        for r in rows
    ]


@app.command("list")
def list_() -> None:
    """List database keys (name, prefix, scope, created, last used, revoked). Keys from
    VIGIL_API_KEYS are listed by name only."""
    settings = _settings()
    table = Table("name", "prefix", "scope", "created", "last used", "revoked")
    for row in asyncio.run(_list(settings)):
        table.add_row(*row)
    for key in settings.keys:
        table.add_row(key.name, "(env)", "read" if key.read_only else "write", "-", "-", "-")
    Console().print(table)


async def _revoke(settings: Settings, name: str) -> None:
    db = Database.from_settings(settings)
    try:
        async with db.transaction() as session:
            await service.revoke_key(session, name)
    finally:
        await db.dispose()


@app.command("revoke")
def revoke(name: str = typer.Argument(..., help="Name of the key to revoke.")) -> None:
    """Revoke a key. Running servers stop accepting it within VIGIL_API_KEY_CACHE_SECONDS."""
    try:
        asyncio.run(_revoke(_settings(), name))
    except VigilError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None
    err.print(f"revoked [bold]{name}[/bold]")
