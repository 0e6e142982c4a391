"""``vigil baseline show|reset|rebuild CAMERA``: a camera's learned activity, in the terminal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.baselines import service
from vigil.baselines.learning import rebuild, reset_baselines
from vigil.baselines.schemas import BaselineSummary
from vigil.cameras.service import get_camera
from vigil.core.commands import run_db, settings_or_exit
from vigil.core.config import Settings

app = typer.Typer(no_args_is_help=True)
out = Console()
T = TypeVar("T")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Light to dark: the cell's share of the busiest slot picks the shade.
SHADES = ("grey15", "dark_green", "green4", "green3", "yellow3", "dark_orange", "red3")


def _run(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    settings = settings_or_exit()
    return run_db(lambda session: work(session, settings), settings=settings)


def heatmap_table(summary: BaselineSummary) -> Table:
    """Weekdays down, hours across; each cell is the learned detections per hour, shaded."""
    peak = max((v for row in summary.heatmap for v in row if v is not None), default=0.0)
    table = Table(
        title=f"{summary.camera_id}: detections per hour ({summary.timezone})",
        show_lines=False,
        pad_edge=False,
        padding=(0, 0),
    )
    table.add_column("", style="bold")
    for hour in range(24):
        table.add_column(f"{hour:>2}", justify="right", min_width=3)
    for day, row in enumerate(summary.heatmap):
        cells: list[Text | str] = [WEEKDAYS[day]]
        for value in row:
            if value is None:
                cells.append(Text("  ·", style="grey37"))
                continue
            shade = (
                SHADES[min(len(SHADES) - 1, int(len(SHADES) * value / peak))] if peak else SHADES[0]
            )
            label = f"{value:3.0f}" if value >= 9.5 else f"{value:3.1f}"
            cells.append(Text(label[-3:], style=f"white on {shade}"))
        table.add_row(*cells)
    return table


def render(summary: BaselineSummary, console: Console) -> None:
    console.print(heatmap_table(summary))
    state = "established" if summary.established else "still learning"
    console.print(
        f"Baseline {state}; threshold {summary.config.anomaly_threshold}, "
        f"min samples {summary.config.min_samples}; learned through "
        f"{summary.observed_through.isoformat() if summary.observed_through else '—'}"
    )
    if summary.peak_hours:
        console.print("Peak hours: " + ", ".join(f"{h:02d}:00" for h in summary.peak_hours))
    if summary.top_classes:
        console.print(
            "Top classes: "
            + ", ".join(
                f"{c.detection_class} ~{c.expected_per_day:.1f}/day"
                for c in summary.top_classes[:5]
            )
        )
    dev = summary.current_deviation
    if dev.established:
        console.print(
            f"Now ({WEEKDAYS[dev.day_of_week]} {dev.hour:02d}:00): {dev.observed_count} so far vs "
            f"~{dev.expected_so_far:.1f} expected by now (~{dev.expected_count:.1f} per hour) — "
            f"{dev.interpretation} (z = {dev.z_score:+.2f})"
        )
    else:
        console.print(f"Now: {dev.observed_count} detections so far; not enough history to compare")


@app.command()
def show(camera: str = typer.Argument(..., help="camera id, e.g. front_door")) -> None:
    """Draw the camera's hour x weekday activity heat map and how now compares."""
    summary = _run(lambda s, settings: service.summary(s, camera, settings))
    render(summary, out)


@app.command()
def reset(camera: str = typer.Argument(..., help="camera id")) -> None:
    """Forget what the camera's baselines learned."""

    async def work(session: AsyncSession, settings: Settings) -> dict[str, int]:
        await get_camera(session, camera)
        return await reset_baselines(session, camera)

    counts = _run(work)
    out.print(
        f"deleted {counts['activity_rows_deleted']} activity and "
        f"{counts['class_rows_deleted']} class rows"
    )


@app.command(name="rebuild")
def rebuild_command(camera: str = typer.Argument(..., help="camera id")) -> None:
    """Relearn the camera's baselines from all its stored detections (runs here, now)."""

    async def work(session: AsyncSession, settings: Settings) -> int:
        await get_camera(session, camera)
        return await rebuild(session, camera, settings)

    out.print(f"folded {_run(work)} hour slots")
