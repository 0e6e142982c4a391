"""Plumbing shared by the ``vigil`` sub-commands: settings that fail as one line, and one
database unit of work per command (the command is its transaction owner)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import ConfigError, Settings, load_settings
from vigil.core.db import Database
from vigil.core.errors import VigilError

err = Console(stderr=True)
T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def run_db(work: Callable[[AsyncSession], Awaitable[T]], *, settings: Settings | None = None) -> T:
    """Run ``work`` in one transaction on the configured database; domain errors exit 1."""
    settings = settings or settings_or_exit()

    async def main() -> T:
        db = Database.from_settings(settings)
        try:
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except VigilError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from None
