"""``vigil gpu``: the latest sample of every GPU as a live table (``--once`` for one shot).

Reads what the sampler of ``vigil serve`` stored, so it shows the same numbers as the API.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.telemetry import service
from vigil.telemetry.sampler import pressure_level

app = typer.Typer(no_args_is_help=False)
console = Console()


def _fmt(value: Any, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"  # the card does not report it
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def render(rows: list[Any], newest: datetime | None, interval: float) -> Table:
    table = Table(title="GPU telemetry", caption=_caption(rows, newest, interval))
    for heading in (
        "#",
        "GPU",
        "util",
        "memory MiB",
        "pressure",
        "temp",
        "power W",
        "SM MHz",
        "fan",
        "det/s",
    ):
        table.add_column(heading, justify="left" if heading == "GPU" else "right")
    for r in rows:
        level = (
            pressure_level(100 * r.memory_used / r.memory_total)
            if r.memory_used is not None and r.memory_total
            else None
        )
        style = {"warning": "yellow", "critical": "bold red"}.get(level or "", "green")
        table.add_row(
            _fmt(r.gpu_index),
            r.gpu_name or r.gpu_uuid or "?",
            _fmt(r.gpu_utilization, "%"),
            f"{_fmt(r.memory_used)}/{_fmt(r.memory_total)}",
            f"[{style}]{level or '—'}[/{style}]",
            _fmt(r.temperature, "°C"),
            f"{_fmt(r.power_usage)}/{_fmt(r.power_limit)}",
            _fmt(r.sm_clock),
            _fmt(r.fan_speed, "%"),
            _fmt(r.inference_fps, digits=2),
        )
    return table


def _caption(rows: list[Any], newest: datetime | None, interval: float) -> str:
    if rows:
        return f"sampled {newest:%Y-%m-%d %H:%M:%S} UTC" if newest else ""
    if newest is not None:
        return f"no current sample (last one {newest:%Y-%m-%d %H:%M:%S} UTC); is `vigil serve` up?"
    return "no GPU samples recorded: no NVIDIA GPU, or `vigil serve` is not running"


async def _snapshot(db: Database, interval: float) -> Table:
    async with db.sessionmaker() as session:
        rows, newest = await service.latest_per_gpu(
            session, now=datetime.now(UTC), max_age=service.staleness_window(interval)
        )
    return render(rows, newest, interval)


async def _run(once: bool, refresh: float) -> None:
    settings = load_settings()
    db = Database.from_settings(settings)
    interval = settings.gpu_poll_interval_seconds
    try:
        if once:
            console.print(await _snapshot(db, interval))
            return
        with Live(await _snapshot(db, interval), console=console, auto_refresh=False) as live:
            while True:
                await asyncio.sleep(refresh)
                live.update(await _snapshot(db, interval), refresh=True)
    finally:
        await db.dispose()


@app.callback(invoke_without_command=True)
def gpu(
    once: bool = typer.Option(False, "--once", help="Print one table and exit."),
    refresh: float = typer.Option(2.0, min=0.5, max=60, help="Seconds between refreshes."),
) -> None:
    """Show the latest sample of every GPU (live until Ctrl-C)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(once, refresh))
