"""``vigil logs search "…"`` and ``vigil logs tail [-f]``, straight from the database."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.core.errors import VigilError
from vigil.logs import search as log_search
from vigil.logs import service
from vigil.logs.schemas import LogRead, normalise_level
from vigil.models import Log

app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True)

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LEVEL_STYLE = {
    "DEBUG": "dim",
    "INFO": "",
    "WARNING": "yellow",
    "ERROR": "red",
    "CRITICAL": "bold red",
}


def parse_time(value: str | None) -> datetime | None:
    """ISO-8601 (UTC when no zone) or relative: ``15m``, ``2h``, ``7d`` ago."""
    if value is None:
        return None
    match = _RELATIVE.match(value.strip())
    if match:
        amount, unit = int(match.group(1)), _UNITS[match.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: amount})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r}: use ISO-8601 or e.g. 15m, 2h, 7d") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _filters(
    q: str | None,
    level: list[str] | None,
    component: str | None,
    camera: str | None,
    source: str | None,
    since: str | None,
    until: str | None,
) -> log_search.LogFilter:
    return log_search.LogFilter(
        levels=[str(normalise_level(v)) for v in level] if level else None,
        component=component,
        camera_id=camera,
        source=source,
        since=parse_time(since),
        until=parse_time(until),
        q=q,
    )


def _line(row: Log) -> str:
    style = _LEVEL_STYLE.get(row.level, "")
    parts = [
        f"[dim]{row.timestamp:%Y-%m-%d %H:%M:%S}[/dim]",
        f"[{style}]{row.level:<8}[/{style}]" if style else f"{row.level:<8}",
        f"[cyan]{escape(row.component)}[/cyan]",
        escape(row.message),
    ]
    if row.camera_id:
        parts.append(f"[dim]camera={escape(row.camera_id)}[/dim]")
    if row.extra:
        parts.append(f"[dim]{escape(json.dumps(row.extra, default=str))}[/dim]")
    return " ".join(parts)


async def _search(f: log_search.LogFilter, limit: int, as_json: bool) -> None:
    db = Database.from_settings(load_settings())
    try:
        async with db.sessionmaker() as session:
            rows, cursor = await log_search.search_logs(session, f, limit=limit)
    finally:
        await db.dispose()
    if as_json:
        for row in rows:
            typer.echo(LogRead.model_validate(row).model_dump_json())
        return
    table = Table(show_header=True, header_style="bold")
    for heading in ("id", "time (UTC)", "level", "component", "message", "camera"):
        table.add_column(heading, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            f"{row.timestamp:%Y-%m-%d %H:%M:%S}",
            row.level,
            escape(row.component),
            escape(row.message),
            escape(row.camera_id or ""),
        )
    console.print(table)
    more = " (more: raise --limit or narrow the search)" if cursor else ""
    err.print(f"{len(rows)} entries{more}")


async def _tail(f: log_search.LogFilter, lines: int, follow: bool, interval: float) -> None:
    db = Database.from_settings(load_settings())
    try:
        recent: list[Log] = []
        if lines:
            async with db.sessionmaker() as session:
                recent, _ = await log_search.search_logs(session, f, limit=lines)
        for row in reversed(recent):
            console.print(_line(row), highlight=False)
        # Follow from the newest stored id, not the newest shown: ids, not timestamps, tell
        # what was stored after we looked.
        async with db.sessionmaker() as session:
            last_id = await service.max_log_id(session)
        while follow:
            await asyncio.sleep(interval)
            async with db.sessionmaker() as session:
                new = await log_search.newer_than(session, f, after_id=last_id, limit=1000)
            for row in new:
                console.print(_line(row), highlight=False)
                last_id = row.id
    finally:
        await db.dispose()


def _run(coro: object) -> None:
    try:
        asyncio.run(coro)  # type: ignore[arg-type]
    except VigilError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        pass


LevelOpt = typer.Option(None, "--level", "-l", help="Level(s); repeat for several.")
ComponentOpt = typer.Option(None, "--component", "-c")
CameraOpt = typer.Option(None, "--camera")
SourceOpt = typer.Option(None, "--source", help="backend or frontend")
SinceOpt = typer.Option(None, "--since", help="ISO time or relative (15m, 2h, 7d).")
UntilOpt = typer.Option(None, "--until", help="ISO time or relative (15m, 2h, 7d).")


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help='Words, "a phrase", -exclude, or.'),
    level: list[str] | None = LevelOpt,
    component: str | None = ComponentOpt,
    camera: str | None = CameraOpt,
    source: str | None = SourceOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Full-text search of the logs, newest first."""
    _run(_search(_filters(query, level, component, camera, source, since, until), limit, as_json))


@app.command()
def tail(
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new entries."),
    lines: int = typer.Option(20, "--lines", "-n", min=0, max=1000),
    query: str | None = typer.Option(None, "--query", "-q", help="Only entries matching this."),
    level: list[str] | None = LevelOpt,
    component: str | None = ComponentOpt,
    camera: str | None = CameraOpt,
    source: str | None = SourceOpt,
    interval: float = typer.Option(1.0, min=0.2, max=60, help="Seconds between polls."),
) -> None:
    """The newest log entries, oldest first; with -f, follow new ones as they are stored."""
    f = _filters(query, level, component, camera, source, None, None)
    _run(_tail(f, lines, follow, interval))
